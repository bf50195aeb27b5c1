"""Summarizes Benchmarks/integrity: per round, the guarded program's throughput as a share of the plain one's."""
import pathlib
import re
import statistics
import sys

out = pathlib.Path(sys.argv[1])


def rate(name):
    path = out / f"{name}.txt"
    if not path.exists():
        return None
    found = re.findall(r"^RESULT .*?(?:rps|events_per_s)=([\d.]+)", path.read_text(), re.M)
    return float(found[-1]) if found else None


print("| scenario | plain (median) | guarded (median) | guarded / plain by round | median |")
print("|---|---|---|---|---|")
for scenario, unit in [("event", "req/s"), ("batch", "events/s")]:
    rounds = sorted({int(p.stem.rsplit("-", 1)[1]) for p in out.glob(f"plain-{scenario}-*.txt")})
    plain = [rate(f"plain-{scenario}-{r}") for r in rounds]
    guarded = [rate(f"guarded-{scenario}-{r}") for r in rounds]
    ratios = [g / p for p, g in zip(plain, guarded) if p and g]
    if not ratios:
        continue
    label = "single events, 64 connections" if scenario == "event" else "batches of 500, 4 connections"
    print(f"| {label} | {statistics.median(plain):,.0f} {unit} | {statistics.median(guarded):,.0f} {unit} | "
          + " / ".join(f"{r:.0%}" for r in ratios) + f" | **{statistics.median(ratios):.0%}** |")
