#!/usr/bin/env bash
# Installs, from Debian's packages, the client tools the black-box tests drive, if they are missing:
# the AWS CLI, boto3, Chromium for the web console's browser test (playwright-core drives
# Debian's Chromium; no browser is downloaded from anywhere else), SoftHSM2 (the PKCS#11 tokens
# the PKCS#11 engine is tested on), opensc (pkcs11-tool, which reads those tokens), and
# PostgreSQL's server programs, which the tests run as a throwaway server of their own
# (test/support/postgres.ts finds them on PATH or in /usr/lib/postgresql/<version>/bin, where
# Debian puts them).
set -euo pipefail
need=()
command -v aws >/dev/null 2>&1 || need+=(awscli)
python3 -c 'import boto3' >/dev/null 2>&1 || need+=(python3-boto3)
[ -x /usr/bin/chromium ] || need+=(chromium)
has_postgres() {
  command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1 && return 0
  local bin
  for bin in /usr/lib/postgresql/*/bin; do
    [ -x "$bin/initdb" ] && [ -x "$bin/pg_ctl" ] && return 0
  done
  return 1
}
has_postgres || need+=(postgresql)
[ -f /usr/lib/softhsm/libsofthsm2.so ] && command -v softhsm2-util >/dev/null 2>&1 || need+=(softhsm2)
command -v pkcs11-tool >/dev/null 2>&1 || need+=(opensc)
if ((${#need[@]})); then
  echo "installing test tools: ${need[*]}" >&2
  if [ "$(id -u)" -ne 0 ]; then
    echo "the tests need ${need[*]}; run as root or install them: apt-get install -y ${need[*]}" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
