#!/usr/bin/env bash
# The test command (npm test): starts the servers the tests need on loopback
# (installing what a fresh machine lacks), runs the whole suite, stops what it
# started, and ends with one line "N passed, N failed" from vitest's own totals.
set -uo pipefail
cd "$(dirname "$0")/.."

results="$(mktemp -d)/vitest.json"
services_env="$(mktemp)"
export TSIOT_SERVICES_ENV="$services_env"

cleanup() {
  if [ -x scripts/services/stop.sh ]; then bash scripts/services/stop.sh >/dev/null 2>&1 || true; fi
  rm -f "$services_env"
}
trap cleanup EXIT

if [ -x scripts/services/start.sh ]; then
  if ! bash scripts/services/start.sh; then
    echo "scripts/services/start.sh failed: some test servers are not running" >&2
    [ "${CI:-}" = "true" ] && exit 1
  fi
  # shellcheck disable=SC1090
  set -a; . "$services_env"; set +a
fi

[ -d dist ] || npm run build

npx vitest run --reporter=default --reporter=json --outputFile="$results" "$@"
rc=$?

if [ -s "$results" ]; then
  node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const skipped = (r.numPendingTests || 0) + (r.numTodoTests || 0);
    console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed` + (skipped ? `, ${skipped} skipped` : ""));
  ' "$results"
else
  echo "0 passed, 1 failed"
  [ $rc -eq 0 ] && rc=1
fi
exit $rc
