"""Postcode benchmarks: table build, lookups in-process and over HTTP, web process memory.

    .venv/bin/python bench/postcodes.py [--skip-build]

Uses $FINDER_DATA_DIR/postcodes.db when --skip-build is given and it exists; otherwise builds
the full table into a temporary folder (timed).
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

from common import ServedApp, cpu_note, per_call_seconds, requests_per_second

from finder import config  # noqa: E402
from finder.places import postcodes  # noqa: E402


def sample_postcodes(path: Path, n: int) -> list[str]:
    with sqlite3.connect(path) as db:
        rows = db.execute(
            "select postcode from postcodes where latitude is not null and lad like '_%' "
            "and lad not in ('L99999999', 'M99999999') order by random() limit ?",
            (n,),
        ).fetchall()
    return [r[0] for r in rows]


def bench_build(dest: Path) -> None:
    started = time.perf_counter()
    for path in postcodes.source_files():
        postcodes.read_source(path)
    read_only = time.perf_counter() - started
    result = postcodes.build(dest)
    print(
        f"build: {result.seconds:.1f} s for {result.postcodes:,} postcodes "
        f"(baseline, only reading the source files: {read_only:.1f} s; "
        f"ratio {result.seconds / read_only:.1f}x)"
    )


def bench_lookups(path: Path, sample: list[str]) -> None:
    table = postcodes.PostcodeTable(path)
    as_dict = {pc: (1.0, 2.0, "E0") for pc in sample}
    raw = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    cycle = iter(sample * 1000)
    lookup = per_call_seconds(lambda: table.lookup(next(cycle)), 2000)
    cycle = iter(sample * 1000)
    pk_read = per_call_seconds(
        lambda: raw.execute(
            "select * from postcodes where postcode = ?", (next(cycle),)
        ).fetchone(),
        2000,
    )
    cycle = iter(sample * 1000)
    dict_read = per_call_seconds(lambda: as_dict.get(next(cycle)), 2000)
    print(
        f"in-process lookup: median {lookup * 1e6:.1f} µs/lookup "
        f"({1 / lookup:,.0f}/s); baselines: bare SQLite primary-key read "
        f"{pk_read * 1e6:.1f} µs (ratio {lookup / pk_read:.1f}x), dict lookup "
        f"{dict_read * 1e6:.2f} µs"
    )


def bench_http(data_dir: Path, sample: list[str]) -> None:
    with ServedApp({"DATA_DIR": str(data_dir), "SECRET_KEY": "bench"}) as served:
        start_rss = served.rss_mb()
        runs = []
        for _ in range(3):
            lookups = requests_per_second(
                lambda i: f"{served.url}/api/v1/postcodes/{sample[i % len(sample)]}", 2000
            )
            trivial = requests_per_second(lambda i: f"{served.url}/bench/trivial", 2000)
            runs.append((lookups, trivial))
        lookups = statistics.median(r[0] for r in runs)
        trivial = statistics.median(r[1] for r in runs)
        requests_per_second(
            lambda i: f"{served.url}/api/v1/postcodes/{sample[i % len(sample)]}", 10_000
        )
        end_rss = served.rss_mb()
    print(
        f"HTTP lookups (waitress, 4 client threads): {lookups:,.0f} req/s; baseline trivial "
        f"endpoint of the same app {trivial:,.0f} req/s (ratio {lookups / trivial:.2f})"
    )
    print(
        f"web process RSS: {end_rss:.0f} MB after 16,000 lookups "
        f"(baseline, just started: {start_rss:.0f} MB)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--skip-build", action="store_true")
    args = parser.parse_args()
    print(f"# bench/postcodes.py — {time.strftime('%Y-%m-%d')}, {cpu_note()}")
    with tempfile.TemporaryDirectory() as tmp:
        existing = Path(config.from_environment()["DATA_DIR"]) / "postcodes.db"
        if args.skip_build and existing.exists():
            data_dir = existing.parent
        else:
            data_dir = Path(tmp)
            bench_build(data_dir / "postcodes.db")
        path = data_dir / "postcodes.db"
        sample = sample_postcodes(path, 1000)
        random.shuffle(sample)
        bench_lookups(path, sample)
        bench_http(data_dir, sample)


if __name__ == "__main__":
    main()
