"""Page benchmark: what each patient-facing page costs the app, beside a trivial endpoint.

Calls the WSGI app directly (no server, no network), so the figures are the app's own work:
the search results page (20 results from random real postcodes), the practice page, the home
page and the postcode API, each the median of many calls, next to an endpoint that answers
"ok" measured in the same run. The results page is also put beside the API's search for the
same postcodes and distance (10 miles, 16.09 km): the target is at most 2x (#17). The
headline is each place asked once (a page made from nothing: no place is asked twice, so no
cache of anything a query brings can help it); beside it, the same places asked over and over.

    .venv/bin/python bench/pages.py                  # about a minute
    .venv/bin/python bench/pages.py --size 100000    # the size the 2x target is set at

The postcode table is $FINDER_DATA_DIR/postcodes.db when it exists, else built into the temp
folder (about 30 s). The sample directory lives in a temp folder removed at the end.
"""

from __future__ import annotations

import argparse
import io
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

from common import cpu_note
from search import random_postcodes, sample_directory

from finder import create_app  # noqa: E402


def wsgi_get(app, path: str) -> bytes:
    """One GET through the whole app, as a server would make it; fails on anything but 200."""
    route, _, query = path.partition("?")
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": route,
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "5000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "127.0.0.1:5000",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    status = []
    body = app(environ, lambda code, headers, exc_info=None: status.append(code))
    try:
        data = b"".join(body)
    finally:
        getattr(body, "close", lambda: None)()
    if not status[0].startswith("200"):
        raise RuntimeError(f"{path}: {status[0]}")
    return data


def median_ms(app, paths: list[str], calls: int) -> float:
    times = []
    for i in range(calls):
        started = time.perf_counter()
        wsgi_get(app, paths[i % len(paths)])
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=20_000, help="sample practices")
    parser.add_argument("--calls", type=int, default=400, help="calls of each page a round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds (medians are reported)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="finder-bench-") as tmp:
        data_dir, table, database, loaded = sample_directory(Path(tmp), args.size)
        database.close()
        app = create_app({"DATA_DIR": str(data_dir)})
        app.add_url_rule("/bench/ping", "bench_ping", lambda: "ok")

        places = [pc.replace(" ", "+") for pc, _, _ in random_postcodes(table, 200, seed=2)]
        # Places asked once each, for the headline ratio (none of the 200 above).
        once = [pc.replace(" ", "+") for pc, _, _ in random_postcodes(table, 4000, seed=3)]
        once = [pc for pc in once if pc not in set(places)][: args.calls * args.rounds]
        results = [f"/search?postcode={pc}&miles=10" for pc in places]
        practices = []
        for path in results[:40]:  # the links a person would follow from those results
            links = re.findall(r'href="(/practices/\d+[^"]*)"', wsgi_get(app, path).decode())
            practices += [link.replace("&amp;", "&") for link in links[:2]]
        pages = {
            "trivial endpoint (baseline)": ["/bench/ping"],
            "home page": ["/"],
            "search results page (20 results)": results,
            "practice page": practices,
            "postcode API": [f"/api/v1/postcodes/{pc.replace('+', '')}" for pc in places],
            "search API (20 results)": [
                f"/api/v1/search?postcode={pc}&radius_km=16.09" for pc in places
            ],
        }
        for paths in pages.values():  # warm every handle and cache first
            median_ms(app, paths, max(50, len(paths)))
        rounds = {name: [] for name in pages}
        for _ in range(args.rounds):
            for name, paths in pages.items():
                rounds[name].append(median_ms(app, paths, args.calls))
        searches = pages["search API (20 results)"]
        ratios = {
            f"each of {len(once):,} places asked once": page_against_api(
                app,
                [f"/search?postcode={pc}&miles=10" for pc in once],
                [f"/api/v1/search?postcode={pc}&radius_km=16.09" for pc in once],
            ),
            "the same 200 places again": page_against_api(
                app, results, searches, args.calls * args.rounds
            ),
        }

    print(
        f"Pages through the WSGI app, no server ({cpu_note()}); sample directory of "
        f"{loaded.practices:,} practices; median of {args.calls} calls a round, median of "
        f"{args.rounds} rounds:"
    )
    baseline = statistics.median(rounds["trivial endpoint (baseline)"])
    for name, values in rounds.items():
        ms = statistics.median(values)
        print(
            f"  {name:34} {ms:7.2f} ms  {ms / baseline:5.1f}x trivial  ({1000 / ms:6.0f} a second)"
        )
    print(
        "The results page beside the API's search for the same query, called in turn so both "
        "see the same load (medians; the median of each pair's ratio, target at most 2; the "
        "first line is the headline):"
    )
    for name, (page, search, ratio) in ratios.items():
        print(f"  {name:34} {page:7.2f} ms against {search:5.2f} ms: {ratio:.2f}x")


def page_against_api(app, pages: list[str], searches: list[str], calls: int | None = None):
    """(page median ms, API median ms, median ratio): the two called in turn, query by query;
    `calls` pairs, going round the lists (each query once when None)."""
    page_times, api_times = [], []
    for i in range(calls or len(pages)):
        pair = [(pages[i % len(pages)], page_times), (searches[i % len(searches)], api_times)]
        # Each goes first in half the pairs: the first to ask for a place reads it from disk.
        for path, times in pair if i % 2 else reversed(pair):
            started = time.perf_counter()
            wsgi_get(app, path)
            times.append(time.perf_counter() - started)
    page, search = statistics.median(page_times) * 1000, statistics.median(api_times) * 1000
    # The median of each pair's ratio: a pair runs within a few ms, under the same load.
    ratio = statistics.median(p / a for p, a in zip(page_times, api_times, strict=True))
    return page, search, ratio


if __name__ == "__main__":
    main()
