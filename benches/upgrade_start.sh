#!/usr/bin/env bash
# Extractor-upgrade bench: how soon a server serves after the extractor changed, how long the
# background re-extraction takes, and the memory it needs, on a store of N synthetic articles.
#   benches/upgrade_start.sh [ARTICLES]        (default 1000000)
# 1. Serves the store with the current build until its graph is current, then stops it
#    cleanly, which saves the snapshot.
# 2. Simulates an extractor upgrade: appends a comment line to kb/lexicon/cues.tsv (which
#    changes the extractor version and not the graph layout) and rebuilds.
# 3. Serves again and prints: time to listening, RSS then, peak RSS (sampled from /proc every
#    second) until "re-extraction done", that time, and RSS after it.
# The kb file is restored and the binary rebuilt on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
. benches/common.sh
bench_store "$n"
kbfile=kb/lexicon/cues.tsv
cp "$kbfile" "$work/cues.tsv.orig"
restore() {
  kill "${pid:-}" 2>/dev/null || true
  cp "$work/cues.tsv.orig" "$kbfile"
  cargo build --release --quiet
}
trap restore EXIT

rss_mb() { awk '/^VmRSS/ {printf "%d", $2 / 1024}' "/proc/$1/status"; }

# serve_until_current LOG: starts the server, waits until its graph holds no outdated facts.
serve_until_current() {
  local log=$1
  bench_serve "$store" "$log"
  trap restore EXIT
  if grep -aq "serving facts cached by another extractor version" "$log"; then
    until grep -aq "re-extraction done" "$log"; do sleep 1; done
  fi
}

echo "== 1. make the store's graph current and save its snapshot"
serve_until_current "$work/upgrade-prepare.log"
kill -TERM "$pid"; wait "$pid" || true
grep -a 'graph snapshot saved' "$work/upgrade-prepare.log" | tail -1 | cut -c1-200 || true

echo "== 2. an extractor upgrade (a kb/ data change) and a rebuild"
echo "# upgrade bench $(date +%s)" >> "$kbfile"
cargo build --release --quiet

echo "== 3. serve after the upgrade"
log="$work/upgrade-serve.log"
started=$(date +%s.%N)
bench_serve "$store" "$log"
trap restore EXIT
ready=$(date +%s.%N)
printf 'ready (listening) after %.1f s, RSS %s MB\n' "$(echo "$ready - $started" | bc)" "$(rss_mb "$pid")"
grep -aE 'graph (loaded|rebuilt)' "$log" | head -1 | cut -c1-260 || true
peak=0
until grep -aq "re-extraction done" "$log"; do
  kill -0 "$pid" 2>/dev/null || { tail -5 "$log"; exit 1; }
  now=$(rss_mb "$pid")
  [ "$now" -gt "$peak" ] && peak=$now
  sleep 1
done
done_at=$(date +%s.%N)
printf 're-extraction done %.1f s after start; peak RSS %s MB; RSS after %s MB\n' \
  "$(echo "$done_at - $started" | bc)" "$peak" "$(rss_mb "$pid")"
