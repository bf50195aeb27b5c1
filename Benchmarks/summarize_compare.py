"""Summarises Benchmarks/compare: per scenario, each build's median over its rounds and the median of the rounds' ratios
(this build / the baseline, rounds paired in the order they ran)."""
import os
import re
import statistics
import sys

folder, pairs = sys.argv[1], int(sys.argv[2])
scenarios = [
    ("single events, 64 conns", "event", "rps"), ("batches of 500, 4 conns", "batch", "events_per_s"),
    ("single events, realistic ruleset", "rules-event", "rps"), ("batches, realistic ruleset", "rules-batch", "events_per_s"),
    ("single events, ruleset + 10 badges", "badges-event", "rps"), ("batches, ruleset + 10 badges", "badges-batch", "events_per_s"),
    ("top-10 week board, 100k members", "board", "rps"), ("members/batch of 1000", "members", "members_per_s"),
    ("/healthz (ingestion rounds)", "healthz-ingest", "rps"),
]


def value(build, pair, prefix, key):
    path = os.path.join(folder, f"{build}-{pair}", f"{prefix}-1.txt")
    line = next((l for l in open(path) if l.startswith("RESULT")), None) if os.path.exists(path) else None
    return float(dict(re.findall(r"(\w+)=([\d.]+)", line))[key]) if line else None


print("| scenario | baseline (median) | this build (median) | this build / baseline, by round | median ratio | "
      "median ratio, each beside its run's /healthz |")
print("|---|---|---|---|---|---|")
for label, prefix, key in scenarios:
    base = [value("baseline", p, prefix, key) for p in range(1, pairs + 1)]
    cur = [value("current", p, prefix, key) for p in range(1, pairs + 1)]
    ratios = [c / b for b, c in zip(base, cur) if b and c]
    if not ratios:
        continue
    # The machine's state moves between runs: the same ratio, each build's figure divided by its own run's /healthz.
    healthz = "board" if prefix == "board" else "ingest"
    base_h = [value("baseline", p, f"healthz-{healthz}", "rps") for p in range(1, pairs + 1)]
    cur_h = [value("current", p, f"healthz-{healthz}", "rps") for p in range(1, pairs + 1)]
    normalised = [(c / ch) / (b / bh) for b, c, bh, ch in zip(base, cur, base_h, cur_h) if b and c and bh and ch]
    print(f"| {label} | {statistics.median(v for v in base if v):.0f} | {statistics.median(v for v in cur if v):.0f} | "
          f"{' / '.join(f'{r:.0%}' for r in ratios)} | {statistics.median(ratios):.0%} | "
          f"{statistics.median(normalised):.0%} |" if normalised else "— |")
