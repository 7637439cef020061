#!/usr/bin/env bash
# GraphQL-over-HTTP conformance: runs graphql-http's auditServer (npm graphql-http 1.23.1,
# 61 audits) against a real eventgraph server and fails on any error or warning.
#   scripts/graphql_http_audit.sh [BINARY]      (default target/debug/eventgraph)
# Needs Node.js and npm; on a machine without them (CI) they are installed from Debian.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-target/debug/eventgraph}
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "node/npm missing: installing Debian's nodejs and npm"
  sudo_=""; [ "$(id -u)" -eq 0 ] || sudo_="sudo"
  $sudo_ apt-get update -qq
  $sudo_ apt-get install -y -qq nodejs npm >/dev/null
fi
work=$(mktemp -d)
trap 'kill "${server:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
cp scripts/graphql_http_audit.mjs "$work/audit.mjs"
(cd "$work" && npm init -y >/dev/null && npm install --silent --no-audit --no-fund graphql-http@1.23.1 graphql@16 >/dev/null)
mkdir -p "$work/seeds-none"
"$bin" serve --data "$work/store" --seeds "$work/seeds-none" --addr 127.0.0.1:0 2>"$work/server.log" &
server=$!
for _ in $(seq 1 200); do
  addr=$(grep -ao 'serving GraphQL at http://[0-9.:]*' "$work/server.log" | sed 's|.*http://||' || true)
  [ -n "$addr" ] && break
  kill -0 "$server" 2>/dev/null || { cat "$work/server.log"; exit 1; }
  sleep 0.1
done
[ -n "${addr:-}" ] || { echo "server did not start"; cat "$work/server.log"; exit 1; }
node "$work/audit.mjs" "http://$addr/graphql"
