"""Watchlists and their entries: made, filled, read and deleted by their owner only.

Every function that takes an `owner` answers NotFound for another owner's watchlist, exactly
as for one that does not exist: a key's holder cannot even learn that it exists. The monitor's
side (what is due, what it saw, events and deliveries) is finder.watch.events.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Mapping

from sqlite_utils import Database

from finder import times
from finder.db import atomic
from finder.errors import FinderError, InvalidInput, NotFound
from finder.registrations.bulk import MAX_BULK_ROWS
from finder.registrations.policy import row_key
from finder.watch import hooksecrets, netguard

MAX_NAME_LENGTH = 200
# The columns an entry keeps as its own; any other column of an upload is kept in `extra`.
ENTRY_COLUMNS = ("register", "registration_number", "name")
STATE_COLUMNS = (
    "last_outcome", "last_status_raw", "last_name_on_register", "last_conditions",
    "last_checked_at", "last_source_url", "last_evidence_sha256", "unreadable_since",
)  # fmt: skip


def create_watchlist(
    db: Database,
    owner: str,
    name: str,
    webhook_url: str | None,
    *,
    config: Mapping,
    resolver: Callable[[str, int], list[str]] = netguard.resolve,
) -> tuple[dict, str | None]:
    """Make `owner`'s watchlist `name`; (the watchlist, its webhook's signing secret or None).
    The secret is returned only here: show it now, it is never shown again. The webhook URL
    must pass netguard (https, public addresses unless FINDER_WEBHOOK_ALLOW_HOSTS allows)."""
    name = (name if isinstance(name, str) else "").strip()
    if not name or len(name) > MAX_NAME_LENGTH:
        raise InvalidInput(
            f"A watchlist needs a name of 1 to {MAX_NAME_LENGTH} characters.",
            code="invalid_name",
        )
    if not name.isprintable():  # control or bidi characters would garble an operator's terminal
        raise InvalidInput(
            "A watchlist name may not hold control characters (tabs, line ends, escapes).",
            code="invalid_name",
        )
    salt = secret = None
    if webhook_url is not None and webhook_url != "":
        if not isinstance(webhook_url, str):
            raise InvalidInput("webhook_url must be text, an https:// address.", code="invalid")
        allowed = config.get("WEBHOOK_ALLOW_HOSTS", "")
        webhook_url = netguard.check_webhook_url(webhook_url, allowed, resolver=resolver).url
        salt = hooksecrets.new_salt()
        secret = hooksecrets.signing_secret(config, salt)
    else:
        webhook_url = None
    try:
        with atomic(db):
            cursor = db.execute(
                "insert into watchlists (owner, name, webhook_url, webhook_salt, created_at) "
                "values (?, ?, ?, ?, ?)",
                [owner, name, webhook_url, salt, times.now_iso()],
            )
    except sqlite3.IntegrityError:  # the unique index of live (owner, name): no race between
        raise InvalidInput(
            f"You already have a watchlist called {name!r}: choose another name.",
            code="watchlist_exists",
            status=409,
        ) from None
    return get_watchlist(db, owner, cursor.lastrowid), secret


def get_watchlist(db: Database, owner: str | None, watchlist_id) -> dict:
    """The watchlist (id, owner, name, webhook_url, created_at, entry count); NotFound when it
    is not `owner`'s (None: any owner, for the operator's commands) or was deleted."""
    key = row_id(watchlist_id)
    row = db.execute(
        "select w.id, w.owner, w.name, w.webhook_url, w.created_at, "
        "(select count(*) from watch_entries e where e.watchlist_id = w.id) "
        "from watchlists w where w.id = ? and w.deleted_at is null and (? is null or owner = ?)",
        [key, owner, owner],
    ).fetchone()
    if row is None:
        raise NotFound(f"There is no watchlist {watchlist_id} for this API key.")
    return dict(
        zip(("id", "owner", "name", "webhook_url", "created_at", "entries"), row, strict=True)
    )


def find_watchlist(db: Database, name: str, owner: str | None = None) -> dict:
    """A watchlist by its name (for the CLI). NotFound, or InvalidInput when several owners
    have one of that name and no owner was given."""
    rows = db.execute(
        "select id, owner from watchlists where name = ? and deleted_at is null "
        "and (? is null or owner = ?) order by id",
        [name, owner, owner],
    ).fetchall()
    if not rows:
        raise NotFound(f"There is no watchlist called {name!r}.")
    if len(rows) > 1:
        owners = ", ".join(repr(o) for _, o in rows)
        raise InvalidInput(f"Several owners have a watchlist called {name!r} ({owners}): "
                           "say which with --owner.", code="ambiguous")  # fmt: skip
    return get_watchlist(db, None, rows[0][0])


def list_watchlists(db: Database, owner: str | None) -> list[dict]:
    """`owner`'s watchlists (None: everyone's, for the operator's commands), oldest first."""
    ids = [r[0] for r in db.execute(
        "select id from watchlists where (? is null or owner = ?) and deleted_at is null "
        "order by id", [owner, owner],
    ).fetchall()]  # fmt: skip
    return [get_watchlist(db, owner, key) for key in ids]


def delete_watchlist(db: Database, owner: str, watchlist_id) -> None:
    """Stop watching: the entries go, the events and deliveries made so far stay on record."""
    watchlist = get_watchlist(db, owner, watchlist_id)
    with atomic(db):
        db.execute("delete from watch_entries where watchlist_id = ?", [watchlist["id"]])
        db.execute(
            "update watchlists set deleted_at = ? where id = ?",
            [times.now_iso(), watchlist["id"]],
        )
        db.execute(
            "update watch_events set delivery = 'failed', next_attempt_at = null "
            "where watchlist_id = ? and delivery = 'pending'",
            [watchlist["id"]],
        )


def replace_entries(db: Database, owner: str, watchlist_id, rows: list) -> dict:
    """Make the watchlist's entries exactly `rows` (bulk rows: register, registration_number,
    name, any other columns kept). An entry already there keeps what the monitor knows of it;
    one no longer in `rows` goes. Any bad row refuses the whole upload, saying which rows and
    why, and changes nothing: a half-replaced list would silently stop watching someone.
    Returns {"added", "kept", "removed"} counts."""
    watchlist = get_watchlist(db, owner, watchlist_id)
    if len(rows) > MAX_BULK_ROWS:
        raise InvalidInput(f"A watchlist holds at most {MAX_BULK_ROWS:,} entries; that is "
                           f"{len(rows):,}.", code="too_many_rows", status=413)  # fmt: skip
    wanted: dict[tuple[str, str], tuple[str | None, str]] = {}
    problems: list[str] = []
    for line, row in enumerate(rows, start=1):
        try:
            key = row_key(row)
        except FinderError as error:
            # the row's own message may already say "Row 3: ..." and end in a full stop
            said = error.message.removeprefix(f"Row {line}: ").rstrip(".")
            problems.append(f"row {line}: {said}")
            continue
        if key in wanted:
            problems.append(f"row {line}: {key[0]} {key[1]} is already in an earlier row")
            continue
        name = row.get("name")
        extra = {k: v for k, v in row.items() if k not in ENTRY_COLUMNS}
        wanted[key] = (None if name in (None, "") else str(name), json.dumps(extra))
    if problems:
        shown = "; ".join(problems[:10]) + ("; …" if len(problems) > 10 else "")
        raise InvalidInput(
            f"{len(problems):,} of the {len(rows):,} rows cannot be watched, so nothing was "
            f"changed: {shown}.",
            code="invalid_rows",
            status=422,
        )
    now = times.now_iso()
    with atomic(db):
        existing = {
            (r, n): key
            for key, r, n in db.execute(
                "select id, register, registration_number from watch_entries "
                "where watchlist_id = ?",
                [watchlist["id"]],
            ).fetchall()
        }
        gone = [key for number, key in existing.items() if number not in wanted]
        for start in range(0, len(gone), 500):
            chunk = gone[start : start + 500]
            db.execute(
                f"delete from watch_entries where id in ({','.join('?' * len(chunk))})", chunk
            )
        for (register, number), (name, extra) in wanted.items():
            if (register, number) in existing:
                db.execute(
                    "update watch_entries set name = ?, extra = ? where id = ?",
                    [name, extra, existing[(register, number)]],
                )
            else:
                db.execute(
                    "insert into watch_entries (watchlist_id, register, registration_number, "
                    "name, extra, entry_added_at) values (?, ?, ?, ?, ?, ?)",
                    [watchlist["id"], register, number, name, extra, now],
                )
    kept = len(set(existing) & set(wanted))
    return {"added": len(wanted) - kept, "kept": kept, "removed": len(gone)}


def list_entries(db: Database, owner: str | None, watchlist_id) -> list[dict]:
    """The watchlist's entries with what the monitor last saw, in the order they were added."""
    watchlist = get_watchlist(db, owner, watchlist_id)
    return [
        entry_dict(row)
        for row in db.query(
            "select * from watch_entries where watchlist_id = ? order by id", [watchlist["id"]]
        )
    ]


def delete_entry(db: Database, owner: str, watchlist_id, entry_id) -> None:
    watchlist = get_watchlist(db, owner, watchlist_id)
    key = row_id(entry_id)
    with atomic(db):
        deleted = db.execute(
            "delete from watch_entries where id = ? and watchlist_id = ?", [key, watchlist["id"]]
        ).rowcount
    if not deleted:
        raise NotFound(f"Watchlist {watchlist['id']} has no entry {entry_id}.")


def row_id(value) -> int:
    """An id from a URL as a row id; -1 (no row) for anything else, however long."""
    text = str(value).strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) < 19 else -1


def entry_dict(row: Mapping) -> dict:
    """An entry as the API shows it: its columns, extras and the state last seen."""
    conditions = row.get("last_conditions")
    return {
        "id": row["id"],
        "register": row["register"],
        "registration_number": row["registration_number"],
        "name": row["name"],
        "extra": json.loads(row["extra"] or "{}"),
        "entry_added_at": row["entry_added_at"],
        "outcome": row["last_outcome"],
        "status_raw": row["last_status_raw"],
        "name_on_register": row["last_name_on_register"],
        "conditions": json.loads(conditions) if conditions else None,
        "checked_at": row["last_checked_at"],
        "source_url": row["last_source_url"],
        "evidence_sha256": row["last_evidence_sha256"],
        "unreadable_since": row["unreadable_since"],
    }
