"""Registration check benchmarks: 10,000 cached checks through the library and the bulk API,
beside a plain SQLite primary-key read loop over the same rows; parse time per register page.

    .venv/bin/python bench/registrations.py [--rows 10000] [--repeats 5]

Every figure is the median of --repeats runs. Nothing here touches the network: the cache is
filled directly, and the register clients raise if anything tries to fetch.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bs4 import BeautifulSoup
from common import ROOT, cpu_note

from finder import create_app, db, registrations, vocabulary  # noqa: E402
from finder.registrations import apikeys  # noqa: E402
from finder.web.auth import CLIENTS_KEY  # noqa: E402
from scrapers import gcc, gosc, hcpc  # noqa: E402

NOW = datetime.now(UTC)
PAGES = [  # (label, parser, saved page)
    ("hcpc detail", hcpc.parse_detail, "hcpc_registered.html"),
    ("gosc registrant", gosc.parse_registrant, "gosc_registrant.html"),
    ("gosc practice list", gosc.parse_practices, "gosc_practices_p1.html"),
    ("gcc results", gcc.parse_results, "gcc_postcode_p0.html"),
]


class NoFetching:
    """Register clients that refuse: a cached benchmark must never reach a register."""

    def lookup(self, register: str, number: str):
        raise AssertionError(f"benchmark tried to fetch {register} {number}")


def fill_cache(data_dir: Path, count: int) -> list[dict]:
    """`count` made-up current registrations, and the bulk rows that ask for them."""
    database = db.open_main(data_dir)
    checked_at = NOW.isoformat(timespec="seconds")
    cached, rows = [], []
    for i in range(count):
        register = vocabulary.REGISTERS[i % 3]
        number = {"hcpc": f"PH{100000 + i}", "gosc": str(10000 + i), "gcc": f"{i:05d}"}[register]
        name = f"Person{i} Example"
        cached.append(
            {
                "register": register,
                "registration_number": number,
                "outcome": "registered",
                "status_raw": "Registered",
                "name_on_register": name,
                "profession": vocabulary.PROFESSION_OF_REGISTER[register],
                "checked_at": checked_at,
                "source_url": f"https://register.example/{number}",
                "evidence_sha256": "0" * 64,
                "changed": 0,
            }
        )
        given = "Dr P. Example" if i % 2 else name  # half need fuzzy matching
        rows.append(
            {"policy": f"P{i}", "register": register, "registration_number": number, "name": given}
        )
    with database.conn:
        database["registrations"].insert_all(cached, pk=("register", "registration_number"))
    database.close()
    return rows


def timed(fn, repeats: int) -> float:
    runs = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - started)
    return statistics.median(runs)


def bench_cached(data_dir: Path, rows: list[dict], repeats: int) -> None:
    path = db.main_db_path(data_dir)
    keys = [(r["register"], r["registration_number"]) for r in rows]

    def pk_loop() -> None:
        connection = sqlite3.connect(path)
        for key in keys:
            connection.execute(
                "select * from registrations where register = ? and registration_number = ?", key
            ).fetchone()
        connection.close()

    def library() -> None:
        results = registrations.check_many(path, rows, clients=NoFetching())
        assert len(results) == len(rows) and not any(r["stale"] for r in results)

    database = db.connect(path)

    def single_checks() -> None:
        for row in rows:
            registrations.check(
                database, row["register"], row["registration_number"], row["name"],
                clients=NoFetching(),
            )  # fmt: skip

    app = create_app({"DATA_DIR": str(data_dir), "SECRET_KEY": "bench", "TESTING": True})
    app.extensions[CLIENTS_KEY] = NoFetching()
    with app.app_context():
        key = apikeys.create(db.connect(path), f"bench-{time.time_ns()}")
    client = app.test_client()
    headers = {"Authorization": f"Bearer {key}"}
    csv_body = registrations.write_csv(rows).encode()

    def api_json() -> None:
        response = client.post("/api/v1/registrations/bulk", json=rows, headers=headers)
        assert response.status_code == 200, response.get_data(as_text=True)[:300]

    def api_csv() -> None:
        response = client.post(
            "/api/v1/registrations/bulk",
            data=csv_body,
            headers={**headers, "Content-Type": "text/csv", "Accept": "text/csv"},
        )
        assert response.status_code == 200, response.get_data(as_text=True)[:300]

    n = len(rows)
    baseline = timed(pk_loop, repeats)
    print(f"{n:,} cached rows, median of {repeats} runs ({cpu_note()}):")
    print(
        f"  {'baseline: plain SQLite primary-key read loop':<44} {baseline:6.3f} s  "
        f"{n / baseline:>9,.0f} rows/s"
    )
    for label, fn in [
        ("library check_many (batched)", library),
        ("bulk API, JSON in/out (test client)", api_json),
        ("bulk API, CSV in/out (test client)", api_csv),
        ("library check() one by one", single_checks),
    ]:
        seconds = timed(fn, repeats)
        print(
            f"  {label:<44} {seconds:6.3f} s  {n / seconds:>9,.0f} rows/s  "
            f"(ratio to baseline {seconds / baseline:.1f}x)"
        )
    database.close()


def bench_parsing(repeats: int) -> None:
    print("parse time per page (median; baseline: BeautifulSoup alone on the same page):")
    for label, parse, name in PAGES:
        text = (ROOT / "tests" / "files" / name).read_text(encoding="utf-8")
        url = "https://register.example/"
        calls = 200
        parsed = timed(lambda: [parse(text, url) for _ in range(calls)], repeats) / calls  # noqa: B023
        soup = timed(lambda: [BeautifulSoup(text, "html.parser") for _ in range(calls)], repeats)  # noqa: B023
        soup /= calls
        print(
            f"  {label:<20} {parsed * 1e3:6.2f} ms/page  (BeautifulSoup alone "
            f"{soup * 1e3:.2f} ms; ratio {parsed / soup:.1f}x; {len(text):,} bytes)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        data_dir = Path(folder)
        rows = fill_cache(data_dir, args.rows)
        bench_cached(data_dir, rows, args.repeats)
    bench_parsing(args.repeats)


if __name__ == "__main__":
    main()
