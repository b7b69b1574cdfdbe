#!/usr/bin/env bash
# The npm package as a user gets it: `npm pack`, the tarball installed into an empty directory (its
# dependencies from the npm cache or the registry, better-sqlite3 built by npm), then
# `keywarden --version` and `keywarden serve --port 0` run from there, called, and stopped.
# Not part of `npm test`: installing the dependencies takes minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d "${TMPDIR:-/tmp}/keywarden-package-XXXXXX")
pid=
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid"; wait "$pid" || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

npm pack --silent --pack-destination "$work" >/dev/null
tarball=$(echo "$work"/keywarden-*.tgz)
mkdir "$work/app"
cd "$work/app"
echo '{"name": "keywarden-package-check", "private": true}' > package.json
npm install --prefer-offline --no-audit --no-fund --loglevel=error "$tarball" >/dev/null

npx --no-install keywarden --version
# The installed command itself (what npx runs), so that $pid is the service and SIGTERM reaches it.
./node_modules/.bin/keywarden serve --port 0 --data-dir "$work/data" --ready-file "$work/ready" >"$work/serve.log" 2>&1 &
pid=$!
# The ready file appears once the service answers (at most 30 s here).
for _ in $(seq 1 150); do
  [ -s "$work/ready" ] && break
  kill -0 "$pid" 2>/dev/null || { cat "$work/serve.log" >&2; echo "keywarden serve exited before it was ready" >&2; exit 1; }
  sleep 0.2
done
[ -s "$work/ready" ] || { cat "$work/serve.log" >&2; echo "keywarden serve was not ready after 30 s" >&2; exit 1; }
url=$(node -p 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).url' "$work/ready")
AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null \
  npx --no-install keywarden clock show --endpoint "$url"
kill -TERM "$pid"
wait "$pid" || { cat "$work/serve.log" >&2; echo "keywarden serve did not stop cleanly" >&2; exit 1; }
pid=
echo "the package $(basename "$tarball") installs and runs"
