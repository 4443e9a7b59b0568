"""`finder selfref coverage`: shares of councils and postcodes with a known answer."""

from __future__ import annotations

import csv
import datetime as dt
import json
import sqlite3
from pathlib import Path

import pytest

from finder import selfref
from finder.selfref import coverage

TODAY = dt.date(2026, 12, 7)
POSTCODES = [  # (postcode, LAD)
    ("G1 1AA", "S12000049"), ("G1 1AB", "S12000049"), ("G2 1AA", "S12000049"),  # Glasgow
    ("LS1 1AA", "E08000035"),  # Leeds
    ("BT34 1AA", "N09000010"),  # Newry: Southern Trust part
    ("BT30 1AA", "N09000010"), ("BT30 1AB", "N09000010"),  # Downpatrick: South Eastern part
]  # fmt: skip


@pytest.fixture
def small_table(tmp_path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(tmp_path / "postcodes.db")
    db.execute("create table postcodes (postcode text primary key, latitude real, "
               "longitude real, lad text)")  # fmt: skip
    db.executemany("insert into postcodes values (?, 0, 0, ?)", POSTCODES)
    return db


@pytest.fixture
def two_services(tmp_path: Path) -> selfref.answers.Dataset:
    """The committed fallbacks plus a recent Glasgow service and an old South Eastern one."""
    folder = tmp_path / "data"
    folder.mkdir()
    with open(selfref.DATA / "selfref_services.csv", newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        columns, rows = reader.fieldnames, [r for r in reader if r["kind"] == "fallback"]
    base = {**rows[0], "kind": "service", "status": "available", "evidence_quote": "Refer"}
    rows += [
        {**base, "id": "glasgow", "nation": "scotland", "source_date": "2026-06"},
        {**base, "id": "down", "nation": "northern_ireland", "source_date": "2015"},
    ]
    with open(folder / "selfref_services.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    (folder / "selfref_coverage.csv").write_text(
        "service_id,lad_code,partial,nhs_area\n"
        "glasgow,S12000049,no,NHS Greater Glasgow and Clyde\n"
        "down,N09000010,yes,South Eastern Health and Social Care Trust\n",
        encoding="utf-8",
    )
    return selfref.answers.Dataset.load(folder)


def test_coverage_counts_councils_and_postcodes_with_the_age_of_their_sources(
    small_table, two_services
):
    counts = coverage.postcode_counts(small_table)
    figures = coverage.coverage(counts, today=TODAY, data=two_services)
    assert figures["uk"]["postcodes"] == {
        "total": 7, "known": 5, "known_share": 71.4, "known_dated": 5,
        "known_dated_share": 71.4,
        "sources": {"recent": 3, "older": 0, "old": 2, "undated": 0},
    }  # fmt: skip
    # BT34 is in the Southern Trust part of Newry, Mourne and Down: the South Eastern
    # service does not count for it, though it counts for the council as a whole.
    assert figures["northern_ireland"]["postcodes"]["known"] == 2
    assert figures["northern_ireland"]["lads"]["known"] == 1
    assert figures["scotland"]["lads"] == {
        "total": 32, "known": 1, "known_share": 3.1, "known_dated": 1,
        "known_dated_share": 3.1,
        "sources": {"recent": 1, "older": 0, "old": 0, "undated": 0},
    }  # fmt: skip
    assert figures["england"]["postcodes"]["known"] == 0
    assert figures["uk"]["lads"]["total"] == 361


def test_the_coverage_command_prints_a_table_and_json(runner):
    from finder.cli import cli

    text = runner.invoke(cli, ["selfref", "coverage"])
    assert text.exit_code == 0, text.output
    assert [line.split()[0] for line in text.output.splitlines()[1:6]] == [
        "England", "Scotland", "Wales", "Northern", "UK",
    ]  # fmt: skip
    as_json = runner.invoke(cli, ["selfref", "coverage", "--json"])
    figures = json.loads(as_json.output)
    assert set(figures) == {"england", "scotland", "wales", "northern_ireland", "uk"}
    uk = figures["uk"]["postcodes"]
    assert uk["total"] == sum(figures[n]["postcodes"]["total"] for n in figures if n != "uk")
    assert uk["known"] == sum(uk["sources"].values())
