"""The writer's heartbeat: one row `finder replicate` rewrites every HEARTBEAT_SECONDS.

Whatever holds a copy of finder.db (a reader node, a restore) reads the heartbeat to know how
old its copy is: a copy holding the beat of time T holds every transaction committed before T,
because SQLite commits, and Litestream replays, in order. The beat is written on the writer's
clock and read on another machine's: keep the clocks in sync (NTP).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

import sqlite_utils
from sqlite_utils import Migrations

from finder import db as database
from finder import times

HEARTBEAT_SECONDS = 0.5  # the lag a reader shows is this precise

MIGRATIONS = Migrations("finder.replication")


@MIGRATIONS()
def create_heartbeat(db: sqlite_utils.Database) -> None:
    db.execute(
        """create table replication_heartbeat (id integer primary key check (id = 1),
            beat_at text not null, beat_unix real not null)"""
    )


def beat(db: sqlite_utils.Database, now: float | None = None) -> None:
    """Record that the writer was alive and committing at `now` (Unix seconds)."""
    now = time.time() if now is None else now
    with database.atomic(db):
        db.execute(
            "insert or replace into replication_heartbeat (id, beat_at, beat_unix) "
            "values (1, ?, ?)",
            [times.iso(datetime.fromtimestamp(now, UTC)), now],
        )


def last_beat(db: sqlite_utils.Database) -> float | None:
    """When the copy's newest heartbeat was written (Unix seconds), or None without one."""
    if not db["replication_heartbeat"].exists():
        return None
    row = db.execute("select beat_unix from replication_heartbeat where id = 1").fetchone()
    return row[0] if row else None


def lag_seconds(db: sqlite_utils.Database, now: float | None = None) -> float | None:
    """How far the copy trails the writer: the time since its newest heartbeat (None: none)."""
    beat_unix = last_beat(db)
    if beat_unix is None:
        return None
    now = time.time() if now is None else now
    return max(0.0, now - beat_unix)
