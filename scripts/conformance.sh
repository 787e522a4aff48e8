#!/usr/bin/env bash
# MCP conformance: the official server scenarios (@modelcontextprotocol/conformance,
# which needs Node 22; both come from the npm registry through npx) against
# `tsiot serve` on a free loopback port with a temporary data folder. The server
# is stopped and the folder removed on exit.
#
#   scripts/conformance.sh               the whole server suite; fails on any failure not listed,
#                                        with its reason, in scripts/conformance-expected-failures.yml
#                                        (and on a listed one that passes). CI runs this.
#   scripts/conformance.sh SCENARIO      one scenario, e.g. completion-complete
#   scripts/conformance.sh --report      the whole suite, no baseline: what passes and what fails
#
# It tests the built server (dist/); it builds first when dist/ is missing or
# older than the sources. CONFORMANCE_VERSION overrides the pinned runner.
set -euo pipefail
cd "$(dirname "$0")/.."

version="${CONFORMANCE_VERSION:-0.1.16}"
bin=dist/src/cli/main.js
if [ ! -f "$bin" ] || [ -n "$(find src tools resources prompts -name '*.ts' -newer "$bin" -print -quit)" ]; then
  npm run build >&2
fi

work="$(mktemp -d)"
server_pid=""
stop() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap stop EXIT

# A plain default server: embedded storage in the temporary folder, in-process jobs.
mkdir -p "$work/data"
env -u TSIOT_STORAGE -u TSIOT_REDIS_URL -u TSIOT_CONFIG -u TSIOT_PLUGINS \
  TSIOT_DATA_DIR="$work/data" TSIOT_LOG_LEVEL=warn \
  node "$bin" serve --host 127.0.0.1 --port 0 2>"$work/server.log" &
server_pid=$!

url=""
for _ in $(seq 1 120); do
  url="$(sed -n 's/.*listening on \(http:\/\/127\.0\.0\.1:[0-9]*\).*/\1/p' "$work/server.log" | head -n1)"
  [ -n "$url" ] && break
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "conformance: tsiot serve exited before listening:" >&2
    cat "$work/server.log" >&2
    exit 1
  fi
  sleep 0.5
done
if [ -z "$url" ]; then
  echo "conformance: tsiot serve did not report its address within 60 s" >&2
  cat "$work/server.log" >&2
  exit 1
fi
echo "conformance: @modelcontextprotocol/conformance@$version against $url/mcp" >&2

args=(server --url "$url/mcp" --output-dir "$work/results")
case "${1:-}" in
  "") args+=(--expected-failures scripts/conformance-expected-failures.yml) ;;
  --report) ;;
  -*)
    echo "conformance: unknown option $1 (expected a scenario name or --report)" >&2
    exit 2
    ;;
  *) args+=(--scenario "$1") ;;
esac

rc=0
npx -y -p node@22 -p "@modelcontextprotocol/conformance@$version" conformance "${args[@]}" || rc=$?
if [ "${1:-}" = "--report" ]; then exit 0; fi
exit $rc
