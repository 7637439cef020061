# Shared set-up of the HTTP bench scripts (sourced, not run): a release build, the synthetic
# corpus of N articles and its store, and a server on a free port.

# bench_store N: builds the release binary, writes the corpus and ingests it once.
# Sets: work, bin, corpus, store.
bench_store() {
  local n=$1
  work=${BENCH_DIR:-/tmp/eventgraph-bench}
  local gen=${GEN_CORPUS:-../shared/bench/gen_corpus.py}
  mkdir -p "$work" "$work/no-seeds"
  cargo build --release --quiet
  bin=target/release/eventgraph
  corpus="$work/c$n"
  store="$work/store$n"
  if [ ! -f "$corpus/articles.jsonl" ]; then
    # Dates end today: the service refuses publication dates in the future.
    python3 "$gen" --articles "$n" --jsonl --out "$corpus" --end "$(date -u +%F)" >/dev/null
  fi
  if [ ! -f "$store/eventgraph.db" ]; then
    "$bin" ingest --data "$store" "$corpus/articles.jsonl"
  fi
}

# bench_serve DATA LOG [SERVE ARGS...]: starts a server on DATA without seeds and waits until
# it listens. Sets: pid, addr; stops the server when the script exits.
bench_serve() {
  local data=$1 log=$2
  shift 2
  "$bin" serve --data "$data" --seeds "$work/no-seeds" --addr 127.0.0.1:0 "$@" >/dev/null 2>"$log" &
  pid=$!
  trap 'kill $pid 2>/dev/null || true' EXIT
  until grep -aq "serving GraphQL" "$log"; do
    kill -0 "$pid" 2>/dev/null || { cat "$log"; exit 1; }
    sleep 0.2
  done
  addr=$(grep -ao 'addr=127.0.0.1:[0-9]*' "$log" | head -1 | cut -d= -f2)
}
