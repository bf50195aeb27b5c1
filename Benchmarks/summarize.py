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
badges_event, badges_batch = results("badges-event"), results("badges-batch")
challenges_event, challenges_batch = results("challenges-event"), results("challenges-batch")
challenge, healthz_challenge = results("challenge"), results("healthz-challenge")
healthz_board, board = results("healthz-board"), results("board")
members = results("members")

print("| scenario | median | baseline /healthz (same run) | ratio | p99 | check |")
print("|---|---|---|---|---|---|")
# wrk counts the answers received within its window; requests still in flight when it stops are committed too,
# so each round must have committed at least every 201 it counted and at most one more request per connection.
def all_committed(prefix, rows, answered, in_flight):
    return all(0 <= int(committed.get(f"{prefix}-{i + 1}", -1)) - answered(r) <= in_flight for i, r in enumerate(rows))


def beside(rows, default_rows, key, compared):
    """How rows compare with another program's measured in the same rounds: the ratio of the medians, and the median of
    the rounds' own ratios (each round runs the programs back to back)."""
    if not default_rows:
        return ""
    pairs = [r[key] / d[key] for r, d in zip(rows, default_rows)]
    by_round = " / ".join(f"{p:.0%}" for p in pairs)
    return f" ({median(rows, key) / median(default_rows, key):.0%} of {compared}; by round {by_round}, median {statistics.median(pairs):.0%})"


def ingestion(prefix, label, singles, batches, default_singles=None, default_batches=None, compared="default rules"):
    """The rows of single events and batches of one program; beside the default rules' when given."""
    ok = all_committed(f"{prefix}event", singles, lambda r: int(r["requests"]) - int(r["non201"]), 64)
    of_default = beside(singles, default_singles, "rps", compared)
    print(f"| single event{label}, 64 conns | {median(singles, 'rps'):.0f} req/s | {median(healthz_ingest, 'rps'):.0f} req/s | "
          f"{median(singles, 'rps') / median(healthz_ingest, 'rps'):.0%}{of_default} | {median(singles, 'p99_ms'):.1f} ms | "
          f"non-201: {sum(int(r['non201']) for r in singles)}; 201s all committed: {ok} |")
    ok = all_committed(f"{prefix}batch", batches, lambda r: int(r["events"]) - 500 * int(r["failed_batches"]), 4 * 500)
    of_default = beside(batches, default_batches, "events_per_s", compared)
    print(f"| batches of 500{label}, 4 conns | {median(batches, 'events_per_s'):.0f} events/s{of_default} | — | — | "
          f"{median(batches, 'p99_ms'):.1f} ms | failed batches: {sum(int(r['failed_batches']) for r in batches)}; events all committed: {ok} |")


ingestion("", "", event, batch)
if rules_event and rules_batch:
    ingestion("rules-", " under the realistic ruleset", rules_event, rules_batch, event, batch)
if badges_event and badges_batch:
    ingestion("badges-", " with the same ruleset and 10 badges", badges_event, badges_batch, rules_event, rules_batch, "the ruleset without badges")
if challenges_event and challenges_batch:
    ingestion("challenges-", " with the same ruleset and 2 challenges running", challenges_event, challenges_batch, rules_event, rules_batch,
              "the ruleset without challenges")
if challenge:
    print(f"| a challenge's progress, 64 conns | {median(challenge, 'rps'):.0f} req/s | {median(healthz_challenge, 'rps'):.0f} req/s | "
          f"{median(challenge, 'rps') / median(healthz_challenge, 'rps'):.0%} | {median(challenge, 'p99_ms'):.1f} ms | "
          f"non-200: {sum(int(r['non200']) for r in challenge)} |")
print(f"| top-10 week board, 100k members, 64 conns | {median(board, 'rps'):.0f} req/s | {median(healthz_board, 'rps'):.0f} req/s | "
      f"{median(board, 'rps') / median(healthz_board, 'rps'):.0%} | {median(board, 'p99_ms'):.1f} ms | "
      f"non-200: {sum(int(r['non200']) for r in board)} |")
if members:
    print(f"| members/batch of 1000, 100k members, 4 conns | {median(members, 'members_per_s'):.0f} members/s | — | — | "
          f"{median(members, 'p99_ms'):.1f} ms | failed batches: {sum(int(r['failed_batches']) for r in members)} |")
