#!/usr/bin/env bash
# Extraction time of 1 MB adversarial articles: one sentence, name list, date list, quote or
# paragraph repeated to 1 MB, in each language. Extraction must stay linear in the article:
# a 1 MB article takes about 4x a 250 KB one, not 16x.
#   benches/adversarial_extract.sh [BINARY]   (default: a fresh release build)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-}
if [ -z "$bin" ]; then
  cargo build --release --quiet
  bin=target/release/eventgraph
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
patterns=(
  "Tokayev met Putin. "
  "President Tokayev said: \"We will visit Moscow on 3 May. "
  "Токаев встретился с Путиным в Москве 3 мая. "
  "Президент Казахстана заявил, что саммит ШОС состоится в Астане. "
  "Тоқаев Астанада Путинмен кездесті. Саммит өтеді. "
  "Мемлекет басшысы Қытайға мемлекеттік сапармен барады. "
  "Kazakhstan Russia China Uzbekistan Tokayev Putin Xi Jinping "
  "3 May 2025, 4 June 2024, 15.09.2023, "
  "«ШОС» «Астана» «Газпром» "
  "Tokayev met Putin.\n\n"
  "— Мы обсудили торговлю, — сказал Токаев.\n"
)
printf '%-62s %9s %9s %6s\n' pattern "250KB s" "1MB s" ratio
for pattern in "${patterns[@]}"; do
  times=()
  for size in 250000 1000000; do
    rm -rf "$work/in"; mkdir "$work/in"
    python3 - "$pattern" "$size" "$work/in/a.txt" <<'PY'
import sys
pattern, size, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
n = size // len(pattern.encode())
open(out, "w", encoding="utf-8").write("A headline\n" + pattern * n)
PY
    start=$(date +%s.%N)
    "$bin" --max-article-bytes 2000000 query --articles "$work/in" \
      '{ articles { nodes { mainEvent { kind } } } }' >"$work/out.json"
    grep -q '"kind"' "$work/out.json" || { echo "no answer for: $pattern" >&2; exit 1; }
    times+=("$(python3 -c "import time; print(f'{time.time() - $start:.2f}')")")
  done
  label=$(python3 -c 'import sys; print(sys.argv[1].replace("\n", "/")[:60])' "$pattern")
  printf '%-62s %9s %9s %6s\n' "$label" "${times[0]}" "${times[1]}" \
    "$(python3 -c "print(f'{${times[1]} / max(${times[0]}, 0.01):.1f}')")"
done
