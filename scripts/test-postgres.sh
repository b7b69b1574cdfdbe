#!/usr/bin/env bash
# The black-box suites against the PostgreSQL store: every server the tests start keeps its data
# in a database of its own (serve --store) on a throwaway PostgreSQL that each test process starts
# for itself (test/support/postgres.ts: initdb in a temporary directory, a free loopback port).
# The files about the SQLite store's own files are left out; the unit tests, the storage
# contract suites against both stores included, run with `npm test`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-test-tools.sh
npm run build --silent

# What only SQLite has: its files' modes and contents, its audit log, `keywarden reset` of a data directory.
sqlite_only=(
  dist/test/e2e/data-at-rest.test.js
  dist/test/e2e/audit-loss.test.js
  dist/test/e2e/reset.test.js
)
longest=(
  dist/test/runbooks/connection.test.js
  dist/test/e2e/aws-cli.test.js
  dist/test/runbooks/keys.test.js
  dist/test/e2e/custom-key-stores.test.js
  dist/test/e2e/audit.test.js
  dist/test/e2e/cloudhsmv2.test.js
  dist/test/e2e/cloudhsm-cli.test.js
  dist/test/runbooks/kmsuser.test.js
)
files=()
for f in "${longest[@]}"; do [ -f "$f" ] && files+=("$f"); done
while IFS= read -r f; do
  [[ " ${longest[*]} ${sqlite_only[*]} " == *" $f "* ]] || files+=("$f")
done < <(find dist/test/e2e dist/test/runbooks dist/test/reliability -name '*.test.js' | sort)

export KEYWARDEN_TEST_STORE=postgres
# Two nodes per server behind a balancer that alternates requests between them (test/support/server.ts);
# KEYWARDEN_TEST_NODES=1 runs one.
export KEYWARDEN_TEST_NODES="${KEYWARDEN_TEST_NODES:-2}"
exec node scripts/run-tests.mjs "${KEYWARDEN_TEST_CONCURRENCY:-3}" "${files[@]}"
