#!/usr/bin/env bash
# The whole test suite: unit tests beside the code and black-box tests that drive a real server
# with the AWS CLI, boto3, the AWS SDK for JavaScript and the AWS Encryption SDK.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-test-tools.sh
npm run build --silent

# The files run a few at a time, in the order given here (scripts/run-tests.mjs: `node --test`
# would sort them by name). The longest go first, so that the suite does not end waiting for one
# of them alone; the rest follow in name order.
longest=(
  dist/test/runbooks/connection.test.js
  dist/test/e2e/aws-cli.test.js
  dist/test/runbooks/keys.test.js
  dist/test/e2e/custom-key-stores.test.js
  dist/test/e2e/audit.test.js
  dist/test/e2e/cloudhsmv2.test.js
  dist/test/e2e/cloudhsm-cli.test.js
  dist/test/runbooks/kmsuser.test.js
  dist/test/e2e/import-key-material.test.js
  dist/test/e2e/fault-cli.test.js
  dist/test/e2e/clock-limits.test.js
  dist/test/reliability/crash.test.js
  dist/test/runbooks/orphans.test.js
  dist/test/runbooks/fail-fast.test.js
)
files=()
for f in "${longest[@]}"; do [ -f "$f" ] && files+=("$f"); done
while IFS= read -r f; do
  [[ " ${longest[*]} " == *" $f "* ]] || files+=("$f")
done < <(find dist -name '*.test.js' -not -path '*/node_modules/*' | sort)

# Most of a black-box file's time is spent in the client processes it starts and in waiting for
# them and for its server, so three files at a time keep two cores busy where two would leave
# them idle; KEYWARDEN_TEST_CONCURRENCY overrides it.
exec node scripts/run-tests.mjs "${KEYWARDEN_TEST_CONCURRENCY:-3}" "${files[@]}"
