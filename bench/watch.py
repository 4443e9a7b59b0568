"""Benchmark: searches while the watchlist monitor runs, beside the same searches without it.

The service under waitress (8 threads, as `finder serve` runs it) in a process of its own,
5,000 sample practices, and the fake registers on 127.0.0.1 holding every watched number. The
monitor is `finder watch run` in another process, as an operator runs it, at its worst for the
database: request interval 0 and every registration due at every cycle, so it writes a check
(its evidence, then the entries' state) as fast as the fake registers answer. It reports the
search medians and 90th percentiles alone and during, their ratio, and how many checks the
monitor saved while the searches ran.

    .venv/bin/python bench/watch.py              # about a minute
    .venv/bin/python bench/watch.py --watched 3000 --searches 200

The postcode table is $FINDER_DATA_DIR/postcodes.db when it exists, else built into the temp
folder (about 30 s). Everything else lives in a temp folder that is removed at the end.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from checks import search_times
from common import ROOT, ServedApp, cpu_note, percentile
from search import random_postcodes, sample_directory

sys.path.insert(0, str(ROOT / "tests"))
from fakeregister import fake_register  # noqa: E402

from finder import db  # noqa: E402
from finder.watch import store  # noqa: E402


def searches_for(url: str, postcodes: list[str], seconds: float) -> list[float]:
    """Each search's time, the postcodes over and over for `seconds`."""
    times: list[float] = []
    ends = time.perf_counter() + seconds
    while time.perf_counter() < ends:
        times += search_times(url, postcodes)
    return times


def checks_saved(data_dir: Path) -> int:
    connection = db.connect(db.main_db_path(data_dir))
    try:
        return connection.execute("select count(*) from registration_checks").fetchone()[0]
    finally:
        connection.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=5000, help="sample practices")
    parser.add_argument("--watched", type=int, default=900, help="watched registrations")
    parser.add_argument("--searches", type=int, default=100, help="postcodes searched")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each phase")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch, fake_register() as fake:
        data_dir, table, database, _ = sample_directory(Path(scratch), args.size)
        third = args.watched // 3
        rows = [{"register": "hcpc", "registration_number": f"PH8{i:05d}"} for i in range(third)]
        rows += [{"register": "gosc", "registration_number": str(60000 + i)} for i in range(third)]
        rows += [{"register": "gcc", "registration_number": f"{40000 + i:05d}"}
                 for i in range(third)]  # fmt: skip
        for row in rows:
            number = row["registration_number"]
            {"hcpc": fake.add_hcpc, "gosc": fake.add_gosc, "gcc": fake.add_gcc}[row["register"]](
                number, "Sample Person"
            )
        config = {
            "DATA_DIR": str(data_dir),
            "SECRET_KEY": "bench",
            "HCPC_URL": fake.base_url("hcpc"),
            "GOSC_URL": fake.base_url("gosc"),
            "GCC_URL": fake.base_url("gcc"),
            "REQUEST_INTERVAL": 0.0,
            "WATCH_RECHECK_HOURS": 0.0,
            "PUBLIC_RATE_LIMIT": 0,
            "CONTACT": "bench <bench@finder.example>",
        }
        watchlist, _ = store.create_watchlist(database, "Bench Insurance", "Panel", None,
                                              config=config)  # fmt: skip
        store.replace_entries(database, "Bench Insurance", watchlist["id"], rows)
        database.close()
        postcodes = [row[0] for row in random_postcodes(table, args.searches, seed=7)]
        env = {**os.environ, **{f"FINDER_{k}": str(v) for k, v in config.items()}}
        finder = str(Path(sys.executable).with_name("finder"))
        with ServedApp(config, threads=8) as served:
            search_times(served.url, postcodes[:10])  # warm: the points, the connections
            quiet = searches_for(served.url, postcodes, args.seconds)
            monitor = subprocess.Popen(
                [finder, "watch", "run"], env=env, stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )  # fmt: skip
            try:
                while checks_saved(data_dir) < 20:  # the monitor is writing
                    time.sleep(0.05)
                before = checks_saved(data_dir)
                started = time.perf_counter()
                during = searches_for(served.url, postcodes, args.seconds)
                elapsed = time.perf_counter() - started
                written = checks_saved(data_dir) - before
            finally:
                monitor.send_signal(signal.SIGTERM)
                monitor.wait(timeout=60)

    quiet_ms = statistics.median(quiet) * 1000
    during_ms = statistics.median(during) * 1000
    print(f"{cpu_note()}; {args.size:,} practices; {len(rows):,} watched registrations")
    print(f"Searches for {args.seconds:g} s each:          median      p90")
    print(f"  without the monitor              {quiet_ms:7.1f} ms "
          f"{percentile(quiet, 90) * 1000:7.1f} ms")  # fmt: skip
    print(f"  while it runs                    {during_ms:7.1f} ms "
          f"{percentile(during, 90) * 1000:7.1f} ms")  # fmt: skip
    print(f"  while / without (median)         {during_ms / quiet_ms:7.2f}")
    print(f"  searches made                    {len(quiet):7,} {len(during):7,}")
    rate = written / elapsed
    print(f"Monitor: {written:,} checks saved meanwhile ({rate:.0f} a second, interval 0)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
