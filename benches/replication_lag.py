#!/usr/bin/env python3
"""Replication lag and write rate of two eventgraph replicas on one PostgreSQL log.

Writers post `ingestArticles` batches to replica A as fast as it answers; a prober takes
the newest article A acknowledged and asks replica B for it (`node(id:)`) until B has it:
lag = B first answers - A acknowledged. Prints write rate and lag percentiles.

  replication_lag.py ADDR_A ADDR_B CORPUS.jsonl SECONDS TOKEN
"""
import http.client
import json
import sys
import threading
import time

addr_a, addr_b, corpus, seconds, token = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]), sys.argv[5]
BATCH = 64
WRITERS = 2

def connection(addr):
    host, port = addr.rsplit(":", 1)
    return http.client.HTTPConnection(host, int(port), timeout=60)

def post(conn, body, auth=True):
    headers = {"content-type": "application/json"}
    if auth:
        headers["authorization"] = f"Bearer {token}"
    conn.request("POST", "/graphql", body=json.dumps(body), headers=headers)
    return json.loads(conn.getresponse().read())

LIMIT = 400_000  # more than two cores ingest in a minute
with open(corpus, encoding="utf-8") as f:
    lines = []
    for line in f:
        lines.append(json.loads(line))
        if len(lines) == LIMIT:
            break
next_line = 0
lines_lock = threading.Lock()
acked = []  # (time, id)
acked_lock = threading.Lock()
deadline = time.monotonic() + seconds
MUTATION = "mutation($i: [ArticleInput!]!) { ingestArticles(inputs: $i) { article { id } duplicate error } }"

def writer():
    global next_line
    conn = connection(addr_a)
    while time.monotonic() < deadline:
        with lines_lock:
            batch = lines[next_line:next_line + BATCH]
            next_line += BATCH
        if not batch:
            return
        answer = post(conn, {"query": MUTATION, "variables": {"i": batch}})
        now = time.monotonic()
        ids = [r["article"]["id"] for r in answer["data"]["ingestArticles"] if r["article"] and not r["duplicate"]]
        with acked_lock:
            acked.extend((now, i) for i in ids)

lags = []
def prober():
    conn = connection(addr_b)
    seen = 0
    while time.monotonic() < deadline + 5:
        with acked_lock:
            if len(acked) == seen:
                target = None
            else:
                seen = len(acked)
                target = acked[-1]
        if target is None:
            if time.monotonic() > deadline:
                return
            time.sleep(0.001)
            continue
        at, article = target
        while True:
            answer = post(conn, {"query": "query($id: ID!) { node(id: $id) { id } }", "variables": {"id": article}}, auth=False)
            if answer.get("data", {}).get("node"):
                lags.append(time.monotonic() - at)
                break
            if time.monotonic() - at > 30:
                lags.append(float("inf"))
                break

threads = [threading.Thread(target=writer) for _ in range(WRITERS)] + [threading.Thread(target=prober)]
started = time.monotonic()
for t in threads:
    t.start()
for t in threads:
    t.join()
written = len(acked)
elapsed = (acked[-1][0] - started) if acked else float("nan")
if not (next_line < len(lines)):
    print(f"(the corpus ran out after {elapsed:.1f}s)")
lags.sort()
def pct(p):
    return lags[min(len(lags) - 1, int(p / 100 * len(lags)))] * 1000 if lags else float("nan")
print(f"A ingested {written} new articles in {elapsed:.1f}s: {written / elapsed:.0f} articles/s ({WRITERS} writers, {BATCH} per request)")
print(f"replication lag on B over {len(lags)} probes: p50 {pct(50):.1f} ms, p99 {pct(99):.1f} ms, max {lags[-1] * 1000 if lags else float('nan'):.1f} ms")
