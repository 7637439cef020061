#!/usr/bin/env bash
# Hostile-load bench (issue: hostile input): /healthz latency and server RSS while two clients
# send the most expensive queries the limits accept, without pause, for SECONDS.
#   benches/healthz_under_attack.sh [ARTICLES] [SECONDS]     (defaults: 100000 articles, 60 s)
# The expensive queries (each just under the complexity limit, the response cache off):
#   - the heaviest person's 100 newest events with every link and its evidence;
#   - a day-by-day timeline of that person with three events per bucket;
#   - the neighbourhood of that person at depth 3, 50 neighbours per node.
# Prints /healthz p50/p99/max and RSS before, during and after. Targets: p99 < 50 ms, RSS after
# under 1.5× RSS before.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100000}
secs=${2:-60}
. benches/common.sh
bench_store "$n"
bench_serve "$store" "$work/attack-serve.log" --no-response-cache
python3 - "$addr" "$secs" "$pid" <<'PY'
import json, sys, threading, time, urllib.request

addr, secs, pid = sys.argv[1], float(sys.argv[2]), sys.argv[3]
url = f"http://{addr}/graphql"

def rss_kb():
    with open(f"/proc/{pid}/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith("VmRSS"))

def ask(query):
    body = json.dumps({"query": query}).encode()
    req = urllib.request.Request(url, body, {"content-type": "application/json"})
    with urllib.request.urlopen(req, timeout=120) as r:
        return json.loads(r.read())

heavy = ask("{ entities(kind: PERSON, first: 1) { nodes { id eventCount } } }")["data"]["entities"]["nodes"][0]
hid = heavy["id"]
queries = [
    '{ node(id: "%s") { ... on Entity { events(first: 100) { nodes { title links { kind evidence { text } } } } } } }' % hid,
    '{ timeline(entity: "%s", granularity: DAY, from: "2024-09-01") { start count events(first: 3) { title } } }' % hid,
    '{ neighborhood(id: "%s", depth: 3, first: 50) { nodes { id } edges { from to kind } } }' % hid,
]
for q in queries:
    r = ask(q)
    print("accepted" if not r.get("errors") else f"REFUSED {r['errors'][0]['message']}", "|", q[:90])

before = rss_kb()
stop = time.time() + secs
done = [0, 0]
def attacker(i):
    k = 0
    while time.time() < stop:
        ask(queries[k % len(queries)])
        k += 1
        done[i] += 1
threads = [threading.Thread(target=attacker, args=(i,)) for i in range(2)]
for t in threads:
    t.start()
lat, peak = [], before
while time.time() < stop:
    t0 = time.time()
    with urllib.request.urlopen(f"http://{addr}/healthz", timeout=30) as r:
        r.read()
    lat.append((time.time() - t0) * 1000)
    peak = max(peak, rss_kb())
    time.sleep(0.05)
for t in threads:
    t.join()
time.sleep(1)
after = rss_kb()
lat.sort()
pct = lambda p: lat[min(len(lat) - 1, int(len(lat) * p))]
print(f"heavy person: {heavy['eventCount']} events; attack queries answered: {sum(done)} in {secs:.0f}s")
print(f"/healthz: n={len(lat)} p50={pct(0.5):.1f}ms p99={pct(0.99):.1f}ms max={lat[-1]:.1f}ms")
print(f"RSS: before {before/1024:.0f} MB, peak {peak/1024:.0f} MB, after {after/1024:.0f} MB ({after/before:.2f}x)")
PY
