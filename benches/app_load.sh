#!/usr/bin/env bash
# Page load of the web app in headless chromium on a store of N synthetic articles: first
# contentful paint and time until the first view is complete, for the default timeline, one
# entity's timeline and its graph (median of 5 cold loads each).
#   benches/app_load.sh [N=100000]
set -euo pipefail
cd "$(dirname "$0")/.."
source benches/common.sh
n=${1:-100000}
bench_store "$n"
bench_serve "$store" "$work/app-serve.log"
echo "server on $addr, $n articles"
EVENTGRAPH_APP_URL="http://$addr" cargo test --quiet --test it app_load_figures -- --ignored --nocapture 2>&1 \
  | grep -E "first contentful paint|test result"
