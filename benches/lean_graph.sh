#!/usr/bin/env bash
# Lean-graph bench (issue: a lean, indexed, consistent graph). On a store of N synthetic
# articles it prints:
#   1. start-up time (server launch → listening) and RSS after start;
#   2. RSS after the first write (the graph's second copy is made then);
#   3. filtered vs unfiltered `Entity.events(first: 20) { totalCount nodes { … } }` on the
#      heaviest person and the heaviest country: best of 30 single requests (one client, the
#      response cache off), and each filter's time as a multiple of the unfiltered one
#      (target ≤ 2×).
#   benches/lean_graph.sh [ARTICLES]        (default 1000000)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
. benches/common.sh
bench_store "$n"
started=$(date +%s.%N)
bench_serve "$store" "$work/lean-serve.log" --no-response-cache --write-token bench-token
ready=$(date +%s.%N)
python3 - "$addr" "$pid" "$started" "$ready" <<'PY'
import json, sys, time, urllib.request

addr, pid, started, ready = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
url = f"http://{addr}/graphql"

def rss_mb():
    with open(f"/proc/{pid}/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith("VmRSS")) / 1024

def ask(query, variables=None, token=None):
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    req = urllib.request.Request(url, body, headers)
    with urllib.request.urlopen(req, timeout=300) as r:
        out = json.loads(r.read())
    if out.get("errors"):
        raise SystemExit(f"query failed: {out['errors']}\n{query}")
    return out["data"]

print(f"start-up: {ready - started:.1f} s; RSS after start: {rss_mb():.0f} MB")

def best_ms(query, runs=30):
    best = float("inf")
    for _ in range(runs):
        t0 = time.perf_counter()
        ask(query)
        best = min(best, time.perf_counter() - t0)
    return best * 1000

base = best_ms("{ __typename }")
print(f"{{ __typename }}: {base:.2f} ms (best of 30)")
heavy = {}
for kind in ("PERSON", "COUNTRY"):
    node = ask(f"{{ entities(kind: {kind}, first: 1) {{ nodes {{ id name eventCount }} }} }}")["entities"]["nodes"][0]
    heavy[kind] = node
filters = [
    ("no filter", ""),
    ('from: "2020-01-01", to: "2024-12-31"', 'from: "2020-01-01", to: "2024-12-31", '),
    ("kind: SUMMIT", "kind: SUMMIT, "),
    ('kind: VISIT, from: "2023-01-01"', 'kind: VISIT, from: "2023-01-01", '),
    ("status: PLANNED", "status: PLANNED, "),
    ("order: OLDEST_FIRST", "order: OLDEST_FIRST, "),
    ("kinds: [SUMMIT, VISIT]", "kinds: [SUMMIT, VISIT], "),
    ("dated: true", "dated: true, "),
    ("dated: false", "dated: false, "),
    ("minPrecision: DAY", "minPrecision: DAY, "),
    ("minPrecision: MONTH, order: OLDEST_FIRST", "minPrecision: MONTH, order: OLDEST_FIRST, "),
    ('kinds: [MEETING, PHONE_CALL], status: HAPPENED, minPrecision: DAY, from: "2022-01-01"',
     'kinds: [MEETING, PHONE_CALL], status: HAPPENED, minPrecision: DAY, from: "2022-01-01", '),
]
# The root `events` list: all events, or one entity's, with the filters only it offers.
root_filters = [
    ("no filter", ""),
    ("language: KK", "language: KK, "),
    ('language: EN, kind: VISIT, from: "2023-01-01"', 'language: EN, kind: VISIT, from: "2023-01-01", '),
    ("entity: <heaviest person>, language: RU", 'entity: "%(person)s", language: RU, '),
    ("entities: <heaviest person, heaviest country>", 'entities: ["%(person)s", "%(country)s"], '),
]
print()
print("| `Entity.events(first: 20) { totalCount nodes { id title date kind } }` | "
      + " | ".join(f"{n['name']} ({n['eventCount']:,} events)" for n in heavy.values()) + " |")
print("|---|" + "---|" * len(heavy))
unfiltered = {}
for label, args in filters:
    cells = []
    for kind, node in heavy.items():
        q = ('{ node(id: "%s") { ... on Entity { events(%sfirst: 20) { totalCount nodes { id title date kind } } } } }'
             % (node["id"], args))
        ms = best_ms(q)
        if not args:
            unfiltered[kind] = ms
            cells.append(f"{ms:.2f} ms")
        else:
            cells.append(f"{ms:.2f} ms ({ms / unfiltered[kind]:.1f}×)")
    print(f"| {label} | " + " | ".join(cells) + " |")

print()
print("| `events(first: 20) { totalCount nodes { id title date kind } }` | time |")
print("|---|---|")
root_unfiltered = None
for label, args in root_filters:
    q = '{ events(%sfirst: 20) { totalCount nodes { id title date kind } } }' % (args % {"person": heavy["PERSON"]["id"], "country": heavy["COUNTRY"]["id"]})
    ms = best_ms(q)
    if root_unfiltered is None:
        root_unfiltered = ms
        print(f"| {label} | {ms:.2f} ms |")
    else:
        print(f"| {label} | {ms:.2f} ms ({ms / root_unfiltered:.1f}×) |")
before = rss_mb()
article = "Tokayev met the Prime Minister of Japan\nPresident Kassym-Jomart Tokayev met the Prime Minister of Japan in Astana on a bench run at %f." % time.time()
ask("mutation($t: String!) { ingestArticle(input: { source: \"bench\", text: $t }) { duplicate } }", {"t": article}, token="bench-token")
time.sleep(1)
print(f"\nRSS before the first write: {before:.0f} MB; after it: {rss_mb():.0f} MB")
PY
