"""The watchlists' tables: lists, their entries, the change events and each webhook attempt.

- watchlists: one per (owner, name) among lists not deleted; `webhook_salt` is what the
  webhook's signing secret is derived from (finder.watch.hooksecrets), never the secret itself;
- watch_entries: a registration watched by one list, the columns it was uploaded with, and the
  state the monitor last saw for it (`unreadable_since`: first failed check after a good one);
- watch_events: what changed, before and after, with the check's source page and hash. `id`
  orders the feed (the cursor); `event_id` is the public id a receiver deduplicates on;
  `payload` is the event's JSON, written once: every delivery sends exactly it;
  `delivery` is 'none' (no webhook), 'pending', 'delivered' or 'failed' (gave up);
- watch_deliveries: every attempt to POST an event to its webhook (append-only).

A deleted watchlist keeps its events and deliveries (the record of what was said stays); its
entries go, and nothing more is delivered for it.
"""

from __future__ import annotations

import sqlite_utils
from sqlite_utils import Migrations

MIGRATIONS = Migrations("finder.watch")


@MIGRATIONS()
def create_watch_tables(db: sqlite_utils.Database) -> None:
    for statement in (
        """create table watchlists (id integer primary key, owner text not null,
            name text not null, webhook_url text, webhook_salt text,
            created_at text not null, deleted_at text)""",
        """create unique index idx_watchlists_owner_name on watchlists (owner, name)
            where deleted_at is null""",
        """create table watch_entries (id integer primary key,
            watchlist_id integer not null references watchlists (id),
            register text not null, registration_number text not null, name text,
            extra text not null default '{}', entry_added_at text not null,
            last_outcome text, last_status_raw text, last_name_on_register text,
            last_conditions text, last_checked_at text, last_source_url text,
            last_evidence_sha256 text, unreadable_since text)""",
        """create unique index idx_watch_entries_number
            on watch_entries (watchlist_id, register, registration_number)""",
        """create index idx_watch_entries_due
            on watch_entries (register, registration_number, last_checked_at)""",
        """create table watch_events (id integer primary key, event_id text not null unique,
            watchlist_id integer not null references watchlists (id), entry_id integer,
            register text not null, registration_number text not null, entry_name text,
            kind text not null,
            outcome_before text, status_raw_before text, name_before text,
            outcome_after text, status_raw_after text, name_after text,
            conditions_before text, conditions_after text,
            checked_at text not null, source_url text, evidence_sha256 text,
            created_at text not null, payload text not null,
            delivery text not null default 'none',
            attempts integer not null default 0, next_attempt_at text)""",
        "create index idx_watch_events_list on watch_events (watchlist_id, id)",
        """create index idx_watch_events_pending on watch_events (next_attempt_at)
            where delivery = 'pending'""",
        """create table watch_deliveries (id integer primary key,
            event_id text not null references watch_events (event_id),
            attempt integer not null, at text not null, status_code integer, error text,
            next_attempt_at text, unique (event_id, attempt))""",
    ):
        db.execute(statement)
