#!/usr/bin/env bash
# Check tsiot with an MCP client nobody here wrote: the MCP Inspector in CLI
# mode (it needs Node 22, run through the npm `node` package), over stdio.
# Usage: npm run build && bash scripts/inspector-check.sh
set -euo pipefail
cd "$(dirname "$0")/.."
data="$(mktemp -d)"
trap 'rm -rf "$data"' EXIT
inspector=(npx -y -p node@22 -p @modelcontextprotocol/inspector mcp-inspector --cli node dist/src/cli/main.js mcp --data-dir "$data")
"${inspector[@]}" --method tools/list | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const t=JSON.parse(s).tools.map(t=>t.name);console.log("tools/list:",t.length,"tools:",t.join(", "));if(!t.includes("generate_timeseries"))process.exit(1)})'
"${inspector[@]}" --method tools/call --tool-name generate_timeseries --tool-arg devices=2 --tool-arg duration=1h --tool-arg seed=42 \
  | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const r=JSON.parse(s);if(r.isError)process.exit(1);console.log("tools/call generate_timeseries:",r.content[0].text)})'
"${inspector[@]}" --method resources/list | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{console.log("resources/list:",JSON.parse(s).resources.map(r=>r.uri).join(", "))})'
