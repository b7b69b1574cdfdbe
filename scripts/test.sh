#!/usr/bin/env bash
# The whole test suite: unit tests beside the code and black-box tests that drive a real server
# with the AWS CLI, boto3, the AWS SDK for JavaScript and the AWS Encryption SDK.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-test-tools.sh
npm run build --silent
mapfile -t files < <(find dist -name '*.test.js' -not -path '*/node_modules/*' | sort)
exec node --test --test-concurrency=2 "${files[@]}"
