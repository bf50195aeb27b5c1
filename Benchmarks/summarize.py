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
rules_event, rules_batch = results("rules-event"), results("rules-batch")
healthz_board, board = results("healthz-board"), results("board")
members = results("members")

print("| scenario | median | baseline /healthz (same run) | ratio | p99 | check |")
print("|---|---|---|---|---|---|")
# wrk counts the answers received within its window; requests still in flight when it stops are committed too,
# so each round must have committed at least every 201 it counted and at most one more request per connection.
def all_committed(prefix, rows, answered, in_flight):
    return all(0 <= int(committed.get(f"{prefix}-{i + 1}", -1)) - answered(r) <= in_flight for i, r in enumerate(rows))


ok_event = all_committed("event", event, lambda r: int(r["requests"]) - int(r["non201"]), 64)
print(f"| single event, 64 conns | {median(event, 'rps'):.0f} req/s | {median(healthz_ingest, 'rps'):.0f} req/s | "
      f"{median(event, 'rps') / median(healthz_ingest, 'rps'):.0%} | {median(event, 'p99_ms'):.1f} ms | "
      f"non-201: {sum(int(r['non201']) for r in event)}; 201s all committed: {ok_event} |")
ok_batch = all_committed("batch", batch, lambda r: int(r["events"]) - 500 * int(r["failed_batches"]), 4 * 500)
print(f"| batches of 500, 4 conns | {median(batch, 'events_per_s'):.0f} events/s | — | — | {median(batch, 'p99_ms'):.1f} ms | "
      f"failed batches: {sum(int(r['failed_batches']) for r in batch)}; events all committed: {ok_batch} |")
if rules_event and rules_batch:
    ok_rules_event = all_committed("rules-event", rules_event, lambda r: int(r["requests"]) - int(r["non201"]), 64)
    print(f"| single event under the realistic ruleset, 64 conns | {median(rules_event, 'rps'):.0f} req/s | {median(healthz_ingest, 'rps'):.0f} req/s | "
          f"{median(rules_event, 'rps') / median(healthz_ingest, 'rps'):.0%} ({median(rules_event, 'rps') / median(event, 'rps'):.0%} of default rules) | "
          f"{median(rules_event, 'p99_ms'):.1f} ms | non-201: {sum(int(r['non201']) for r in rules_event)}; 201s all committed: {ok_rules_event} |")
    ok_rules_batch = all_committed("rules-batch", rules_batch, lambda r: int(r["events"]) - 500 * int(r["failed_batches"]), 4 * 500)
    print(f"| batches of 500 under the realistic ruleset, 4 conns | {median(rules_batch, 'events_per_s'):.0f} events/s "
          f"({median(rules_batch, 'events_per_s') / median(batch, 'events_per_s'):.0%} of default rules) | — | — | {median(rules_batch, 'p99_ms'):.1f} ms | "
          f"failed batches: {sum(int(r['failed_batches']) for r in rules_batch)}; events all committed: {ok_rules_batch} |")
print(f"| top-10 week board, 100k members, 64 conns | {median(board, 'rps'):.0f} req/s | {median(healthz_board, 'rps'):.0f} req/s | "
      f"{median(board, 'rps') / median(healthz_board, 'rps'):.0%} | {median(board, 'p99_ms'):.1f} ms | "
      f"non-200: {sum(int(r['non200']) for r in board)} |")
if members:
    print(f"| members/batch of 1000, 100k members, 4 conns | {median(members, 'members_per_s'):.0f} members/s | — | — | "
          f"{median(members, 'p99_ms'):.1f} ms | failed batches: {sum(int(r['failed_batches']) for r in members)} |")
