"""The refresh's own tables: runs, their progress and checkpoints, errors, GOsC registrants.

The set's name is historical (this was the module finder.refresh): never rename it. Its first
migration also added `retired_reason` to the directory's practices and practitioners; it stays
here because sqlite-utils records applied migrations by (set name, function name).
"""

from __future__ import annotations

import sqlite_utils
from sqlite_utils import Migrations

MIGRATIONS = Migrations("finder.refresh")


@MIGRATIONS()
def create_refresh_tables(db: sqlite_utils.Database) -> None:
    for statement in (
        """create table refresh_runs (id integer primary key, registers text not null,
            started_at text not null, finished_at text, state text not null)""",
        """create table refresh_progress (run_id integer not null, register text not null,
            centre integer not null default 0, page integer not null default 0,
            cursor text not null default '', pages integer not null default 0,
            seconds real not null default 0, state text not null default 'pending',
            primary key (run_id, register))""",
        """create table refresh_seen (run_id integer not null, register text not null,
            kind text not null, key text not null, action text not null, note text,
            primary key (run_id, register, kind, key)) without rowid""",
        """create table refresh_errors (id integer primary key, run_id integer not null,
            register text not null, at text not null, place text not null,
            message text not null, skipped integer not null)""",
        """create table gosc_registrants (register_id text primary key,
            registration_number text not null, name text, resolved_at text not null)""",
        "alter table practices add column retired_reason text",
        "alter table practitioners add column retired_reason text",
    ):
        db.execute(statement)


@MIGRATIONS()
def add_walk_to_refresh_progress(db: sqlite_utils.Database) -> None:
    """How a GOsC or GCC walk goes: 'whole:N' (the register's N-th way of listing every entry)
    or 'centres' (searches place by place), and why it fell back to the centres."""
    db.execute("alter table refresh_progress add column walk text not null default ''")
    db.execute("alter table refresh_progress add column walk_note text")
