"""Summarises a Benchmarks/million output folder: each read beside its same-run /healthz, the CPU each part used per
request, and reads while batches are ingested."""
import os
import re
import sys

folder = sys.argv[1]
notes = open(os.path.join(folder, "results.txt")).read()


def result(name):
    path = os.path.join(folder, f"{name}.txt")
    if not os.path.exists(path):
        return None
    line = next((l for l in open(path) if l.startswith("RESULT")), None)
    return {k: float(v) for k, v in re.findall(r"(\w+)=([\d.]+)", line)} if line else None


def cpu(name):
    match = re.search(rf"^CPU {re.escape(name)} (.*)$", notes, re.M)
    return {k: float(v) for k, v in re.findall(r"([\w-]+)=([\d.]+)", match.group(1))} if match else {}


for line in notes.splitlines():
    if line.startswith(("SEED", "REBUILD", "STARTUP", "BOARD", "COLD")):
        print(line)
print()
print("| read, 64 connections | req/s | /healthz (same run) | ratio | p50 | p99 | non-200 (404) | CPU per request: rally / PostgreSQL / Redis |")
print("|---|---|---|---|---|---|---|---|")
for name in ["top10-week", "top10-all", "top10-team-month", "around-all", "around-week", "profile", "rolling30", "teams-month", "old-week"]:
    read, base, used = result(name), result(f"healthz-{name}"), cpu(name)
    if not read or not base:
        continue
    per = lambda part: used.get(part, 0) / read["requests"] * 1e6 if read["requests"] else float("nan")
    print(f"| {name} | {read['rps']:.0f} | {base['rps']:.0f} | {read['rps'] / base['rps']:.0%} | {read['p50_ms']:.2f} ms | "
          f"{read['p99_ms']:.2f} ms | {int(read['non200'])} ({int(read.get('not_found', 0))}) | "
          f"{per('rally'):.0f} / {per('postgres'):.0f} / {per('redis-server'):.0f} µs |")
alone = result("ingest-alone")
if alone and alone["events_per_s"] > 0:
    print()
    print(f"Batches of 500 alone (4 connections): {alone['events_per_s']:.0f} events/s, p99 {alone['p99_ms']:.1f} ms, "
          f"failed batches {int(alone['failed_batches'])}")
    print()
    print("| read (16 connections) during ingestion (4 connections of 500-event batches) | req/s | p50 | p99 | ingestion events/s | of ingestion alone |")
    print("|---|---|---|---|---|---|")
    for name in ["top10-week", "around-all"]:
        read, ingest = result(f"during-{name}"), result(f"ingest-during-{name}")
        if read and ingest:
            print(f"| {name} | {read['rps']:.0f} | {read['p50_ms']:.2f} ms | {read['p99_ms']:.2f} ms | {ingest['events_per_s']:.0f} | "
                  f"{ingest['events_per_s'] / alone['events_per_s']:.0%} |")
