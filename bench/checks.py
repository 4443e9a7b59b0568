"""Benchmark: searches during a burst of registration checks, beside the same searches when quiet.

The service under waitress (8 threads, as `finder serve` runs it) in a process of its own, a
fake HCPC register on 127.0.0.1 answering at once but asked politely (FINDER_REQUEST_INTERVAL
apart), and a sample directory. First searches alone (the baseline), then the same searches
started while `--checks` public checks of numbers nobody has checked arrive together. It
reports both medians and their ratio, and what each check got (200, 202 or 503) and the
longest any check waited, against FINDER_CHECK_WAIT.

    .venv/bin/python bench/checks.py              # about a minute
    .venv/bin/python bench/checks.py --checks 64 --interval 1

The postcode table is $FINDER_DATA_DIR/postcodes.db when it exists, else built into the temp
folder (about 30 s). Everything else lives in a temp folder that is removed at the end.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import requests
from common import ROOT, ServedApp, cpu_note
from search import random_postcodes, sample_directory

sys.path.insert(0, str(ROOT / "tests"))
from fakeregister import fake_register  # noqa: E402


def search_times(url: str, postcodes: list[str]) -> list[float]:
    """Seconds each search took, one after another on one connection."""
    times = []
    with requests.Session() as session:
        for postcode in postcodes:
            started = time.perf_counter()
            response = session.get(f"{url}/api/v1/search", params={"postcode": postcode})
            times.append(time.perf_counter() - started)
            if response.status_code != 200:
                raise RuntimeError(f"search {postcode}: HTTP {response.status_code}")
    return times


def burst(url: str, numbers: list[str], results: list) -> None:
    """All the checks at once, one thread each; (status, seconds) of each into `results`."""
    gate = threading.Barrier(len(numbers))

    def one(number: str) -> None:
        gate.wait()
        started = time.perf_counter()
        response = requests.get(f"{url}/api/v1/registrations/hcpc/{number}", timeout=60)
        results.append((response.status_code, time.perf_counter() - started))

    threads = [threading.Thread(target=one, args=(n,)) for n in numbers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=5000, help="sample practices")
    parser.add_argument("--checks", type=int, default=32, help="checks arriving together")
    parser.add_argument("--searches", type=int, default=40, help="searches in each phase")
    parser.add_argument("--interval", type=float, default=0.5, help="seconds between requests")
    parser.add_argument("--wait", type=float, default=3.0, help="FINDER_CHECK_WAIT")
    parser.add_argument("--queue", type=int, default=16, help="FINDER_CHECK_QUEUE_SIZE")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch, fake_register() as fake:
        data_dir, table, database, _ = sample_directory(Path(scratch), args.size)
        database.close()
        numbers = [f"PH{700000 + i}" for i in range(args.checks)]
        for number in numbers:
            fake.add_hcpc(number, "Sample Person")
        postcodes = [row[0] for row in random_postcodes(table, args.searches, seed=7)]
        config = {
            "DATA_DIR": str(data_dir),
            "SECRET_KEY": "bench",
            "HCPC_URL": fake.base_url("hcpc"),
            "GOSC_URL": fake.base_url("gosc"),
            "GCC_URL": fake.base_url("gcc"),
            "REQUEST_INTERVAL": args.interval,
            "CHECK_WAIT": args.wait,
            "CHECK_QUEUE_SIZE": args.queue,
            "PUBLIC_RATE_LIMIT": 0,
            "CONTACT": "bench <bench@finder.example>",
        }
        with ServedApp(config, threads=8) as served:
            search_times(served.url, postcodes[:5])  # warm: the points, the connections
            quiet = search_times(served.url, postcodes)
            checks: list[tuple[int, float]] = []
            checking = threading.Thread(target=burst, args=(served.url, numbers, checks))
            checking.start()
            time.sleep(0.05)  # the checks are in; the searches start among them
            during = search_times(served.url, postcodes)
            checking.join()

    quiet_ms, during_ms = statistics.median(quiet) * 1000, statistics.median(during) * 1000
    statuses = Counter(status for status, _ in checks)
    longest = max(seconds for _, seconds in checks)
    print(f"{cpu_note()}; {args.size:,} practices; register asked {args.interval} s apart")
    print(f"Searches, median of {len(postcodes)}:")
    print(f"  quiet                          {quiet_ms:7.1f} ms")
    print(f"  during {args.checks} checks at once      {during_ms:7.1f} ms")
    print(f"  during / quiet                 {during_ms / quiet_ms:7.2f}   (target <= 2)")
    shown = ", ".join(f"{status}: {count}" for status, count in sorted(statuses.items()))
    print(f"Checks: {shown}; longest wait {longest:.2f} s (FINDER_CHECK_WAIT {args.wait} s)")
    ok = set(statuses) <= {200, 202, 503} and longest <= args.wait + 1.0
    print("Every check answered 200, 202 or 503 within the wait:", "yes" if ok else "NO")
    return 0


if __name__ == "__main__":
    sys.exit(main())
