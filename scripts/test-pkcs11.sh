#!/usr/bin/env bash
# The custom-key-store black-box suites and the runbook scenarios a second time, with every test
# server on the PKCS#11 engine (KEYWARDEN_TEST_HSM_ENGINE=pkcs11: test/support/server.ts gives each
# server SoftHSM2 tokens of its own, one per HSM), and the engine's own tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-test-tools.sh
npm run build --silent
files=(
  dist/src/engines/pkcs11.test.js
  dist/test/e2e/pkcs11.test.js
  dist/test/runbooks/connection.test.js
  dist/test/runbooks/keys.test.js
  dist/test/e2e/custom-key-stores.test.js
  dist/test/e2e/cloudhsm-cli.test.js
  dist/test/runbooks/kmsuser.test.js
  dist/test/e2e/fault-cli.test.js
  dist/test/runbooks/orphans.test.js
  dist/test/runbooks/fail-fast.test.js
  dist/test/runbooks/guide.test.js
)
KEYWARDEN_TEST_HSM_ENGINE=pkcs11 exec node scripts/run-tests.mjs "${KEYWARDEN_TEST_CONCURRENCY:-2}" "${files[@]}"
