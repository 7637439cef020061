#!/usr/bin/env bash
# What each named rule (src/extract/ablation.rs) is worth, part by part: scores the
# development set's parts with all rules on, then with each rule off in turn
# (EVENTGRAPH_ABLATE=<rule>), and prints, per rule and figure, the change the rule makes
# (all on minus rule off) in each part. A positive number is what the rule adds.
#   scripts/ablate.sh BINARY [EVAL_DIR] [RULE ...]
# With no RULE, every rule the binary knows (`eventgraph rules`).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bin=$1
eval_dir=${2:-$here/../shared/eval}
shift $(( $# >= 2 ? 2 : 1 ))
rules=("$@")
if [ ${#rules[@]} -eq 0 ]; then
  mapfile -t rules < <("$bin" rules)
fi
out=$(mktemp -d); trap 'rm -rf "$out"' EXIT
EVENTGRAPH_ABLATE= "$eval_dir/parts.sh" "$bin" >"$out/_base" 2>/dev/null
for rule in "${rules[@]}"; do
  EVENTGRAPH_ABLATE=$rule "$eval_dir/parts.sh" "$bin" >"$out/$rule" 2>/dev/null
done
python3 - "$out" "${rules[@]}" <<'PY'
import os, re, sys
out, rules = sys.argv[1], sys.argv[2:]
keys = [("kind_acc", "kind"), ("date_acc", "date"), ("cluster_f1", "same-event"), ("mention_f1", "mentions")]
def read(name):
    parts = {}
    for line in open(os.path.join(out, name), encoding="utf-8"):
        m = re.match(r"part (\S+)", line)
        if m:
            parts[m.group(1)] = {k: float(v) for k, v in re.findall(r"(\w+)=([0-9.]+)", line)}
    return parts
base = read("_base")
names = list(base)
print("rule value = figure with all rules on minus figure with the rule off; + means the rule helps")
print(f"{'rule':26} {'figure':10} " + " ".join(f"{p:>6}" for p in names) + "   helps hurts")
for rule in rules:
    off = read(rule)
    for key, label in keys:
        deltas = [base[p].get(key, 0.0) - off.get(p, {}).get(key, 0.0) for p in names]
        if all(abs(d) < 0.005 for d in deltas):
            continue
        helps = sum(d >= 0.005 for d in deltas)
        hurts = sum(d <= -0.005 for d in deltas)
        print(f"{rule:26} {label:10} " + " ".join(f"{d:+6.2f}" for d in deltas) + f"   {helps:5} {hurts:5}")
PY
