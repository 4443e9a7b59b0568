"""The main SQLite database: opening it, and applying every feature's migrations.

Each feature module owns a `sqlite_utils.Migrations` set; `migrate()` applies them all in
order. Schema only ever changes through migrations: the cache holds evidence users rely on.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils

# Modules whose MIGRATIONS set is applied, in this order. The sets keep the names they had when
# each was a flat module ("finder.directory", ...): sqlite-utils records applied migrations by
# (set name, function name), so those names are historical labels and must never change.
MIGRATION_MODULES = [
    "finder.registrations.store",
    "finder.directory.schema",
    "finder.directory.stored_listings",
    "finder.registrations.apikeys",
    "finder.directory.importer",
    "finder.refresh.schema",
]


def data_path(data_dir: str | os.PathLike, name: str) -> Path:
    folder = Path(data_dir).expanduser()
    folder.mkdir(parents=True, exist_ok=True)
    return folder / name


MAIN_DB_NAME = "finder.db"


def main_db_path(data_dir: str | os.PathLike) -> Path:
    return data_path(data_dir, MAIN_DB_NAME)


def postcodes_db_path(data_dir: str | os.PathLike) -> Path:
    return data_path(data_dir, "postcodes.db")


def postcodes_db_file(data_dir: str | os.PathLike) -> Path:
    """Where postcodes_db_path() points, without making the folder: cheap enough per request."""
    return Path(data_dir).expanduser() / "postcodes.db"


def connect(path: str | os.PathLike) -> sqlite_utils.Database:
    """Open the database in WAL mode so readers never wait for (or see half of) a write."""
    db = sqlite_utils.Database(path)
    db.execute("pragma busy_timeout = 10000")
    db.execute("pragma foreign_keys = on")
    if db.execute("pragma journal_mode").fetchone()[0] != "wal":
        db.enable_wal()
    return db


@contextmanager
def transaction(db: sqlite_utils.Database, *, commit: bool = True) -> Iterator:
    """Run the block in one write transaction, so readers see all of it or none of it.

    A refresh page or an import lands whole. Writes made through `atomic` inside it join it.
    Inside it, write with SQL or the owning package's functions, not sqlite-utils table
    methods: those commit on their own. `commit=False` rolls the block back (a dry run).
    """
    if db.conn.in_transaction:
        db.conn.commit()  # an implicit transaction left open by a plain statement
    db.conn.execute("begin immediate")
    try:
        yield db
    except BaseException:
        db.conn.rollback()
        raise
    if commit:
        db.conn.commit()
    else:
        db.conn.rollback()


def changed(db: sqlite_utils.Database, run) -> bool:
    """True when `run()` (one upsert) wrote a row: SQLite's total_changes moved."""
    before = db.conn.total_changes
    run()
    return db.conn.total_changes != before


@contextmanager
def atomic(db: sqlite_utils.Database) -> Iterator[None]:
    """Write as one transaction: commit on success, roll back on error.

    Inside a caller's open transaction (a refresh page, an import) it joins that transaction and
    leaves commit and rollback to the caller, so the caller's work lands whole or not at all.
    """
    if db.conn.in_transaction:
        yield
        return
    with db.conn:
        yield


def migration_sets() -> list:
    return [importlib.import_module(name).MIGRATIONS for name in MIGRATION_MODULES]


def migrate(db: sqlite_utils.Database) -> None:
    for migrations in migration_sets():
        migrations.apply(db)


def open_main(data_dir: str | os.PathLike) -> sqlite_utils.Database:
    db = connect(main_db_path(data_dir))
    migrate(db)
    return db
