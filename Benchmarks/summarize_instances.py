"""Summarises Benchmarks/instances: per path (one instance directly, one behind haproxy, two behind haproxy), the
median over rounds of /healthz, single events and batches of 500, and the CPU each part used per event."""
import glob
import os
import re
import statistics
import sys

# Each run's raw wrk output holds its RESULT line; results.txt holds the CPU lines.
folder = os.path.dirname(sys.argv[1])
results = {}
for path in glob.glob(os.path.join(folder, "*.txt")):
    found = re.findall(r"^RESULT (.*)$", open(path).read(), re.M)
    if found:
        results[os.path.basename(path)[:-4]] = {k: float(v) for k, v in re.findall(r"(\S+)=([\d.]+)", found[-1])}
cpu = {match.group(1): {k: float(v) for k, v in re.findall(r"(\S+)=([\d.]+)", match.group(2))}
       for match in re.finditer(r"^CPU (\S+) (.*)$", open(sys.argv[1]).read(), re.M)}


def runs(prefix):
    return sorted(n for n in results if re.fullmatch(prefix + r"-\d+", n))

print("| path | /healthz req/s | single events/s (p99) | CPU µs per single event: Rally / PostgreSQL / Redis / haproxy | batched events/s (p99) | CPU µs per batched event: Rally / PostgreSQL / Redis / haproxy |")
print("|---|---|---|---|---|---|")
for path, label in (("direct", "one instance, direct"), ("one", "one instance behind haproxy"), ("two", "two instances behind haproxy")):
    healthz = statistics.median(results[n]["rps"] for n in runs("healthz-" + path))
    cells = ["%s" % label, "%.0f" % healthz]
    for kind, rate in (("event", "rps"), ("batch", "events_per_s")):
        names = runs("%s-%s" % (kind, path))
        throughput = statistics.median(results[n][rate] for n in names)
        p99 = statistics.median(results[n]["p99_ms"] for n in names)
        per = []
        for part in ("rally", "postgres", "redis-server", "haproxy"):
            # CPU seconds over the events the run sent (events of a batch run; requests of a single-event run).
            values = []
            for n in names:
                count = results[n]["events"] if kind == "batch" else results[n]["requests"]
                values.append(cpu[n][part] / count * 1e6)
            per.append("%.0f" % statistics.median(values))
        cells += ["%.0f (%.1f ms)" % (throughput, p99), " / ".join(per)]
    print("| " + " | ".join(cells) + " |")
