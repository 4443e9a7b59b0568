"""Benchmark: search at 100,000 practices, against baselines measured in the same run.

1. In-process: search_near() median and p99 for 5, 10 and 25 km searches from random real
   postcodes, beside a naive full scan (every practice, exact distance, sort) of the same
   searches.
2. HTTP: requests a second for GET /api/v1/search under waitress on 127.0.0.1, beside a trivial
   endpoint of the same app served by the same server in the same run.

    .venv/bin/python bench/search.py            # about a minute and a half
    .venv/bin/python bench/search.py --size 20000 --seconds 3

The postcode table is $FINDER_DATA_DIR/postcodes.db when it exists, else built into the temp
folder (about 30 s). Everything else lives in a temp folder that is removed at the end.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from finder import db, demo, postcodes, search  # noqa: E402
from finder.config import default_data_dir  # noqa: E402
from finder.errors import FinderError  # noqa: E402

RADII_KM = (5, 10, 25)


def postcode_table(work: Path) -> Path:
    shared = Path(os.environ.get("FINDER_DATA_DIR") or default_data_dir()) / "postcodes.db"
    if shared.exists():
        return shared
    print("Building the postcode table (about 30 s)...", flush=True)
    return postcodes.build(work / "postcodes.db").path


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
    """The baseline: every practice, the exact distance for each, then sort and count."""
    hits = []
    for pid, plat, plon in database.execute(
        "select id, latitude, longitude from practices where retired_at is null "
        "and latitude is not null"
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
            assert (page.total, [(h.distance_km, h.practice.id) for h in page.hits]) == (
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


SERVER = """
import sys, waitress
from finder import create_app
app = create_app({"DATA_DIR": sys.argv[1]})
app.add_url_rule("/bench/ping", "bench_ping", lambda: "ok")  # the trivial endpoint
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


def requests_per_second(port: int, paths: list[str], seconds: float, clients: int) -> float:
    """Bounded client loop: `clients` keep-alive connections for `seconds`; 200s only."""
    done = [0] * clients
    stop = time.monotonic() + seconds

    def worker(index: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        rng = random.Random(index)
        while time.monotonic() < stop:
            conn.request("GET", rng.choice(paths))
            response = conn.getresponse()
            body = response.read()
            if response.status != 200:
                raise RuntimeError(f"HTTP {response.status}: {body[:300]!r}")
            done[index] += 1
        conn.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done) / (time.monotonic() - started)


def http_rates(data_dir: Path, centres, seconds: float, clients: int, threads: int):
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(data_dir), str(port), str(threads)], cwd=ROOT
    )
    try:
        wait_for(port)
        search_paths = [
            f"/api/v1/search?postcode={pc.replace(' ', '+')}&radius_km=10" for pc, _, _ in centres
        ]
        requests_per_second(port, search_paths[:50], 1, clients)  # warm up
        trivial = requests_per_second(port, ["/bench/ping"], seconds, clients)
        searching = requests_per_second(port, search_paths, seconds, clients)
    finally:
        server.terminate()
        server.wait(timeout=10)
    return searching, trivial


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=100_000, help="sample practices")
    parser.add_argument("--searches", type=int, default=500, help="in-process searches a radius")
    parser.add_argument("--naive", type=int, default=30, help="full scans a radius (slow)")
    parser.add_argument("--seconds", type=float, default=5, help="HTTP seconds per endpoint")
    parser.add_argument("--clients", type=int, default=4, help="concurrent HTTP connections")
    parser.add_argument("--threads", type=int, default=8, help="waitress worker threads")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="finder-bench-") as tmp:
        work = Path(tmp)
        table = postcode_table(work)
        data_dir = work / "data"
        data_dir.mkdir()
        if table.parent != data_dir:
            db.postcodes_db_path(data_dir).symlink_to(table)
        database = db.open_main(data_dir)
        loaded = demo.load_sample(database, table, args.size, seed=1)
        print(
            f"Sample directory: {loaded.practices:,} practices, {loaded.practitioners:,} "
            f"practitioners, loaded in {loaded.seconds:.1f} s",
            flush=True,
        )
        centres = random_postcodes(table, args.searches, seed=2)
        rows = in_process(database, centres, centres[: args.naive])
        database.close()
        searching, trivial = http_rates(data_dir, centres, args.seconds, args.clients, args.threads)

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
        f"\nHTTP under waitress ({args.threads} threads) on 127.0.0.1, {args.clients} "
        f"keep-alive clients, {args.seconds:g} s each:"
    )
    print(f"  GET /api/v1/search (10 km)  {searching:8.0f} req/s")
    print(f"  GET /bench/ping (trivial)   {trivial:8.0f} req/s")
    print(f"  search / trivial            {searching / trivial:8.2f}")
    ten = next(row for row in rows if row[0] == 10)
    print(
        f"\nTargets: 10 km median <= 2 ms: {'met' if ten[1] <= 2 else 'NOT met'}; "
        f"search >= half the trivial rate: {'met' if searching >= trivial / 2 else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
