"""The schema: one picture of it (docs/schema.md), and databases made by older code upgrade to it.

tests/files/finder-72194d5.db was made by the code of commit 72194d5, the last flat layout
(scripts/make_old_database.py builds it again).
"""

import shutil
from pathlib import Path

import pytest

from finder import db

ROOT = Path(__file__).resolve().parent.parent
OLD_DATABASE = ROOT / "tests" / "files" / "finder-72194d5.db"


@pytest.fixture
def fresh(tmp_path):
    with db.open_main(tmp_path / "fresh") as database:
        yield database


@pytest.fixture
def upgraded(tmp_path):
    folder = tmp_path / "old"
    folder.mkdir()
    shutil.copy(OLD_DATABASE, folder / db.MAIN_DB_NAME)
    with db.open_main(folder) as database:
        yield database


def test_docs_schema_md_shows_the_schema_of_a_fresh_database(fresh):
    assert (ROOT / "docs" / "schema.md").read_text() == db.schema_markdown(fresh), (
        "docs/schema.md is out of date: run .venv/bin/python scripts/make_schema_doc.py"
    )


def test_every_table_has_one_owner(fresh):
    tables = {name for kind, name, _, _ in db.schema(fresh) if kind == "table"}
    assert tables == set(db.TABLE_OWNERS)


def test_a_database_made_by_the_flat_layout_upgrades_to_the_fresh_schema(fresh, upgraded):
    assert db.schema(upgraded) == db.schema(fresh)


def test_an_upgraded_database_has_no_migration_left_to_apply(upgraded):
    applied = upgraded.execute("select count(*) from _sqlite_migrations").fetchone()[0]
    db.migrate(upgraded)
    assert upgraded.execute("select count(*) from _sqlite_migrations").fetchone()[0] == applied


def test_an_upgrade_keeps_every_row_and_writes_timestamps_one_way(upgraded):
    assert [r["name"] for r in upgraded.query("select name from practices order by name")] == [
        "Example Clinic",
        "Sample Spine Centre",
    ]
    assert upgraded.execute("select count(*) from practitioners").fetchone()[0] == 3
    assert [tuple(r.values()) for r in upgraded.query(
        "select register, registration_number, outcome, checked_at from registrations"
    )] == [("hcpc", "PH900001", "registered", "2026-11-30T09:30:00Z")]  # fmt: skip
    checks = upgraded.execute("select checked_at from registration_checks").fetchall()
    assert checks == [("2026-11-30T09:30:00Z",)]
    (created,) = upgraded.execute("select created_at from api_keys").fetchone()
    assert created.endswith("Z") and len(created) == 20
    # Keys made before owners existed own themselves: what they make is theirs alone.
    assert upgraded.execute("select count(*) from api_keys where owner = name").fetchone()[0] == (
        upgraded.execute("select count(*) from api_keys").fetchone()[0]) > 0  # fmt: skip
    listing = upgraded.execute(
        "select listing from practice_listings l join practices p on p.id = l.practice_id "
        "where p.name = 'Example Clinic'"
    ).fetchone()[0]
    assert "2026-11-30T09:30:00Z" in listing  # the listing follows its registration
