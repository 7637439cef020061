#!/usr/bin/env bash
# Bulk-ingest benchmark (issue 2) and extraction speed (issue 3) on the synthetic corpus.
#   benches/bulk_ingest.sh [ARTICLES]      (default 100000)
# Prints: extraction rate on one core, end-to-end `eventgraph ingest` rate into a fresh store,
# and the time a server needs to be ready on that store (graph rebuilt from the store).
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100000}
work=${BENCH_DIR:-/tmp/eventgraph-bench}
gen=${GEN_CORPUS:-../shared/bench/gen_corpus.py}
mkdir -p "$work"
cargo build --release --quiet
bin=target/release/eventgraph
corpus="$work/c$n"
if [ ! -f "$corpus/articles.jsonl" ]; then
  # Dates end today: the service refuses publication dates in the future.
  python3 "$gen" --articles "$n" --jsonl --out "$corpus" --end "$(date -u +%F)" >/dev/null
fi
echo "corpus: $corpus/articles.jsonl ($(du -h "$corpus/articles.jsonl" | cut -f1))"

echo "== extraction, one core"
"$bin" bench-extract "$corpus/articles.jsonl"

echo "== eventgraph ingest into a fresh store"
rm -rf "$work/store$n"
/usr/bin/time -f "wall %es, max RSS %MkB" "$bin" ingest --data "$work/store$n" "$corpus/articles.jsonl"

echo "== server start-up on that store"
log="$work/serve$n.log"
mkdir -p "$work/no-seeds-$$"
start=$(date +%s.%N)
"$bin" serve --data "$work/store$n" --seeds "$work/no-seeds-$$" --addr 127.0.0.1:0 >/dev/null 2>"$log" &
pid=$!
until grep -aq "serving GraphQL" "$log"; do
  kill -0 "$pid" 2>/dev/null || { cat "$log"; exit 1; }
  sleep 0.05
done
ready=$(date +%s.%N)
grep -ao 'ready_ms=[0-9]*' "$log" | head -1
printf 'ready after %.2fs (wall, process start to listening)\n' "$(echo "$ready - $start" | bc)"
kill "$pid"; wait "$pid" 2>/dev/null || true
rm -rf "$work/no-seeds-$$"
