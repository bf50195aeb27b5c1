"""Summarises a Benchmarks/run output folder: medians over rounds, each beside its same-run /healthz baseline."""
import glob
import os
import re
import statistics
import sys

folder = sys.argv[1]


def results(prefix):
    rows = []
    for path in sorted(glob.glob(os.path.join(folder, f"{prefix}-*.txt"))):
        line = next((l for l in open(path) if l.startswith("RESULT")), None)
        if line:
            rows.append({k: float(v) for k, v in re.findall(r"(\w+)=([\d.]+)", line)})
    return rows


def median(rows, key):
    return statistics.median(r[key] for r in rows) if rows else float("nan")


committed = dict(re.findall(r"^COMMITTED (\S+) (\d+)$", open(os.path.join(folder, "results.txt")).read(), re.M))
healthz_ingest, event, batch = results("healthz-ingest"), results("event"), results("batch")
healthz_board, board = results("healthz-board"), results("board")

print("| scenario | median | baseline /healthz (same run) | ratio | p99 | check |")
print("|---|---|---|---|---|---|")
ok_event = all(int(committed.get(f"event-{i + 1}", -1)) == int(r["requests"]) - int(r["non201"]) for i, r in enumerate(event))
print(f"| single event, 64 conns | {median(event, 'rps'):.0f} req/s | {median(healthz_ingest, 'rps'):.0f} req/s | "
      f"{median(event, 'rps') / median(healthz_ingest, 'rps'):.0%} | {median(event, 'p99_ms'):.1f} ms | "
      f"non-201: {sum(int(r['non201']) for r in event)}; 201s all committed: {ok_event} |")
ok_batch = all(int(committed.get(f"batch-{i + 1}", -1)) == int(r["events"]) for i, r in enumerate(batch) if r["failed_batches"] == 0)
print(f"| batches of 500, 4 conns | {median(batch, 'events_per_s'):.0f} events/s | — | — | {median(batch, 'p99_ms'):.1f} ms | "
      f"failed batches: {sum(int(r['failed_batches']) for r in batch)}; events all committed: {ok_batch} |")
print(f"| top-10 week board, 100k members, 64 conns | {median(board, 'rps'):.0f} req/s | {median(healthz_board, 'rps'):.0f} req/s | "
      f"{median(board, 'rps') / median(healthz_board, 'rps'):.0%} | {median(board, 'p99_ms'):.1f} ms | "
      f"non-200: {sum(int(r['non200']) for r in board)} |")
