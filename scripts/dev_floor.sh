#!/usr/bin/env bash
# Scores BINARY on the development set, whole and part by part, and fails when any figure is
# under its floor in .ci/floors.txt.
#   scripts/dev_floor.sh BINARY [EVAL_DIR]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bin=$1
eval_dir=${2:-$here/../shared/eval}
all=$("$eval_dir/run_eval.sh" "$bin" | grep -E '^(entity_f1|mention_p)=' | tr '\n' ' ')
parts=$("$eval_dir/parts.sh" "$bin")
echo "all: $all"
echo "$parts"
python3 - "$here/.ci/floors.txt" "$all" "$parts" <<'PY'
import re, sys
floors_file, whole, parts = sys.argv[1], sys.argv[2], sys.argv[3]
keys = ["entity_f1", "date_acc", "kind_acc", "cluster_f1", "mention_f1"]
got = {"all": dict(re.findall(r"(\w+)=([0-9.]+)", whole))}
for line in parts.splitlines():
    m = re.match(r"part (\S+)", line)
    if m:
        got[m.group(1)] = dict(re.findall(r"(\w+)=([0-9.]+)", line))
low = []
for line in open(floors_file, encoding="utf-8"):
    line = line.split("#", 1)[0].split()
    if not line:
        continue
    scope, values = line[0], [float(v) for v in line[1:]]
    if scope not in got:
        low.append(f"{scope}: not scored")
        continue
    for key, floor in zip(keys, values):
        value = float(got[scope].get(key, 0))
        if value < floor:
            low.append(f"{scope} {key}={value} < {floor}")
if low:
    sys.exit("development-set floor broken: " + "; ".join(low))
print("development-set floors hold (whole set and every part)")
PY
