"""The main SQLite database: where it is, opening it, migrating it, and writing as one.

Each feature owns its tables (TABLE_OWNERS) and a `sqlite_utils.Migrations` set; `migrate()`
applies them all in order. Schema only ever changes through migrations: the cache holds
evidence users rely on. docs/schema.md shows the result (scripts/make_schema_doc.py).

One way to get a handle in each context:
- a CLI command: `with open_main(data_dir) as db:` (migrated, closed at the end);
- a worker thread (bulk checks, the refresh): `connect(path)`, its own connection;
- a web request: finder.web.requests_db (one per request, or the thread's kept reader).
"""

from __future__ import annotations

import fcntl
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
    "finder.replication.heartbeat",
    "finder.watch.schema",
]


# Which package writes each table; the others call its functions.
TABLE_OWNERS = {
    "registration_checks": "finder.registrations",
    "registrations": "finder.registrations",
    "api_keys": "finder.registrations",
    "register_health": "finder.registrations",
    "practitioners": "finder.directory",
    "practices": "finder.directory",
    "practice_practitioners": "finder.directory",
    "practice_points": "finder.directory",
    "directory_version": "finder.directory",
    "practice_listings": "finder.directory",
    "check_queue": "finder.directory",
    "refresh_runs": "finder.refresh",
    "refresh_progress": "finder.refresh",
    "refresh_seen": "finder.refresh",
    "refresh_errors": "finder.refresh",
    "gosc_registrants": "finder.refresh",
    "replication_heartbeat": "finder.replication",
    "watchlists": "finder.watch",
    "watch_entries": "finder.watch",
    "watch_events": "finder.watch",
    "watch_deliveries": "finder.watch",
    "_sqlite_migrations": "finder.db",
}


def data_path(data_dir: str | os.PathLike, name: str) -> Path:
    """Where file `name` of the data folder is (the folder is made by open_main and by
    `finder postcodes build`, not here: requests ask for paths often)."""
    return Path(data_dir).expanduser() / name


MAIN_DB_NAME = "finder.db"


def main_db_path(data_dir: str | os.PathLike) -> Path:
    return data_path(data_dir, MAIN_DB_NAME)


def postcodes_db_path(data_dir: str | os.PathLike) -> Path:
    return data_path(data_dir, "postcodes.db")


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
    """The main database, migrated, making the data folder on first use. Processes starting
    together on a new folder (the service and `finder replicate` under systemd) take turns at
    the migrations, or both would add the same column: the first applies them, the others then
    find them applied."""
    path = main_db_path(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Turning a new file to WAL is in the turn too: SQLite answers "database is locked" at once
    # to a second process switching the journal mode, without waiting out busy_timeout.
    with open(path.parent / "migrate.lock", "a") as turn:
        fcntl.flock(turn, fcntl.LOCK_EX)  # released when the file closes
        db = connect(path)
        migrate(db)
    return db


def schema(db: sqlite_utils.Database) -> list[tuple[str, str, str, str]]:
    """(type, name, table, sql) of every table, index and trigger, in a stable order."""
    return [
        tuple(row)
        for row in db.execute(
            "select type, name, tbl_name, coalesce(sql, '') from sqlite_master "
            "where name not like 'sqlite_%' order by tbl_name, type desc, name"
        ).fetchall()
    ]


def schema_markdown(db: sqlite_utils.Database) -> str:
    """docs/schema.md: each table with its owner, columns, indexes and triggers."""
    lines = [
        "# Schema of finder.db",
        "",
        "Generated from a freshly migrated database by `scripts/make_schema_doc.py`;",
        "`tests/test_schema.py` fails when this file is out of date. Each table is written only",
        "by the package that owns it (`finder.db.TABLE_OWNERS`).",
    ]
    entries = schema(db)
    for kind, name, table, _sql in entries:
        if kind != "table":
            continue
        lines += ["", f"## {name}", "", f"Owner: `{TABLE_OWNERS.get(name, '?')}`", ""]
        lines += ["| column | type | not null | primary key |", "|---|---|---|---|"]
        for column in db.execute(f"pragma table_info([{name}])").fetchall():
            _, col, col_type, not_null, _, pk = column
            lines.append(f"| {col} | {col_type or ''} | {'yes' if not_null else ''} | "
                         f"{pk or ''} |")  # fmt: skip
        extras = [(k, n) for k, n, t, _ in entries if t == table and k != "table"]
        if extras:
            lines += [""] + [f"- {k} `{n}`" for k, n in extras]
    lines += ["", "## Full SQL", "", "```sql"]
    lines += [f"{sql.strip()};" for _, _, _, sql in entries if sql]
    lines += ["```", ""]
    return "\n".join(lines)
