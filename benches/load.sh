#!/usr/bin/env bash
# HTTP load test (issue 4): a server on a graph built from the synthetic corpus, wrk on the
# same machine at concurrency 16, for { __typename } (the transport's own limit), one entity's
# timeline page, related, neighborhood depth 2 and path.
#   benches/load.sh [ARTICLES] [SECONDS]     (defaults: 1000000 articles, 10 s per query)
# Installs wrk from Debian when missing. Prints req/s and latency percentiles per query.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
secs=${2:-10}
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
. benches/common.sh
bench_store "$n"
log="$work/load-serve.log"
# SERVE_ARGS=--no-response-cache measures execution without the response cache.
# shellcheck disable=SC2086
bench_serve "$store" "$log" ${SERVE_ARGS:-}
echo "server ready: $(grep -ao 'ready_ms=[0-9]*' "$log" | head -1), RSS $(ps -o rss= -p $pid) kB"

ask() { curl -s "http://$addr/graphql" -H 'content-type: application/json' -d "$1"; }
# The most connected person (tens of thousands of events) and another one for path.
people=$(ask '{"query":"{ entities(kind: PERSON, first: 2) { nodes { id eventCount } } }"}')
heavy=$(echo "$people" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["entities"]["nodes"][0]["id"])')
other=$(echo "$people" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["entities"]["nodes"][1]["id"])')
echo "entities: $people"

run() {
  local name=$1 query=$2
  local body
  body=$(python3 -c 'import json,sys; print(json.dumps({"query": sys.argv[1]}))' "$query")
  local check
  check=$(ask "$body" | head -c 300)
  case "$check" in *'"errors"'*) echo "$name: query failed: $check"; return 1 ;; esac
  cat >"$work/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["content-type"] = "application/json"
wrk.body = [==[$body]==]
LUA
  local out
  out=$(wrk -t2 -c16 -d"${secs}s" --latency -s "$work/post.lua" "http://$addr/graphql")
  local rps p50 p99
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p50=$(echo "$out" | awk '$1=="50%" {print $2}')
  p99=$(echo "$out" | awk '$1=="99%" {print $2}')
  printf '%-14s %10s req/s   p50 %8s   p99 %8s\n' "$name" "$rps" "$p50" "$p99"
}

echo "== wrk -t2 -c16 -d${secs}s, server and load generator on this machine, serve args: ${SERVE_ARGS:-none}"
run typename '{ __typename }'
run timeline "{ node(id: \"$heavy\") { ... on Entity { events(first: 20) { totalCount nodes { id title date kind } } } } }"
run related "{ node(id: \"$heavy\") { ... on Entity { related(first: 20) { weight entity { id name } } } } }"
run neighborhood "{ neighborhood(id: \"$heavy\", depth: 2, first: 10) { nodes { id } edges { from to kind } } }"
run path "{ path(from: \"$heavy\", to: \"$other\", maxLength: 6) { length nodes { id } } }"
