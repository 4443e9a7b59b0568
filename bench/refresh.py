"""Refresh benchmarks: requests per register entry, whole-register walk against search centres,
CPU per results page, and how long a full UK refresh takes.

    .venv/bin/python bench/refresh.py [--postcodes PATH]

1. Requests for a full refresh of GOsC and GCC against the fake registers (600 osteopath
   practices and 400 chiropractors at postcodes spread over the table), counted from the
   fake's request log, per register entry found: walking the whole register, beside walking
   the search centres (the fallback) over the same table; and the pages needed to see each
   entry once.
2. Whether the search centres reach every postcode within the search radius, with and
   without the postcodes the district centres left out.
3. The requests a full UK refresh needs, each way, and the time that takes at
   FINDER_REQUEST_INTERVAL = 2 s a request.
4. CPU time per results page (fetch from the fake registers on 127.0.0.1 with no politeness
   delay + parse + geocode + upsert in one transaction), beside the baseline of parsing the
   same page alone.

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
from refresh_world import clients_for, leeds_world, locator, populate_uk, run_refresh  # noqa: E402

from finder import config, db, refresh, vocabulary  # noqa: E402
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
FAKE_PRACTICES, FAKE_CHIROPRACTORS = 600, 400


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


def bench_requests(table_path: Path) -> None:
    table = postcodes.PostcodeTable(table_path)
    print(f"full refresh against the fake registers, {FAKE_PRACTICES} GOsC practices and "
          f"{FAKE_CHIROPRACTORS} chiropractors spread over the postcode table:")  # fmt: skip
    for whole in (True, False):
        with tempfile.TemporaryDirectory() as folder, fake_register(locate=locator(table)) as fake:
            populate_uk(fake, table, FAKE_PRACTICES, FAKE_CHIROPRACTORS)
            data_dir = Path(folder)
            db.postcodes_db_path(data_dir).symlink_to(table_path.resolve())
            options = refresh.Options(
                clients=clients_for(fake), postcodes=table, whole_register=whole
            )
            try:
                summary = refresh.refresh(db.main_db_path(data_dir), ["gosc", "gcc"], options)
            finally:
                options.clients.close()
            for register, entries in (("gosc", len(fake.gosc)), ("gcc", len(fake.gcc))):
                asked = len(fake.requests_for(register, include_robots=True))
                report = summary["registers"][register]
                found = report["practitioners"]["added"]
                listed = FAKE_PRACTICES if register == "gosc" else FAKE_CHIROPRACTORS
                kind = "osteopaths" if register == "gosc" else "chiropractors"
                needed = math.ceil(listed / 10) + 1 + (entries if register == "gosc" else 0)
                print(
                    f"  {register} {'whole register' if whole else 'search centres'}: "
                    f"{found:,} of {entries:,} {kind} "
                    f"found, {asked:,} requests ({report['pages']:,} list pages) = "
                    f"{asked / max(found, 1):.2f} a register entry; pages needed to see each "
                    f"once: {needed:,} + robots.txt ({asked / (needed + 1):.2f}x)"
                )
    table.close()


def bench_coverage(table_path: Path) -> None:
    table = postcodes.PostcodeTable(table_path)
    points = centres.located_postcodes(table)
    print(f"search centres over {len(points):,} postcodes:")
    for register in ("gosc", "gcc"):
        radius_km = centres.RADIUS_MILES[register] * vocabulary.KM_PER_MILE
        districts_only = centres.plan(
            centres.districts(table), centres.spacing_km(centres.RADIUS_MILES[register])
        )
        started = time.perf_counter()
        plan = centres.plan_for(table, register)
        planned = time.perf_counter() - started
        before = centres.uncovered(districts_only, points, radius_km)
        after = centres.uncovered(plan, points, radius_km)
        print(
            f"  {register} (radius {centres.RADIUS_MILES[register]} miles): district centres "
            f"alone {len(districts_only):,}, leaving {len(before):,} postcodes outside every "
            f"circle; with postcode centres {len(plan):,}, leaving {len(after):,} "
            f"(planned in {planned:.1f} s)"
        )
    table.close()


def bench_uk_walk(table_path: Path) -> None:
    table = postcodes.PostcodeTable(table_path)
    rows = table.db.execute(
        "select outcode, latitude, longitude, postcodes from outcodes where latitude is not null"
    ).fetchall()
    districts = {r[0]: r for r in rows if r[0] in {d[0] for d in centres.districts(table)}}
    weight = sum(r[3] for r in districts.values())
    print(f"a full UK refresh, estimated ({cpu_note()}):")
    total = {"whole": 0, "centres": 0}
    for register, practices, page_size, entries in (
        ("gosc", GOSC_PRACTICES, GOSC_PAGE_SIZE, OSTEOPATHS),
        ("gcc", CHIROPRACTORS, GCC_PAGE_SIZE, CHIROPRACTORS),
    ):
        plan = centres.plan_for(table, register)
        radius_km = centres.RADIUS_MILES[register] * vocabulary.KM_PER_MILE
        pages = 0
        for centre in plan:
            near = sum(
                r[3]
                for r in districts.values()
                if spatial.distance_km(centre.latitude, centre.longitude, r[1], r[2]) <= radius_km
            )
            # Every page of results, or the one that says there are none.
            pages += max(math.ceil(practices * near / weight / page_size), 1)
        registrants = OSTEOPATHS if register == "gosc" else 0  # each read once a refresh
        whole = math.ceil(practices / page_size) + 1 + registrants
        by_centres = pages + registrants
        total["whole"] += whole
        total["centres"] += by_centres
        print(
            f"  {register}: whole register {whole:,} requests "
            f"({whole / entries:.2f} an entry) = {_hours(whole)}; search centres "
            f"({len(plan):,}) {by_centres:,} requests ({by_centres / entries:.2f} an entry) "
            f"= {_hours(by_centres)}"
            + (f"; both include {registrants:,} registrant pages" if registrants else "")
        )
    print(
        f"  GOsC and GCC: {_hours(total['whole'])} walking whole registers, "
        f"{_hours(total['centres'])} by search centres, at {INTERVAL:g} s a request; "
        f"hcpc: one check per physiotherapist in the directory, {PHYSIOTHERAPISTS:,} = "
        f"{_hours(PHYSIOTHERAPISTS)}"
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
    bench_requests(path)
    bench_coverage(path)
    bench_uk_walk(path)
    bench_pages(path)


if __name__ == "__main__":
    with fake_register():  # start-up cost paid once, outside the timings
        pass
    main()
