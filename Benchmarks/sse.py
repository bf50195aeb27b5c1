"""Live page streams under load (BENCHMARKS.md, "pages"): CLIENTS clients on one board's stream (/p/{program}/live),
the CPU rally uses while nothing changes, then for each of ROUNDS events sent through the API how long each client
waited for the board that shows it.
    python3 Benchmarks/sse.py HOST PORT PROGRAM TOKEN INGEST_KEY RALLY_PID CLIENTS ROUNDS
Prints RESULT lines: connected clients, idle CPU (% of one core over 10 s), and per round the latency from the API's
answer to each client's board: p50, p99, max (ms), and how many clients saw it."""
import asyncio
import json
import sys
import time
import urllib.request

HOST, PORT, PROGRAM, TOKEN, INGEST, PID = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5], int(sys.argv[6])
CLIENTS, ROUNDS = int(sys.argv[7]), int(sys.argv[8])
PATH = "/p/%s/live?token=%s&period=week" % (PROGRAM, TOKEN)
boards = [[] for _ in range(CLIENTS)]  # per client: (monotonic time, data line)


async def client(index, connected):
    reader, writer = await asyncio.open_connection(HOST, PORT, limit=1 << 20)
    writer.write(("GET %s HTTP/1.1\r\nHost: %s\r\nAccept: text/event-stream\r\n\r\n" % (PATH, HOST)).encode())
    await writer.drain()
    status = await reader.readline()
    if b" 200 " not in status:
        raise RuntimeError("stream answered %r" % status)
    while (await reader.readline()) not in (b"\r\n", b""):
        pass
    first = True
    while True:
        line = await reader.readline()
        if not line:
            return
        if line.startswith(b"data: "):
            boards[index].append((time.monotonic(), line))
            if first:
                first = False
                connected.append(index)


def cpu_ticks():
    fields = open("/proc/%d/stat" % PID).read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def top_points():
    """The points of the first member on the board the first client saw last (0 when it is empty)."""
    for _, line in reversed(boards[0]):
        if line.startswith(b"data: {"):
            rows = json.loads(line[6:])["rows"]
            return rows[0]["points"] if rows else 0
    return 0


def send(member):
    # Enough posts (25 points each) to go first, whatever earlier runs left on the board.
    posts = top_points() // 25 + 2
    put = urllib.request.Request("http://%s:%d/v1/programs/%s/members/%s" % (HOST, PORT, PROGRAM, member), method="PUT", data=b"{}",
                                 headers={"Authorization": "Bearer " + INGEST, "Content-Type": "application/json"})
    urllib.request.urlopen(put).read()
    events = [{"id": "%s-%d" % (member, n), "memberId": member, "action": "post",
               "occurredAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())} for n in range(posts)]
    request = urllib.request.Request("http://%s:%d/v1/programs/%s/events/batch" % (HOST, PORT, PROGRAM), method="POST",
                                     data=json.dumps({"events": events}).encode(),
                                     headers={"Authorization": "Bearer " + INGEST, "Content-Type": "application/json"})
    with urllib.request.urlopen(request) as response:
        assert response.status == 200


async def main():
    connected = []
    tasks = []
    for start in range(0, CLIENTS, 200):
        tasks += [asyncio.create_task(client(i, connected)) for i in range(start, min(CLIENTS, start + 200))]
        await asyncio.sleep(0.2)
    deadline = time.monotonic() + 60
    while len(connected) < CLIENTS and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    print("RESULT clients=%d connected=%d" % (CLIENTS, len(connected)), flush=True)
    before, started = cpu_ticks(), time.monotonic()
    await asyncio.sleep(10)
    idle = (cpu_ticks() - before) / 100 / (time.monotonic() - started) * 100
    print("RESULT idle_cpu_percent=%.2f" % idle, flush=True)
    for round_ in range(ROUNDS):
        member = "sse-%d-%d" % (round_, int(time.time()))
        await asyncio.get_running_loop().run_in_executor(None, send, member)
        answered = time.monotonic()
        await asyncio.sleep(3)
        needle = ('"memberId":"%s"' % member).encode()
        waits = sorted((next(t for t, line in lines if needle in line and t >= answered - 1) - answered) * 1000
                       for lines in boards if any(needle in line for _, line in lines))
        if waits:
            print("RESULT round=%d saw=%d p50_ms=%.1f p99_ms=%.1f max_ms=%.1f" % (
                round_, len(waits), waits[len(waits) // 2], waits[min(len(waits) - 1, int(len(waits) * 0.99))], waits[-1]), flush=True)
        else:
            print("RESULT round=%d saw=0" % round_, flush=True)
    for task in tasks:
        task.cancel()


asyncio.run(main())
