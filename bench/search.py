"""Benchmark: search at 100,000 practices, against baselines measured in the same run.

1. In-process: search_near() median and p99 for 5, 10 and 25 km searches from random real
   postcodes, beside a naive full scan (every practice, exact distance, sort) of the same
   searches.
2. HTTP: requests a second for GET /api/v1/search under waitress on 127.0.0.1, beside two
   endpoints of the same app served by the same server in the same run: a trivial one, and one
   that only runs `select 1` on the same database handle a search uses (what any endpoint that
   touches SQLite costs under a threaded server: see docs/benchmarks.md). The clients run in a
   process of their own; beside requests a second it reports the server's CPU time a request,
   which no client can cap. Rounds alternate the order of the endpoints; the figures are
   medians over rounds.

    .venv/bin/python bench/search.py            # about two minutes
    .venv/bin/python bench/search.py --size 20000 --rounds 3 --seconds 1

The postcode table is $FINDER_DATA_DIR/postcodes.db when it exists, else built into the temp
folder (about 30 s). Everything else lives in a temp folder that is removed at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from finder import db, directory, search  # noqa: E402
from finder.config import default_data_dir  # noqa: E402
from finder.directory import demo  # noqa: E402
from finder.errors import FinderError  # noqa: E402
from finder.places import postcodes  # noqa: E402
from finder.search import near, spatial  # noqa: E402

RADII_KM = (5, 10, 25)


def postcode_table(work: Path) -> Path:
    shared = Path(os.environ.get("FINDER_DATA_DIR") or default_data_dir()) / "postcodes.db"
    if shared.exists():
        return shared
    print("Building the postcode table (about 30 s)...", flush=True)
    return postcodes.build(work / "postcodes.db").path


def sample_directory(work: Path, size: int):
    """(data folder, postcode table path, open main database, load summary): a sample
    directory of `size` practices in a data folder under `work`."""
    table = postcode_table(work)
    data_dir = work / "data"
    data_dir.mkdir()
    if table.parent != data_dir:
        db.postcodes_db_path(data_dir).symlink_to(table)
    database = db.open_main(data_dir)
    return data_dir, table, database, demo.load_sample(database, table, size, seed=1)


def random_postcodes(path: Path, count: int, seed: int) -> list[tuple[str, float, float]]:
    table = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    rows = table.execute(
        "select postcode, latitude, longitude from postcodes where latitude is not null "
        "and substr(lad, 1, 1) in ('E', 'S', 'W', 'N') and abs(random()) % 500 = 0"
    ).fetchall()
    table.close()
    usable = [row for row in rows if _parses(row[0])]
    return random.Random(seed).sample(usable, min(count, len(usable)))


def _parses(postcode: str) -> bool:
    """A few real ONS postcodes (e.g. Newport's 'NPT' ones) fail our parser: leave them out."""
    try:
        postcodes.parse(postcode)
    except FinderError:
        return False
    return True


def naive_scan(database, lat: float, lon: float, radius_km: float, per_page: int = 20):
    """The baseline: every practice patients may see (one with a practitioner shown: its
    point's professions are not 0), the exact distance for each, then sort and count."""
    hits = []
    for pid, plat, plon in database.execute(
        "select id, latitude, longitude from practice_points where professions != 0"
    ):
        distance = search.distance_km(lat, lon, plat, plon)
        if distance <= radius_km:
            hits.append((distance, pid))
    hits.sort()
    return len(hits), hits[:per_page]


def timings(fn, centres) -> list[float]:
    out = []
    for _, lat, lon in centres:
        started = time.perf_counter()
        fn(lat, lon)
        out.append((time.perf_counter() - started) * 1000)
    return out


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def reread_seconds(database, repeats: int = 3) -> tuple[float, float]:
    """(median seconds to re-read the points after a change, of which reading SQLite) — the
    cost the first search after a change to the directory pays."""
    whole, reading = [], []
    for _ in range(repeats):
        started = time.perf_counter()
        _, points = directory.practice_points(database)
        read = time.perf_counter()
        spatial.PointIndex.from_rows(points)
        whole.append(time.perf_counter() - started)
        reading.append(read - started)
    return statistics.median(whole), statistics.median(reading)


def in_process(database, centres, naive_centres) -> list[tuple]:
    rows = []
    for radius in RADII_KM:
        for _, lat, lon in centres[:20]:  # warm the page cache
            search.search_near(database, lat, lon, radius)
        fast = timings(lambda la, lo, r=radius: search.search_near(database, la, lo, r), centres)
        slow = timings(lambda la, lo, r=radius: naive_scan(database, la, lo, r), naive_centres)
        # Same answers, or the comparison means nothing.
        for _, lat, lon in naive_centres[:5]:
            page = search.search_near(database, lat, lon, radius)
            total, top = naive_scan(database, lat, lon, radius)
            assert (page.total, [(h.distance_km, h.practice_id) for h in page.hits]) == (
                total,
                top,
            ), "search_near and the full scan disagree"
        rows.append(
            (
                radius,
                statistics.median(fast),
                p99(fast),
                statistics.mean(fast),
                statistics.median(slow),
                p99(slow),
            )
        )
    return rows


# Filtered searches at 10 km, each beside the unfiltered one in the same loop (issue 17).
FILTERED = {
    "home visits + wheelchair": search.SearchFilters(home_visits=True, wheelchair_access=True),
    "language pl": search.SearchFilters(language="pl"),
    "registered only": search.SearchFilters(registered_only=True),
    "all four (cy)": search.SearchFilters(True, True, "cy", True),
}


def filtered(database, centres) -> list[tuple[str, float, float, float]]:
    """(filters, median ms, unfiltered median ms, share of the results kept over 50 searches)."""
    rows = []
    for name, filters in FILTERED.items():
        search.search_near(database, 53.8, -1.55, 10, None, 1, 20, filters)  # read the times
        plain = timings(lambda la, lo: search.search_near(database, la, lo, 10), centres)
        only = timings(
            lambda la, lo, f=filters: search.search_near(database, la, lo, 10, None, 1, 20, f),
            centres,
        )
        sample = centres[:50]
        kept = sum(
            search.search_near(database, la, lo, 10, None, 1, 20, filters).total
            for _, la, lo in sample
        ) / max(1, sum(search.search_near(database, la, lo, 10).total for _, la, lo in sample))
        rows.append((name, statistics.median(only), statistics.median(plain), kept))
    return rows


def reread_confirmed_ms(database, repeats: int = 3) -> float:
    """Median ms to re-read the confirmation times after a check changed them: what the first
    "registered only" search after a check pays (other searches do not)."""
    index = near.point_index(database)
    spent = []
    for _ in range(repeats):
        started = time.perf_counter()
        index.aligned(directory.confirmed_times(database)[2])
        spent.append((time.perf_counter() - started) * 1000)
    return statistics.median(spent)


SERVER = """
import logging, sys, waitress
logging.getLogger("waitress.queue").setLevel(logging.ERROR)  # "queue depth" is expected here
from finder import create_app  # noqa: E402
from finder.web.requests_db import reader_db  # noqa: E402
app = create_app({"DATA_DIR": sys.argv[1]})
app.add_url_rule("/bench/ping", "bench_ping", lambda: "ok")  # the trivial endpoint
app.add_url_rule(  # one SQLite statement on the connection a search uses, and nothing else
    "/bench/one-query", "bench_one_query",
    lambda: str(reader_db().execute("select 1").fetchone()[0]))
waitress.serve(app, host="127.0.0.1", port=int(sys.argv[2]), threads=int(sys.argv[3]),
               ident="finder")
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("the server did not start")


# The load generator runs in a fresh interpreter of its own: in this process, after the
# in-process part, its Python was slow enough to be the bottleneck for the trivial endpoint,
# which made search look closer to it than it is.
CLIENT = """
import http.client, json, random, sys, threading, time
port, seconds, clients = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
paths = json.loads(sys.stdin.read())
done, failures, stop = [0] * clients, [], time.monotonic() + seconds
def worker(index):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    rng = random.Random(index)
    try:
        while time.monotonic() < stop:
            conn.request("GET", rng.choice(paths))
            response = conn.getresponse()
            body = response.read()
            if response.status != 200:
                failures.append(f"HTTP {response.status}: {body[:300]!r}")
                return
            done[index] += 1
    except Exception as error:  # a round with a client fewer must not pass unnoticed
        failures.append(repr(error))
threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
started = time.monotonic()
for thread in threads: thread.start()
for thread in threads: thread.join()
print(json.dumps({"requests": sum(done), "seconds": time.monotonic() - started,
                  "failures": failures}))
"""


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time a process has used (Linux /proc), or None elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load(server_pid: int, port: int, paths: list[str], seconds: float, clients: int):
    """(requests a second, server CPU ms a request or None) for `seconds` of `clients`
    keep-alive connections; 200s only."""
    before = cpu_seconds(server_pid)
    finished = subprocess.run(
        [sys.executable, "-c", CLIENT, str(port), str(seconds), str(clients)],
        input=json.dumps(paths), stdout=subprocess.PIPE, text=True, check=True,
    )  # fmt: skip
    after = cpu_seconds(server_pid)
    result = json.loads(finished.stdout)
    if result["failures"]:
        raise RuntimeError(result["failures"][0])
    count = result["requests"]
    cpu_ms = None if before is None or after is None else (after - before) * 1000 / count
    return count / result["seconds"], cpu_ms


ENDPOINTS = ("trivial", "one query", "search")


def http_rates(data_dir: Path, centres, args) -> dict[str, list[tuple]]:
    """(requests a second, server CPU ms a request) of each endpoint in each round (rounds
    alternate the order)."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(data_dir), str(port), str(args.threads)], cwd=ROOT
    )
    paths = {
        "trivial": ["/bench/ping"],
        "one query": ["/bench/one-query"],
        "search": [
            f"/api/v1/search?postcode={pc.replace(' ', '+')}&radius_km=10" for pc, _, _ in centres
        ],
    }
    rates: dict[str, list[tuple]] = {name: [] for name in ENDPOINTS}
    try:
        wait_for(port)
        load(server.pid, port, paths["search"], 2, args.clients)  # warm up
        for round_number in range(args.rounds):
            order = ENDPOINTS if round_number % 2 == 0 else ENDPOINTS[::-1]
            for name in order:
                rates[name].append(load(server.pid, port, paths[name], args.seconds, args.clients))
    finally:
        server.terminate()
        server.wait(timeout=10)
    return rates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=100_000, help="sample practices")
    parser.add_argument("--searches", type=int, default=500, help="in-process searches a radius")
    parser.add_argument("--naive", type=int, default=30, help="full scans a radius (slow)")
    parser.add_argument("--rounds", type=int, default=5, help="HTTP rounds of every endpoint")
    parser.add_argument("--seconds", type=float, default=3, help="HTTP seconds an endpoint a round")
    parser.add_argument("--clients", type=int, default=4, help="concurrent HTTP connections")
    parser.add_argument("--threads", type=int, default=8, help="waitress worker threads")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="finder-bench-") as tmp:
        data_dir, table, database, loaded = sample_directory(Path(tmp), args.size)
        print(
            f"Sample directory: {loaded.practices:,} practices, {loaded.practitioners:,} "
            f"practitioners, loaded in {loaded.seconds:.1f} s",
            flush=True,
        )
        centres = random_postcodes(table, args.searches, seed=2)
        rows = in_process(database, centres, centres[: args.naive])
        reread, reading = reread_seconds(database)
        sifted, confirmed_ms = filtered(database, centres), reread_confirmed_ms(database)
        database.close()
        rates = http_rates(data_dir, centres, args)

    print(
        f"\nIn-process search at {args.size:,} practices, page 1 of 20, from "
        f"{len(centres)} random postcodes ({args.naive} for the full scan):"
    )
    print(
        f"{'radius':>8} {'median ms':>10} {'p99 ms':>8} {'mean ms':>8} {'scan median':>12}"
        f" {'scan p99':>9} {'speed-up':>9}"
    )
    for radius, median, high, mean, scan_median, scan_high in rows:
        print(
            f"{radius:>5} km {median:>10.2f} {high:>8.2f} {mean:>8.2f} {scan_median:>12.1f} "
            f"{scan_high:>9.1f} {scan_median / median:>8.0f}x"
        )
    print(
        f"Re-reading the points after a change (the first search after it pays this): "
        f"{reread * 1000:.0f} ms, of which SQLite {reading * 1000:.0f} ms"
    )
    print("\nFiltered searches at 10 km, page 1 of 20 (medians; unfiltered in the same loop):")
    for name, median, plain, kept in sifted:
        print(
            f"  {name:<26} {median:6.2f} ms   unfiltered {plain:6.2f} ms   "
            f"ratio {median / plain:4.2f}   results kept {kept:.0%}"
        )
    print(
        f"Re-reading the confirmation times after a check (the next 'registered only' search "
        f"pays this): {confirmed_ms:.0f} ms"
    )
    print(
        f"\nHTTP under waitress ({args.threads} threads) on 127.0.0.1, {args.clients} "
        f"keep-alive clients in another process, {args.rounds} rounds of {args.seconds:g} s, "
        f"medians:"
    )
    speed = {name: statistics.median(r for r, _ in values) for name, values in rates.items()}
    cost = {
        name: statistics.median(c for _, c in values) if values[0][1] is not None else None
        for name, values in rates.items()
    }
    for name, path in (
        ("trivial", "GET /bench/ping (trivial)"),
        ("one query", "GET /bench/one-query (select 1)"),
        ("search", "GET /api/v1/search (10 km)"),
    ):
        cpu = f"{cost[name]:6.2f} ms" if cost[name] is not None else "   n/a"
        print(
            f"  {path:34} {speed[name]:6.0f} req/s  {speed[name] / speed['trivial']:5.2f}"
            f" of trivial   server CPU {cpu} a request"
            f"   (rounds: {', '.join(f'{r:.0f}' for r, _ in rates[name])})"
        )
    per_round = [s[0] / t[0] for s, t in zip(rates["search"], rates["trivial"], strict=True)]
    print(f"  search / trivial, median of the rounds' ratios: {statistics.median(per_round):.2f}")
    # Two views of "search throughput at least half the trivial endpoint's": requests a second
    # (which a client can cap), and the server's capacity, the inverse of its CPU a request.
    ratios = [speed["search"] / speed["trivial"]]
    if cost["search"]:
        capacity = cost["trivial"] / cost["search"]
        ratios.append(capacity)
        print(f"  capacity (trivial CPU / search CPU a request): {capacity:.2f}")
    ten = next(row for row in rows if row[0] == 10)
    half = min(ratios) >= 0.5
    print(
        f"\nTargets: 10 km median <= 2 ms: {'met' if ten[1] <= 2 else 'NOT met'}; "
        f"search >= half the trivial rate and capacity: {'met' if half else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
