"""The monitor's side of the watchlists: what is due, what a check saw, change events and the
webhook deliveries of each event.

An event's `event_id` is made once, when it is recorded, and every delivery of it sends the
same stored event (event_dict): a receiver that sees an id twice has seen one event twice.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

from sqlite_utils import Database

from finder import times
from finder.db import atomic
from finder.errors import InvalidInput
from finder.registrations.bulk import write_csv

EVENT_KINDS = (
    "outcome_changed", "status_changed", "conditions_changed", "name_changed", "not_found",
    "unreadable",
)  # fmt: skip
MAX_PAGE = 1000  # events in one page of the feed
EVENT_COLUMNS = (
    "event_id", "watchlist_id", "entry_id", "register", "registration_number", "entry_name",
    "kind", "outcome_before", "status_raw_before", "name_before", "conditions_before",
    "outcome_after", "status_raw_after", "name_after", "conditions_after", "checked_at",
    "source_url", "evidence_sha256", "created_at",
)  # fmt: skip


def entries_due(
    db: Database,
    register: str,
    limit: int,
    now: datetime | None = None,
    *,
    checked_before: str | None = None,
) -> list[dict]:
    """Up to `limit` registrations of `register` to check next, each once however many
    watchlists hold it: {"register", "registration_number", "entries": [entry rows]}.

    In order: never checked; last seen unreadable (stale), unknown or restricted (an answer
    not settled, or one that limits practice: likelier to change); then the
    longest unchecked. With `checked_before` (a timestamp), only registrations whose entries
    were all last checked before it (or never): one cycle checks each one once. Deleted
    watchlists have no entries, so they are never due.
    """
    del now  # the order needs no clock; the monitor passes it for the windows it weighs
    numbers = db.execute(
        """select registration_number,
                  max(last_checked_at is null) as never,
                  max(unreadable_since is not null
                      or last_outcome in ('unknown', 'restricted')) as unsettled,
                  min(coalesce(last_checked_at, '')) as oldest
           from watch_entries where register = ?
           group by registration_number
           having (? is null or max(coalesce(last_checked_at, '')) < ?)
           order by never desc, unsettled desc, oldest, registration_number
           limit ?""",
        [register, checked_before, checked_before, int(limit)],
    ).fetchall()
    return [
        {"register": register, "registration_number": number,
         "entries": entries_for(db, register, number)}
        for number, *_ in numbers
    ]  # fmt: skip


def entries_for(db: Database, register: str, number: str) -> list[dict]:
    """Every watched entry of one registration now (deleted lists have none), oldest first:
    read again just before recording a check, so a long cycle never writes from a stale row."""
    return list(db.query(
        "select * from watch_entries where register = ? and registration_number = ? "
        "order by id", [register, number],
    ))  # fmt: skip


def record_check(db: Database, entry_ids: Iterable[int], state: Mapping, checked_at: str) -> None:
    """A good answer for these entries: `state` has outcome, status_raw, name_on_register,
    conditions (a list, or None), source_url and evidence_sha256. Clears unreadable_since."""
    conditions = state.get("conditions")
    values = [
        state.get("outcome"), state.get("status_raw"), state.get("name_on_register"),
        None if conditions is None else json.dumps(conditions), checked_at,
        state.get("source_url"), state.get("evidence_sha256"),
    ]  # fmt: skip
    with atomic(db):
        for entry_id in entry_ids:
            db.execute(
                "update watch_entries set last_outcome = ?, last_status_raw = ?, "
                "last_name_on_register = ?, last_conditions = ?, last_checked_at = ?, "
                "last_source_url = ?, last_evidence_sha256 = ?, unreadable_since = null "
                "where id = ?",
                [*values, entry_id],
            )


def record_unreadable(db: Database, entry_ids: Iterable[int], at: str) -> None:
    """The register could not be read for these entries: the last good state stays; when the
    trouble started is kept (the first failure since a good answer); `last_checked_at` moves,
    so one unreadable number does not take the whole budget."""
    with atomic(db):
        for entry_id in entry_ids:
            db.execute(
                "update watch_entries set unreadable_since = coalesce(unreadable_since, ?), "
                "last_checked_at = ? where id = ?",
                [at, at, entry_id],
            )


def record_event(
    db: Database,
    entry: Mapping,
    kind: str,
    before: Mapping,
    after: Mapping,
    *,
    checked_at: str,
    source_url: str | None,
    evidence_sha256: str | None,
    now: str | None = None,
) -> dict:
    """Record one change of `entry` (a watch_entries row); before and after hold outcome,
    status_raw, name_on_register and conditions. A watchlist with a webhook gets the event
    queued for delivery at once. Returns event_dict of it. Join the caller's transaction with
    db.transaction so the event and the entry's new state land together."""
    if kind not in EVENT_KINDS:
        raise ValueError(f"unknown event kind {kind!r}")
    now = now or times.now_iso()
    webhook = db.execute(
        "select webhook_url from watchlists where id = ? and deleted_at is null",
        [entry["watchlist_id"]],
    ).fetchone()
    pending = bool(webhook and webhook[0])
    row = {
        "event_id": "ev_" + secrets.token_hex(12),
        "watchlist_id": entry["watchlist_id"],
        "entry_id": entry["id"],
        "register": entry["register"],
        "registration_number": entry["registration_number"],
        "entry_name": entry.get("name"),
        "kind": kind,
        "checked_at": checked_at,
        "source_url": source_url,
        "evidence_sha256": evidence_sha256,
        "created_at": now,
        "delivery": "pending" if pending else "none",
        "next_attempt_at": now if pending else None,
    }
    for side, state in (("before", before), ("after", after)):
        conditions = state.get("conditions")
        row[f"outcome_{side}"] = state.get("outcome")
        row[f"status_raw_{side}"] = state.get("status_raw")
        row[f"name_{side}"] = state.get("name_on_register")
        row[f"conditions_{side}"] = None if conditions is None else json.dumps(conditions)
    row["payload"] = ""  # written below, once the row's id (the event's cursor) is known
    with atomic(db):
        cursor = db.execute(
            f"insert into watch_events ({', '.join(row)}) values ({', '.join('?' * len(row))})",
            list(row.values()),
        )
        event = event_dict({**row, "id": cursor.lastrowid})
        payload = json.dumps(event, sort_keys=True, separators=(",", ":"))
        db.execute("update watch_events set payload = ? where id = ?", [payload, cursor.lastrowid])
    return event


def event_dict(row: Mapping) -> dict:
    """An event as the API, the CSV and every webhook delivery show it."""

    def side(name: str) -> dict:
        conditions = row[f"conditions_{name}"]
        return {
            "outcome": row[f"outcome_{name}"],
            "status_raw": row[f"status_raw_{name}"],
            "name_on_register": row[f"name_{name}"],
            "conditions": json.loads(conditions) if conditions else None,
        }

    return {
        "id": row["event_id"],
        "cursor": str(row["id"]),
        "watchlist_id": row["watchlist_id"],
        "kind": row["kind"],
        "entry": {
            "id": row["entry_id"],
            "register": row["register"],
            "registration_number": row["registration_number"],
            "name": row["entry_name"],
        },
        "before": side("before"),
        "after": side("after"),
        "checked_at": row["checked_at"],
        "source_url": row["source_url"],
        "evidence_sha256": row["evidence_sha256"],
        "created_at": row["created_at"],
    }


# The columns of an events CSV (the API's and `finder watch events --csv`), in this order.
CSV_COLUMNS = (
    "id", "cursor", "kind", "register", "registration_number", "name", "outcome_before",
    "status_raw_before", "name_on_register_before", "conditions_before", "outcome_after",
    "status_raw_after", "name_on_register_after", "conditions_after", "checked_at",
    "source_url", "evidence_sha256", "created_at",
)  # fmt: skip


def flat_event(event: Mapping) -> dict:
    """An event (event_dict) as one CSV line (CSV_COLUMNS); conditions joined by '; '."""
    row = {"id": event["id"], "cursor": event["cursor"], "kind": event["kind"]}
    row.update({k: event["entry"][k] for k in ("register", "registration_number", "name")})
    for side in ("before", "after"):
        state = event[side]
        row[f"outcome_{side}"] = state["outcome"]
        row[f"status_raw_{side}"] = state["status_raw"]
        row[f"name_on_register_{side}"] = state["name_on_register"]
        conditions = state["conditions"]
        row[f"conditions_{side}"] = None if conditions is None else "; ".join(map(str, conditions))
    for key in ("checked_at", "source_url", "evidence_sha256", "created_at"):
        row[key] = event[key]
    return {column: row[column] for column in CSV_COLUMNS}


def events_csv(events: Iterable[Mapping]) -> str:
    """Events as CSV text (CSV_COLUMNS), the header line even when there are none."""
    rows = [flat_event(event) for event in events]
    return write_csv(rows) if rows else ",".join(CSV_COLUMNS) + "\r\n"


def events_page(
    db: Database, watchlist_id: int, *, after: str | None = None, since: str | None = None,
    limit: int = 100,
) -> tuple[list[dict], str | None]:  # fmt: skip
    """Events of a watchlist (check its owner first) oldest first, after the cursor `after`
    and at or after the timestamp `since`; (events, the cursor to ask from next)."""
    text = str(after or "0").strip()
    if not (text.isascii() and text.isdigit() and len(text) < 19):
        raise InvalidInput(
            f"'after' must be the cursor of an earlier page, like '42'; not {after!r}.",
            code="invalid_cursor",
        )
    position = int(text)
    limit = max(1, min(int(limit), MAX_PAGE))
    rows = list(db.query(
        "select * from watch_events where watchlist_id = ? and id > ? "
        "and (? is null or created_at >= ?) order by id limit ?",
        [watchlist_id, position, since, since, limit],
    ))  # fmt: skip
    events = [event_dict(row) for row in rows]
    cursor = events[-1]["cursor"] if events else (str(position) if position else None)
    return events, cursor


def parse_since(text: str) -> str:
    """A `since` given as a date (2026-12-01, midnight UTC) or a time (2026-12-01T09:00:00Z)
    as the stored timestamp form; InvalidInput saying the forms otherwise."""
    text = str(text).strip()
    try:
        moment = datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        raise InvalidInput(
            f"'since' must be a date like 2026-12-01 or a time like 2026-12-01T09:00:00Z, "
            f"not {text!r}.",
            code="invalid_since",
        ) from None
    return times.iso(moment if moment.tzinfo else moment.replace(tzinfo=UTC))


def pending_deliveries(db: Database, now: datetime | str | None = None, limit: int = 100) -> list:
    """Events due to be POSTed now: {"event": event_dict, "payload": the JSON text to send
    (the same for every attempt), "attempts": made so far, "webhook_url", "webhook_salt"}
    (hooksecrets.signing_secret(config, salt) is the secret to sign with)."""
    at = now if isinstance(now, str) else times.iso(now or datetime.now(UTC))
    rows = list(db.query(
        "select e.*, w.webhook_url, w.webhook_salt from watch_events e "
        "join watchlists w on w.id = e.watchlist_id "
        "where e.delivery = 'pending' and e.next_attempt_at <= ? and w.deleted_at is null "
        "order by e.next_attempt_at, e.id limit ?",
        [at, int(limit)],
    ))  # fmt: skip
    return [
        {"event": event_dict(row), "payload": row["payload"], "attempts": row["attempts"],
         "webhook_url": row["webhook_url"], "webhook_salt": row["webhook_salt"]}
        for row in rows
    ]  # fmt: skip


def record_delivery(
    db: Database,
    event_id: str,
    *,
    at: str,
    status_code: int | None,
    error: str | None,
    delivered: bool,
    next_attempt_at: str | None,
) -> int:
    """One attempt to deliver `event_id` (its public id). Delivered: done. Not delivered:
    tried again at `next_attempt_at`, or never again when it is None (given up). Returns the
    attempt's number (1 for the first)."""
    with atomic(db):
        (attempts,) = db.execute(
            "select attempts from watch_events where event_id = ?", [event_id]
        ).fetchone()
        attempt = attempts + 1
        db.execute(
            "insert into watch_deliveries (event_id, attempt, at, status_code, error, "
            "next_attempt_at) values (?, ?, ?, ?, ?, ?)",
            [event_id, attempt, at, status_code, error, None if delivered else next_attempt_at],
        )
        state = "delivered" if delivered else ("pending" if next_attempt_at else "failed")
        db.execute(
            "update watch_events set attempts = ?, delivery = ?, next_attempt_at = ? "
            "where event_id = ?",
            [attempt, state, None if delivered else next_attempt_at, event_id],
        )
    return attempt


def watched_counts(db: Database) -> dict[str, int]:
    """Per register, how many registrations the watchlists hold (each counted once)."""
    return dict(db.execute(
        "select register, count(distinct registration_number) from watch_entries "
        "group by register order by register"
    ).fetchall())  # fmt: skip


def deliveries(db: Database, event_id: str) -> list[dict]:
    """Every attempt to deliver one event, first first."""
    return list(db.query(
        "select attempt, at, status_code, error, next_attempt_at from watch_deliveries "
        "where event_id = ? order by attempt", [event_id],
    ))  # fmt: skip
