#!/usr/bin/env bash
# Check tsiot with an MCP client nobody here wrote: the MCP Inspector in CLI
# mode (it needs Node 22, run through the npm `node` package), over stdio and
# over Streamable HTTP with an API key sent as a bearer token.
# Usage: npm run build && bash scripts/inspector-check.sh
set -euo pipefail
cd "$(dirname "$0")/.."
data="$(mktemp -d)"
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null || true
  rm -rf "$data"
}
trap cleanup EXIT
inspector=(npx -y -p node@22 -p @modelcontextprotocol/inspector@2.12.0 mcp-inspector --cli)
quiet() { grep -v -e '^npm warn' || true; }
first_text='let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const r=JSON.parse(s);if(r.isError)process.exit(1);console.log(process.argv[1],r.content[0].text)})'

# stdio: a local, trusted user
stdio=("${inspector[@]}" node dist/src/cli/main.js mcp --data-dir "$data/stdio")
"${stdio[@]}" --method tools/list 2> >(quiet >&2) | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const t=JSON.parse(s).tools.map(t=>t.name);console.log("stdio tools/list:",t.length,"tools");if(!t.includes("generate_timeseries"))process.exit(1)})'
"${stdio[@]}" --method tools/call --tool-name generate_timeseries --tool-arg devices=2 --tool-arg duration=1h --tool-arg seed=42 2> >(quiet >&2) \
  | node -e "$first_text" "stdio tools/call generate_timeseries:"

# Streamable HTTP behind an API key
key="$(node dist/src/cli/main.js keys create --name inspector --scopes series:read,series:write --data-dir "$data/http" | head -n1)"
port=$((20000 + RANDOM % 20000))
node dist/src/cli/main.js serve --port "$port" --data-dir "$data/http" --log-level warn &
server=$!
for _ in $(seq 1 100); do
  node -e 'fetch(process.argv[1]).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))' "http://127.0.0.1:$port/healthz" && break
  sleep 0.2
done
url="http://127.0.0.1:$port/mcp"
"${inspector[@]}" "$url" --transport http --header "Authorization: Bearer $key" \
  --method tools/call --tool-name generate_timeseries --tool-arg devices=2 --tool-arg duration=1h --tool-arg seed=42 2> >(quiet >&2) \
  | node -e "$first_text" "http (bearer) tools/call generate_timeseries:"
# without the key the Inspector is sent to authorize, and the call is not made
if "${inspector[@]}" "$url" --transport http --stored-auth-only --method tools/list >"$data/anon.out" 2>&1; then
  echo "the server answered an anonymous tools/list" >&2
  exit 1
fi
grep -q 'auth' "$data/anon.out" || { echo "unexpected answer without a key:" >&2; cat "$data/anon.out" >&2; exit 1; }
echo "http without a key: refused (authorization required)"
