#!/usr/bin/env bash
# Replicas over PostgreSQL (issue 12): two replicas on one throw-away PostgreSQL cluster.
#   benches/replicas.sh [SECONDS] [READ_SECONDS]    (defaults: 60 s of writes, 10 s of reads)
# The writes come from the synthetic corpus of ARTICLES (default 1000000; its first 400,000).
# 1. replication lag on replica B while replica A ingests the synthetic corpus at its full rate;
# 2. read throughput (uncached entity timeline, wrk) against one replica vs split over two;
# 3. restart of B on the grown log: from its snapshot, and rebuilt without it.
# Needs Debian's postgresql and wrk (installed when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
read_secs=${2:-10}
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq postgresql >/dev/null; }
. benches/common.sh
bench_store "${ARTICLES:-1000000}" >/dev/null
pg="$work/pg"
rm -rf "$pg" "$work/replica-a" "$work/replica-b"
url=$(scripts/pg_throwaway.sh start "$pg" 54391 | tail -1)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; scripts/pg_throwaway.sh stop "$pg"' EXIT
token=bench-token

# start_replica NAME: sets addr_NAME; logs to $work/replica-NAME.log
start_replica() {
  local name=$1 log="$work/replica-$1.log"
  "$bin" serve --store "$url" --data "$work/replica-$name" --seeds "$work/no-seeds" \
    --addr 127.0.0.1:0 --write-token "$token" --no-response-cache >/dev/null 2>"$log" &
  pids+=($!)
  until grep -aq "serving GraphQL" "$log"; do sleep 0.1; done
  printf -v "addr_$name" '%s' "$(grep -ao 'addr=127.0.0.1:[0-9]*' "$log" | head -1 | cut -d= -f2)"
  echo "replica $name ready: $(grep -ao 'ready_ms=[0-9]*' "$log" | head -1)"
}
start_replica a
start_replica b

echo "== 1. replication lag: A ingests for ${secs}s, B is probed"
python3 benches/replication_lag.py "$addr_a" "$addr_b" "$corpus/articles.jsonl" "$secs" "$token"
curl -s "http://$addr_b/healthz"; echo

echo "== 2. read throughput, uncached timeline of the busiest person (wrk, ${read_secs}s, 16 connections in all)"
heavy=$(curl -s "http://$addr_a/graphql" -H 'content-type: application/json' \
  -d '{"query":"{ entities(kind: PERSON, first: 1) { nodes { id } } }"}' \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["entities"]["nodes"][0]["id"])')
body=$(python3 -c 'import json,sys; print(json.dumps({"query": sys.argv[1]}))' \
  "{ node(id: \"$heavy\") { ... on Entity { events(first: 20) { totalCount nodes { id title date kind } } } } }")
cat >"$work/replica-post.lua" <<LUA
wrk.method = "POST"
wrk.headers["content-type"] = "application/json"
wrk.body = [==[$body]==]
LUA
rps() { awk '/Requests\/sec/ {print $2}'; }
one=$(wrk -t2 -c16 -d"${read_secs}s" -s "$work/replica-post.lua" "http://$addr_a/graphql" | rps)
wrk -t1 -c8 -d"${read_secs}s" -s "$work/replica-post.lua" "http://$addr_a/graphql" >"$work/wrk-a.out" &
wrk -t1 -c8 -d"${read_secs}s" -s "$work/replica-post.lua" "http://$addr_b/graphql" >"$work/wrk-b.out"
wait %% 2>/dev/null || true
sleep 0.5
two_a=$(rps <"$work/wrk-a.out"); two_b=$(rps <"$work/wrk-b.out")
echo "one replica:  $one req/s"
echo "two replicas: $two_a + $two_b = $(python3 -c "print(round($two_a + $two_b))") req/s"

echo "== 3. restart of B on the grown log"
kill "${pids[1]}"; wait "${pids[1]}" 2>/dev/null || true
start_replica b
kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true
rm -f "$work/replica-b/graph.snapshot"
start_replica b
