"""Refresh benchmarks: CPU per results page, and how many requests a full UK refresh needs.

    .venv/bin/python bench/refresh.py [--postcodes PATH]

1. CPU time per results page (fetch from the fake registers on 127.0.0.1 with no politeness
   delay + parse + geocode + upsert in one transaction), beside the baseline of parsing the
   same page alone.
2. The pages and requests a full UK refresh needs under the planned search centres, with
   practices spread like postcodes (a district's practices at its centre), and the time that
   takes at FINDER_REQUEST_INTERVAL = 2 s a request.

The postcode table is $FINDER_DATA_DIR/postcodes.db, or --postcodes PATH.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, cpu_note, per_call_seconds

sys.path.insert(0, str(ROOT / "tests"))

from fakeregister import fake_register  # noqa: E402
from refresh_world import leeds_world, run_refresh  # noqa: E402

from finder import config, db, vocabulary  # noqa: E402
from finder.places import postcodes  # noqa: E402
from finder.refresh import centres  # noqa: E402
from finder.search import spatial  # noqa: E402
from scrapers import gcc, gosc  # noqa: E402

INTERVAL = 2.0
# Register sizes (registers.md) and assumptions for what a walk sees [estimates]:
OSTEOPATHS = 5_500
GOSC_PRACTICES = 4_500  # osteopaths often share a practice
GOSC_PAGE_SIZE = 10  # [unknown] on the real site
CHIROPRACTORS = 3_500
GCC_PAGE_SIZE = gcc.PAGE_SIZE
PHYSIOTHERAPISTS = 61_000  # if every HCPC physiotherapist were in the directory


def bench_pages(table_path: Path) -> None:
    table = postcodes.PostcodeTable(table_path)
    runs = []
    for _ in range(3):
        with tempfile.TemporaryDirectory() as folder, leeds_world(table) as fake:
            data_dir = Path(folder)
            db.postcodes_db_path(data_dir).symlink_to(table_path.resolve())
            cpu, wall = time.process_time(), time.perf_counter()
            summary = run_refresh(data_dir, fake, table)
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            pages = sum(r["pages"] for r in summary["registers"].values())
            requests = len(fake.requests)
            runs.append((cpu / pages, wall / pages, pages, requests))
            sample = {
                "gosc": fake.requests_for("gosc")[0],
                "gcc": fake.requests_for("gcc")[0],
            }
            texts = _page_texts(fake, sample)
    cpu_page = statistics.median(r[0] for r in runs)
    wall_page = statistics.median(r[1] for r in runs)
    parse = statistics.median(
        per_call_seconds(lambda text=text, parse=parse, url=url: parse(text, url), 50)
        for parse, url, text in texts
    )
    _, _, pages, requests = runs[0]
    print(
        f"results page, parse + geocode + upsert (+ fetch from the local fake, no delay): "
        f"{cpu_page * 1000:.1f} ms CPU, {wall_page * 1000:.1f} ms wall per page "
        f"({pages} pages, {requests} requests incl. GOsC registrant pages; median of 3 runs; "
        "the fake registers run in this process, so their page rendering is counted too)"
    )
    print(
        f"baseline, parsing one full page alone: {parse * 1000:.1f} ms "
        f"(ratio {cpu_page / parse:.1f}x); the 2 s politeness interval is "
        f"{INTERVAL / cpu_page:,.0f}x the CPU a page costs"
    )
    table.close()


def _page_texts(fake, sample) -> list:
    import requests

    texts = []
    for register, parse in (("gosc", gosc.parse_practices), ("gcc", gcc.parse_results)):
        first = sample[register]
        url = fake.base_url(register) + first.path
        text = requests.get(url, params=first.query, timeout=10).text
        texts.append((parse, url, text))
    return texts


def bench_uk_walk(table_path: Path) -> None:
    table = postcodes.PostcodeTable(table_path)
    rows = table.db.execute(
        "select outcode, latitude, longitude, postcodes from outcodes where latitude is not null"
    ).fetchall()
    districts = {r[0]: r for r in rows if r[0] in {d[0] for d in centres.districts(table)}}
    weight = sum(r[3] for r in districts.values())
    print(f"search centres from {len(districts):,} postcode districts ({cpu_note()}):")
    total_requests = 0
    for register, practices, page_size, extra in (
        ("gosc", GOSC_PRACTICES, GOSC_PAGE_SIZE, OSTEOPATHS),
        ("gcc", CHIROPRACTORS, GCC_PAGE_SIZE, 0),
    ):
        started = time.perf_counter()
        plan = centres.plan_for(table, register)
        planned = time.perf_counter() - started
        radius_km = centres.RADIUS_MILES[register] * vocabulary.KM_PER_MILE
        pages = 0
        sightings = 0.0
        for centre in plan:
            near = sum(
                r[3]
                for r in districts.values()
                if spatial.distance_km(centre.latitude, centre.longitude, r[1], r[2]) <= radius_km
            )
            found = practices * near / weight
            sightings += found
            # Every page of results, plus GOsC's empty page that says "no more".
            pages += math.ceil(found / page_size) + (1 if register == "gosc" else 0)
        requests = pages + extra
        total_requests += requests
        extra_note = f" + {extra:,} registrant pages (first run only)" if extra else ""
        print(
            f"  {register}: {len(plan):,} centres (radius {centres.RADIUS_MILES[register]} miles, "
            f"planned in {planned * 1000:.0f} ms), {pages:,} result pages{extra_note}; each "
            f"practice seen {sightings / practices:.1f} times; {requests:,} requests = "
            f"{_hours(requests)} at {INTERVAL:g} s"
        )
    print(
        f"  hcpc: one check per physiotherapist in the directory: "
        f"{PHYSIOTHERAPISTS:,} = {_hours(PHYSIOTHERAPISTS)} at {INTERVAL:g} s (registers run "
        "one after another; a GOsC/GCC-only refresh: "
        f"{_hours(total_requests)})"
    )
    table.close()


def _hours(requests: int) -> str:
    return f"{requests * INTERVAL / 3600:.1f} h"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postcodes", type=Path, help="a built postcode table")
    args = parser.parse_args()
    path = args.postcodes or db.postcodes_db_path(config.from_environment()["DATA_DIR"])
    if not path.exists():
        sys.exit(f"No postcode table at {path}: run `finder postcodes build` or pass --postcodes")
    bench_uk_walk(path)
    bench_pages(path)


if __name__ == "__main__":
    with fake_register():  # start-up cost paid once, outside the timings
        pass
    main()
