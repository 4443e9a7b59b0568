"""Each practice's listing, kept ready as one JSON text in `practice_listings` by triggers.

A listing is what a search result shows of a practice: its fields, and the practitioners shown
to patients (not retired, and not said by the register to be unable to practise: see
finder.directory.schema.SHOWN_SQL) with their registration states. Building a page of them at
search time took SQLite half a millisecond of joins and JSON; reading them ready-made takes a
tenth of that.
Triggers on every table a listing is made of (practices, practice_practitioners,
practitioners, registrations) rewrite the listings a change touches, in the writer's own
transaction, so a reader never sees a listing older than the data it was made from, whoever
wrote the data.

A listing is [id, source, *PRACTICE_FIELDS, [[*PRACTITIONER_FIELDS, *REGISTRATION_FIELDS], ...]];
practitioners are in no particular order (finder.listings sorts them and filters professions).
"""

from __future__ import annotations

from collections.abc import Sequence

import orjson
import sqlite_utils
from sqlite_utils import Migrations

from finder.directory.schema import SHOWN_SQL

MIGRATIONS = Migrations("finder.stored_listings")

# What a listing holds, as the API names it, and how SQL reads each field: the one place that
# says which fields there are and in what order. The triggers are made from these, so changing
# them needs a new migration that makes the triggers again and rewrites every listing.
# Coordinates go through printf with 17 digits, because SQLite's JSON would round them to 15;
# JSON kept as text goes through json() to stay JSON.
_EXACT = "iif({0} is null, null, json(printf('%!.17g', {0})))"
_PRACTICE_SQL = {
    "name": "p.name",
    "address": "json(p.address)",
    "postcode": "p.postcode",
    "latitude": _EXACT.format("p.latitude"),
    "longitude": _EXACT.format("p.longitude"),
    "phone": "p.phone",
    "email": "p.email",
    "website": "p.website",
    "features": "json(p.features)",
}
_PRACTITIONER_SQL = {
    "name": "t.name",
    "profession": "t.profession",
    "register": "t.register",
    "registration_number": "t.registration_number",
}
_REGISTRATION_SQL = {
    "outcome": "r.outcome",
    "status_raw": "r.status_raw",
    "checked_at": "r.checked_at",
    "source_url": "r.source_url",
    "reason": "r.reason",  # a later check's doubt about this state
}
PRACTICE_FIELDS = tuple(_PRACTICE_SQL)
PRACTITIONER_FIELDS = tuple(_PRACTITIONER_SQL)
REGISTRATION_FIELDS = tuple(_REGISTRATION_SQL)

# The listing of practice `p`.
_LISTING_SQL = f"""json_array(p.id, p.source, {", ".join(_PRACTICE_SQL.values())},
    json((select json_group_array(json_array(
            {", ".join([*_PRACTITIONER_SQL.values(), *_REGISTRATION_SQL.values()])}))
        from practice_practitioners l
        join practitioners t
            on t.register = l.register and t.registration_number = l.registration_number
        left join registrations r
            on r.register = t.register and r.registration_number = t.registration_number
        where l.practice_id = p.id and t.retired_at is null and {SHOWN_SQL})))"""

# Trigger bodies. Plain delete-then-insert, never "insert or replace": inside a trigger the
# outer statement's conflict policy wins, and `insert or ignore into registrations` would turn
# a replace into an ignore and leave the listing stale.
_PUT_PRACTICE = f"""delete from practice_listings where practice_id = {{gone}}.id;
    insert into practice_listings
    select p.id, {_LISTING_SQL} from practices p where p.id = new.id;"""
_RELIST = f"""update practice_listings
    set listing = (select {_LISTING_SQL}
        from practices p where p.id = practice_listings.practice_id)
    where practice_id in ({{ids}})
        -- a practice being deleted: its links go first (cascade), then its listing
        and exists (select 1 from practices where id = practice_listings.practice_id);"""
_AT = """select practice_id from practice_practitioners
    where register = {row}.register and registration_number = {row}.registration_number"""
_AT_OLD_OR_NEW = f"{_AT.format(row='old')} union {_AT.format(row='new')}"
_LISTED_PRACTICE = (
    "source, name, address, postcode, latitude, longitude, phone, email, website, features"
)
_LISTED_PRACTITIONER = "register, registration_number, name, profession, retired_at"
_LISTED_REGISTRATION = (
    "register, registration_number, outcome, status_raw, checked_at, source_url, reason"
)


def _changed(columns: str) -> str:
    """A trigger's WHEN: any of these columns changed (NULLs compare as values)."""
    names = [c.strip() for c in columns.split(",")]
    olds, news = (", ".join(f"{side}.{c}" for c in names) for side in ("old", "new"))
    return f"({olds}) is not ({news})"


def _triggers() -> dict[str, tuple[str, str]]:
    """Every listing trigger: name -> (event, body)."""
    triggers = {
        "listing_practice_added": (
            "after insert on practices",
            _PUT_PRACTICE.format(gone="new"),
        ),
        "listing_practice_changed": (
            f"after update on practices when {_changed('id, ' + _LISTED_PRACTICE)}",
            _PUT_PRACTICE.format(gone="old"),
        ),
        "listing_practice_removed": (
            "after delete on practices",
            "delete from practice_listings where practice_id = old.id;",
        ),
        "listing_link_added": (
            "after insert on practice_practitioners",
            _RELIST.format(ids="new.practice_id"),
        ),
        "listing_link_removed": (
            "after delete on practice_practitioners",
            _RELIST.format(ids="old.practice_id"),
        ),
    }
    # A practitioner and its registration state share one key, (register, registration_number):
    # a change to either relists the practices that key works at. (A bulk load may link a
    # practitioner before inserting it, the keys being deferred: hence "added" too.)
    for noun, table, listed in (
        ("practitioner", "practitioners", _LISTED_PRACTITIONER),
        ("registration", "registrations", _LISTED_REGISTRATION),
    ):
        triggers |= {
            f"listing_{noun}_added": (
                f"after insert on {table}",
                _RELIST.format(ids=_AT.format(row="new")),
            ),
            f"listing_{noun}_changed": (
                f"after update on {table} when {_changed(listed)}",
                _RELIST.format(ids=_AT_OLD_OR_NEW),
            ),
            f"listing_{noun}_removed": (
                f"after delete on {table}",
                _RELIST.format(ids=_AT.format(row="old")),
            ),
        }
    triggers["listing_link_changed"] = (
        "after update on practice_practitioners "
        f"when {_changed('practice_id, register, registration_number')}",
        _RELIST.format(ids="old.practice_id, new.practice_id"),
    )
    return triggers


@MIGRATIONS()
def keep_listings_ready(db: sqlite_utils.Database) -> None:
    triggers = _triggers()
    del triggers["listing_link_changed"]  # the next migration's
    db.execute(
        "create table practice_listings (practice_id integer primary key, listing text not null)"
    )
    db.execute(f"insert into practice_listings select p.id, {_LISTING_SQL} from practices p")
    for name, (event, body) in triggers.items():
        db.execute(f"create trigger {name} {event} begin {body} end")


@MIGRATIONS()
def relist_moved_links(db: sqlite_utils.Database) -> None:
    """A link moved to another practice or practitioner changes both practices' listings."""
    db.execute(
        f"""create trigger listing_link_changed after update on practice_practitioners
        when {_changed("practice_id, register, registration_number")} begin
            {_RELIST.format(ids="old.practice_id, new.practice_id")}
        end"""
    )


@MIGRATIONS()
def list_only_who_may_practise(db: sqlite_utils.Database) -> None:
    """Issue 17: a listing leaves out practitioners the register says may not practise
    (finder.directory.schema.SHOWN_SQL) and carries each state's doubt (`reason`): every
    trigger made again from the new SQL, every listing rewritten."""
    for name in _triggers():
        db.execute(f"drop trigger if exists {name}")
    for name, (event, body) in _triggers().items():
        db.execute(f"create trigger {name} {event} begin {body} end")
    db.execute(
        f"""update practice_listings set listing = (select {_LISTING_SQL}
            from practices p where p.id = practice_listings.practice_id)"""
    )


# Joined to practices: a REPLACE on a connection with recursive triggers off (the sqlite3
# shell's default) deletes a row without its delete trigger, and leaves its listing behind.
_READ_SQL = """select '[' || group_concat(l.listing) || ']' from practice_listings l
    join practices p on p.id = l.practice_id
    where l.practice_id in (select value from json_each(?))"""


def read(db: sqlite_utils.Database, practice_ids: Sequence[int]) -> dict[int, list]:
    """{practice id: listing} for those of these practices that exist (one statement)."""
    if not practice_ids:
        return {}
    [text] = db.conn.execute(_READ_SQL, (orjson.dumps(list(practice_ids)).decode(),)).fetchone()
    return {listing[0]: listing for listing in orjson.loads(text)} if text else {}
