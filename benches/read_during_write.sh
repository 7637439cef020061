#!/usr/bin/env bash
# Reads while writes go on (issue 4: "reads never wait for a write in progress").
#   benches/read_during_write.sh [ARTICLES] [WRITES] [SECONDS]   (defaults: 100000, 20000, 10)
# A server on a copy of the ARTICLES-article store (no response cache, so every read executes)
# serves the heavy entity's timeline page to wrk -t2 -c16, first alone, then while a client
# posts WRITES new articles through `ingestArticles` (batches of 500). Prints req/s and latency
# percentiles of the reads in both phases, the write rate, and the server's RSS after writing.
# Installs wrk from Debian when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100000}
writes=${2:-20000}
secs=${3:-10}
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
. benches/common.sh
bench_store "$n"
gen=${GEN_CORPUS:-../shared/bench/gen_corpus.py}
# New articles (another seed): every one is a real write, not a duplicate.
fresh="$work/writes$writes"
if [ ! -f "$fresh/articles.jsonl" ]; then
  python3 "$gen" --articles "$writes" --seed 7 --jsonl --out "$fresh" --end "$(date -u +%F)" >/dev/null
fi
copy="$work/rdw-store"
rm -rf "$copy" && cp -r "$store" "$copy"
log="$work/rdw-serve.log"
bench_serve "$copy" "$log" --no-response-cache --write-token bench-token

echo "server ready: $(grep -ao 'ready_ms=[0-9]*' "$log" | head -1), RSS $(ps -o rss= -p $pid) kB"

heavy=$(curl -s "http://$addr/graphql" -H 'content-type: application/json' \
  -d '{"query":"{ entities(kind: PERSON, first: 1) { nodes { id } } }"}' |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["entities"]["nodes"][0]["id"])')
query="{ node(id: \"$heavy\") { ... on Entity { events(first: 20) { totalCount nodes { id title date kind } } } } }"
body=$(python3 -c 'import json,sys; print(json.dumps({"query": sys.argv[1]}))' "$query")
cat >"$work/rdw.lua" <<LUA
wrk.method = "POST"
wrk.headers["content-type"] = "application/json"
wrk.body = [==[$body]==]
LUA
reads() {
  local out
  out=$(wrk -t2 -c16 -d"${secs}s" --latency -s "$work/rdw.lua" "http://$addr/graphql")
  printf '%-22s %10s req/s   p50 %8s   p90 %8s   p99 %8s   max %8s\n' "$1" \
    "$(echo "$out" | awk '/Requests\/sec/ {print $2}')" \
    "$(echo "$out" | awk '$1=="50%" {print $2}')" \
    "$(echo "$out" | awk '$1=="90%" {print $2}')" \
    "$(echo "$out" | awk '$1=="99%" {print $2}')" \
    "$(echo "$out" | awk '/Latency/ {print $4}')"
}

echo "== timeline page of $heavy, wrk -t2 -c16 -d${secs}s"
reads "reads alone"
python3 - "$addr" "$fresh/articles.jsonl" "$work/rdw-writer.txt" <<'PY' &
import json, sys, time, urllib.request
addr, path, report = sys.argv[1], sys.argv[2], sys.argv[3]
q = "mutation($a: [ArticleInput!]!) { ingestArticles(inputs: $a) { duplicate code } }"
lines = open(path, encoding="utf-8").read().splitlines()
start, done = time.time(), 0
for i in range(0, len(lines), 500):
    batch = [{"source": "w-" + r["source"], "text": r["text"]} for r in map(json.loads, lines[i:i + 500])]
    req = urllib.request.Request(f"http://{addr}/graphql",
        data=json.dumps({"query": q, "variables": {"a": batch}}).encode(),
        headers={"content-type": "application/json", "authorization": "Bearer bench-token"})
    answer = json.load(urllib.request.urlopen(req, timeout=300))
    if answer.get("errors"):
        raise SystemExit(f"write failed: {answer['errors']}")
    done += len(batch)
open(report, "w").write(f"{done} articles written in {time.time() - start:.1f}s "
                        f"({done / (time.time() - start):.0f}/s)\n")
PY
writer=$!
sleep 1
reads "reads during writes"
wait $writer
cat "$work/rdw-writer.txt"
echo "server RSS after writes (two graph copies): $(ps -o rss= -p $pid) kB"
reads "reads after writes"
