#!/usr/bin/env python3
"""Fit the main-event choice (src/extract/main_event.rs) on an annotated article set.

    scripts/fit_main_event.py BINARY EVAL_DIR [--write kb/main_event_weights.tsv] [--lopo]

The model is a conditional logit over each article's candidate triggers: P(candidate) =
softmax(w . features). It maximises the probability of the candidates whose kind is the gold
main-event kind (or one of its accepted alternatives), with an L2 pull of strength LAMBDA
towards the prior weights — the hand-set rule the model replaced (PRIOR below), so that a cue
the data says little about keeps its hand-set weight.

--write FILE   writes the weights fitted on all articles.
--lopo         leave-one-part-out: for each part, fits on the other parts, then scores that
               part with the binary (EVENTGRAPH_MAIN_EVENT_WEIGHTS, parts.sh) and prints its
               kind accuracy beside the one with weights fitted on everything and the prior's.
Standard library only.
"""
import json
import math
import os
import re
import subprocess
import sys
import tempfile

LAMBDA = 0.5
PRIOR = {"lexicon_rank": 1, "in_headline": 5, "in_lead": 1, "headline_speech_verb": -4,
         "reporting_act": 3, "planned": -4}
PARTS = [("t1", 0, 100), ("D", 100, 200), ("E", 200, 300), ("F", 300, 400), ("G", 400, 500),
         ("K", 800, 820), ("L", 820, 840), ("M", 840, 860)]


# Feature families fitted (prefixes); the others keep weight 0. The per-kind families
# ("kind=", "headline_kind=") are left out by default: fitted without a part, they lowered
# that part's kind accuracy (they learn which kinds a part's topics favour).
FAMILIES = os.environ.get("FIT_FAMILIES", "scalar").split(",")


def used(name):
    family = name.split("=")[0] + "=" if "=" in name else "scalar"
    return family in FAMILIES


def part_of(source):
    number = int(os.path.basename(source)[:3])
    return next(name for name, lo, hi in PARTS if lo <= number < hi)


def load(binary, eval_dir):
    gold = json.load(open(os.path.join(eval_dir, "gold.json"), encoding="utf-8"))["articles"]
    run = subprocess.run([binary, "main-event-candidates", os.path.join(eval_dir, "articles")],
                         capture_output=True, text=True, check=True)
    rows = []
    for line in run.stdout.splitlines():
        record = json.loads(line)
        name = os.path.basename(record["source"])
        main = gold[name]["main_event"]
        accepted = {main["kind"], *(main.get("kind_alt") or [])}
        candidates = [({n: x for n, x in c["features"].items() if used(n)}, c["kind"] in accepted)
                      for c in record["candidates"]]
        rows.append((name, candidates))
    return rows


def fit(rows, iterations=600, rate=0.05):
    names = sorted({n for _, cs in rows for f, _ in cs for n in f} | set(PRIOR))
    w = {n: float(PRIOR.get(n, 0.0)) for n in names}
    # Only articles with a right and a wrong candidate say anything about the weights.
    useful = [cs for _, cs in rows if any(ok for _, ok in cs) and not all(ok for _, ok in cs)]
    m = {n: 0.0 for n in names}
    v = {n: 0.0 for n in names}
    for step in range(1, iterations + 1):
        grad = {n: LAMBDA * (w[n] - PRIOR.get(n, 0.0)) for n in names}
        for cs in useful:
            scores = [sum(w[n] * x for n, x in f.items()) for f, _ in cs]
            top = max(scores)
            exp = [math.exp(s - top) for s in scores]
            total = sum(exp)
            right = sum(e for e, (_, ok) in zip(exp, cs) if ok)
            for e, (f, ok) in zip(exp, cs):
                # d(-log P(right))/d score_c = p_c - (ok ? e_c / right : 0)
                g = e / total - (e / right if ok else 0.0)
                for n, x in f.items():
                    grad[n] += g * x / len(useful) * 10
        for n in names:  # Adam
            m[n] = 0.9 * m[n] + 0.1 * grad[n]
            v[n] = 0.999 * v[n] + 0.001 * grad[n] ** 2
            mh, vh = m[n] / (1 - 0.9 ** step), v[n] / (1 - 0.999 ** step)
            w[n] -= rate * mh / (math.sqrt(vh) + 1e-8)
    return w


def choice_accuracy(w, rows):
    right = 0
    for _, cs in rows:
        if not cs:
            continue
        best = max(range(len(cs)), key=lambda i: (sum(w.get(n, 0) * x for n, x in cs[i][0].items()),
                                                  cs[i][0].get("lexicon_rank", 0), -i))
        right += cs[best][1]
    return right / max(1, len(rows))


def write(w, path, note):
    with open(path, "w", encoding="utf-8") as out:
        out.write("# Weights of the main-event choice (src/extract/main_event.rs): feature <TAB> weight.\n")
        out.write(f"# {note}\n")
        for n in sorted(w):
            if abs(w[n]) >= 0.005:
                out.write(f"{n}\t{w[n]:.3f}\n")


def part_figures(binary, eval_dir, weights_path):
    """parts.sh with these weights: {part: {figure: value}}."""
    env = dict(os.environ, EVENTGRAPH_MAIN_EVENT_WEIGHTS=weights_path)
    out = subprocess.run([os.path.join(eval_dir, "parts.sh"), binary], capture_output=True,
                         text=True, env=env, check=True).stdout
    found = {}
    for line in out.splitlines():
        m = re.match(r"part (\S+)", line)
        if m:
            found[m.group(1)] = {k: float(v) for k, v in re.findall(r"(\w+)=([0-9.]+)", line)}
    return found


def main():
    args = sys.argv[1:]
    if len(args) < 2:
        sys.exit(__doc__)
    binary, eval_dir = args[0], args[1]
    rows = load(binary, eval_dir)
    w_all = fit(rows)
    print(f"choice accuracy on all articles: prior {choice_accuracy(PRIOR, rows):.3f}, "
          f"fitted {choice_accuracy(w_all, rows):.3f}")
    if "--write" in args:
        path = args[args.index("--write") + 1]
        write(w_all, path, f"Fitted by scripts/fit_main_event.py on {len(rows)} development articles "
                           f"(conditional logit, L2 {LAMBDA} towards the hand-set rule).")
        print(f"wrote {path}")
    if "--lopo" in args:
        tmp = tempfile.mkdtemp()
        all_path, prior_path = os.path.join(tmp, "all.tsv"), os.path.join(tmp, "prior.tsv")
        write(w_all, all_path, "all parts")
        write(PRIOR, prior_path, "prior")
        prior_parts = part_figures(binary, eval_dir, prior_path)
        all_parts = part_figures(binary, eval_dir, all_path)
        figures_shown = ["kind_acc", "cluster_f1", "date_acc"]
        print("per part: prior / fitted on all parts / fitted without the part (binary, parts.sh)")
        print(f"{'part':5} " + "  ".join(f"{k:>22}" for k in figures_shown))
        sums = {k: [0.0, 0.0, 0.0] for k in figures_shown}
        count = 0
        for name, _, _ in PARTS:
            train = [r for r in rows if part_of(r[0]) != name]
            held = os.path.join(tmp, f"without-{name}.tsv")
            write(fit(train), held, f"without {name}")
            held_parts = part_figures(binary, eval_dir, held)
            n = sum(1 for r in rows if part_of(r[0]) == name)
            count += n
            cells = []
            for k in figures_shown:
                trio = [src.get(name, {}).get(k, 0.0) for src in (prior_parts, all_parts, held_parts)]
                sums[k] = [s + f * n for s, f in zip(sums[k], trio)]
                cells.append(" / ".join(f"{f:.2f}" for f in trio))
            print(f"{name:5} " + "  ".join(f"{c:>22}" for c in cells))
        print(f"{'mean':5} " + "  ".join(
            f"{' / '.join(f'{s / count:.2f}' for s in sums[k]):>22}" for k in figures_shown)
              + "   (weighted by part size)")


if __name__ == "__main__":
    main()
