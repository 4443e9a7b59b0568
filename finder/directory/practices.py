"""Writing and reading the directory's own tables: practitioners, practices, their links and
the points a search reads. The tables and their triggers are in finder.directory.schema."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from contextlib import contextmanager

import sqlite_utils

from finder import db as database
from finder import times
from finder.errors import FinderError, InvalidInput
from finder.vocabulary import PROFESSIONS, REGISTER_NAMES, REGISTER_OF_PROFESSION

SAMPLE_SOURCE = "sample"


def change_token(db: sqlite_utils.Database) -> int:
    """A number that changes whenever a practice point is added, moved, removed or changes
    professions, features or languages: what an in-memory copy of the points compares to know
    it is current. (Confirmation times have their own token: confirmed_times().)"""
    return db.execute("select token from directory_version").fetchone()[0]


# (id, latitude, longitude, professions mask, features mask, languages as JSON or None)
PointRow = tuple[int, float, float, int, int, str | None]


def practice_points(db: sqlite_utils.Database) -> tuple[int, list[PointRow]]:
    """The change token, and (id, latitude, longitude, professions mask, features mask,
    languages) of every practice a search can find, read in one transaction so that the token
    labels exactly these points. The masks: finder.vocabulary.PROFESSION_BITS, and
    FEATURE_BITS here."""
    with _snapshot(db):
        token = change_token(db)
        rows = db.execute(
            "select id, latitude, longitude, professions, features, languages "
            "from practice_points where professions != 0"
        ).fetchall()
    return token, rows


FEATURE_BITS = {"home_visits": 1, "wheelchair_access": 2}  # practice_points.features


def confirmed_times(db: sqlite_utils.Database) -> tuple[int, int, list[tuple]]:
    """(change token, confirmed token, rows): for every practice practice_points() reads,
    (id, and for each profession in PROFESSIONS order the newest check in Unix seconds that
    confirmed a practitioner of it there, or -1). One transaction, so both tokens label
    these rows."""
    with _snapshot(db):
        token, confirmed = db.execute(
            "select token, confirmed_token from directory_version"
        ).fetchone()
        rows = db.execute(
            "select id, coalesce(physiotherapist_confirmed, -1), "
            "coalesce(osteopath_confirmed, -1), coalesce(chiropractor_confirmed, -1) "
            "from practice_points where professions != 0"
        ).fetchall()
    return token, confirmed, rows


@contextmanager
def _snapshot(db: sqlite_utils.Database):
    """One read transaction, unless the caller is already in one."""
    own_transaction = not db.conn.in_transaction
    if own_transaction:
        db.execute("begin")
    try:
        yield
    finally:
        if own_transaction:
            db.execute("commit")


# --- writing -------------------------------------------------------------------------------


def check_practitioner(row: dict) -> tuple:
    """The practitioner as an upsert tuple; InvalidInput when register and profession disagree."""
    profession = row.get("profession")
    if profession not in REGISTER_OF_PROFESSION:
        raise InvalidInput(
            f"Unknown profession {profession!r}: expected one of {', '.join(PROFESSIONS)}.",
            code="invalid_profession",
        )
    if row.get("register") != REGISTER_OF_PROFESSION[profession]:
        raise InvalidInput(
            f"{profession.capitalize()}s are on the "
            f"{REGISTER_NAMES[REGISTER_OF_PROFESSION[profession]]} register, "
            f"not {row.get('register')!r}.",
            code="invalid_register",
        )
    number = str(row.get("registration_number") or "").strip()
    if not number:
        raise InvalidInput("A practitioner needs a registration number.", code="invalid_number")
    return (row["register"], number, row["name"], profession, row.get("source") or "unknown")


def upsert_practitioners(db: sqlite_utils.Database, rows: Iterable[dict]) -> int:
    """Insert or update practitioners by (register, registration_number); revives retired rows.

    Idempotent: upserting the same rows twice leaves the table as upserting them once.
    """
    stamp = times.now_iso()
    values = [(*check_practitioner(row), stamp) for row in rows]
    with database.atomic(db):
        db.conn.executemany(
            """insert into practitioners
                (register, registration_number, name, profession, source, updated_at)
            values (?, ?, ?, ?, ?, ?)
            on conflict (register, registration_number) do update set
                name = excluded.name, profession = excluded.profession,
                source = excluded.source, updated_at = excluded.updated_at, retired_at = null
            where (name, profession, source, retired_at) is not
                (excluded.name, excluded.profession, excluded.source, null)""",
            values,
        )
    return len(values)


def _practice_values(row: dict, stamp: str) -> tuple:
    if not row.get("key") or not row.get("name"):
        raise InvalidInput("A practice needs a key and a name.", code="invalid_practice")
    lat, lon = row.get("latitude"), row.get("longitude")
    if (lat is None) != (lon is None) or (
        lat is not None and not (-90 <= lat <= 90 and -180 <= lon <= 180)
    ):
        raise InvalidInput(
            f"Practice {row['key']} has an impossible location.", code="invalid_practice"
        )
    return (
        row["key"],
        row["name"],
        json.dumps(list(row.get("address") or [])),
        row.get("postcode"),
        lat,
        lon,
        row.get("phone"),
        row.get("email"),
        row.get("website"),
        json.dumps(row.get("features") or {}, sort_keys=True),
        row.get("source") or "unknown",
        stamp,
    )


_UPSERT_PRACTICE = """insert into practices (key, name, address, postcode, latitude, longitude,
        phone, email, website, features, source, updated_at)
    values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    on conflict (key) do update set
        name = excluded.name, address = excluded.address, postcode = excluded.postcode,
        latitude = excluded.latitude, longitude = excluded.longitude, phone = excluded.phone,
        email = excluded.email, website = excluded.website, features = excluded.features,
        source = excluded.source, updated_at = excluded.updated_at, retired_at = null
    where (name, address, postcode, latitude, longitude, phone, email, website, features,
            source, retired_at) is not
        (excluded.name, excluded.address, excluded.postcode, excluded.latitude,
         excluded.longitude, excluded.phone, excluded.email, excluded.website,
         excluded.features, excluded.source, null)"""


def upsert_practice(
    db: sqlite_utils.Database, row: dict, practitioners: Sequence[tuple[str, str]] | None = None
) -> int:
    """Insert or update one practice by its `key`; returns its id (stable across upserts).

    `practitioners`, when given, replaces who works there: (register, registration_number)
    pairs of practitioners already upserted. Unchanged rows are not rewritten.
    """
    with database.atomic(db):
        db.conn.execute(_UPSERT_PRACTICE, _practice_values(row, times.now_iso()))
        practice_id = db.conn.execute(
            "select id from practices where key = ?", (row["key"],)
        ).fetchone()[0]
        if practitioners is not None:
            _replace_links(db, practice_id, practitioners)
    return practice_id


def _replace_links(db: sqlite_utils.Database, practice_id: int, pairs: Sequence) -> None:
    wanted = {(str(r), str(n)) for r, n in pairs}
    current = set(
        db.conn.execute(
            "select register, registration_number from practice_practitioners "
            "where practice_id = ?",
            (practice_id,),
        ).fetchall()
    )
    db.conn.executemany(
        "delete from practice_practitioners where practice_id = ? and register = ? "
        "and registration_number = ?",
        [(practice_id, r, n) for r, n in sorted(current - wanted)],
    )
    db.conn.executemany(
        "insert into practice_practitioners values (?, ?, ?)",
        [(practice_id, r, n) for r, n in sorted(wanted - current)],
    )


def practice_key(source: str, name: str, postcode: str | None) -> str:
    """The key of a practice its source gives no id for (an import, a GCC listing): its name,
    with case and runs of spaces ignored, and its postcode."""
    basis = f"{' '.join(name.split()).casefold()}|{postcode or ''}"
    return f"{source}:{hashlib.sha256(basis.encode()).hexdigest()[:16]}"


def add_or_update_practitioner(db: sqlite_utils.Database, row: dict) -> str:
    """Upsert one practitioner (reviving a retired one): "added", "updated" or "unchanged"."""
    where = "register = ? and registration_number = ?"
    pair = (row["register"], row["registration_number"])
    return _upsert_one(db, "practitioners", where, pair, lambda: upsert_practitioners(db, [row]))


def add_or_update_practice(db: sqlite_utils.Database, row: dict) -> str:
    """Upsert one practice (reviving a retired one): "added", "updated" or "unchanged"."""
    return _upsert_one(db, "practices", "key = ?", (row["key"],), lambda: upsert_practice(db, row))


def _upsert_one(db, table: str, where: str, args: tuple, upsert: Callable) -> str:
    was_there = db.conn.execute(f"select 1 from {table} where {where}", args).fetchone()
    wrote = database.changed(db, upsert)
    # A row the upsert revived is no longer retired for the reason it was.
    db.conn.execute(
        f"update {table} set retired_reason = null where {where} "
        "and retired_at is null and retired_reason is not null",
        args,
    )
    return "unchanged" if not wrote else "updated" if was_there else "added"


def link_practitioner(
    db: sqlite_utils.Database, practice_key: str, register: str, number: str
) -> None:
    """Say that a practitioner works at a practice (already upserted); no-op when known."""
    db.conn.execute(
        "insert or ignore into practice_practitioners select id, ?, ? from practices where key = ?",
        (register, number, practice_key),
    )


def unlink_practitioners(db: sqlite_utils.Database, links: Iterable[tuple[str, str, str]]) -> None:
    """Say that practitioners no longer work at practices: (practice key, register, number).
    A practitioner who has left their register (retired) keeps the record of where they
    worked: their links stay (they are never shown to patients)."""
    with database.atomic(db):
        db.conn.executemany(
            "delete from practice_practitioners where practice_id = "
            "(select id from practices where key = ?) and register = ? "
            "and registration_number = ? and not exists (select 1 from practitioners t "
            "where t.register = practice_practitioners.register and t.registration_number = "
            "practice_practitioners.registration_number and t.retired_at is not null)",
            list(links),
        )


def retire_practices(
    db: sqlite_utils.Database, keys: Iterable[str], reason: str | None = None
) -> int:
    """Take practices out of search (they stay in the table, for history), saying why."""
    stamp = times.now_iso()
    with database.atomic(db):
        cursor = db.conn.executemany(
            "update practices set retired_at = ?, retired_reason = ? "
            "where key = ? and retired_at is null",
            [(stamp, reason, key) for key in keys],
        )
    return cursor.rowcount


def retire_practitioners(
    db: sqlite_utils.Database, keys: Iterable[tuple[str, str]], reason: str | None = None
) -> int:
    """Take practitioners out of search, saying why; a practice left with none drops out too."""
    stamp = times.now_iso()
    with database.atomic(db):
        cursor = db.conn.executemany(
            "update practitioners set retired_at = ?, retired_reason = ? where register = ? "
            "and registration_number = ? and retired_at is null",
            [(stamp, reason, register, number) for register, number in keys],
        )
    return cursor.rowcount


def revive_practitioners(db: sqlite_utils.Database, keys: Iterable[tuple[str, str]]) -> int:
    """Put retired practitioners back into search: (register, number) pairs."""
    with database.atomic(db):
        cursor = db.conn.executemany(
            "update practitioners set retired_at = null, retired_reason = null "
            "where register = ? and registration_number = ? and retired_at is not null",
            list(keys),
        )
    return cursor.rowcount


def practice_count(db: sqlite_utils.Database) -> int:
    return db.execute("select count(*) from practices where retired_at is null").fetchone()[0]


class SampleDataPresent(FinderError):
    """Real data asked to join the sample directory: the folder must be emptied of it first."""

    status = 409
    code = "sample_present"


def sample_present(db: sqlite_utils.Database) -> bool:
    """True when the folder holds any sample row, listed or retired: real data (an import, a
    refresh) must not be mixed with it, and no register is ever asked about its made-up
    numbers."""
    return (
        db.execute(
            "select exists(select 1 from practices where source = ?) "
            "or exists(select 1 from practitioners where source = ?)",
            (SAMPLE_SOURCE, SAMPLE_SOURCE),
        ).fetchone()[0]
        == 1
    )


def has_sample_data(db: sqlite_utils.Database) -> bool:
    """True when what the directory lists is the sample: sample practices listed and no real
    one, so every page may say that what it shows is fictional. In a folder that mixed the two
    before they were kept apart, each sample practice carries its own label instead (`Hit`'s
    `sample_data`), and a page of real practices says nothing about samples."""
    # Two range scans of the source index, not a scan of every sample practice.
    return (
        db.execute(
            """select exists(select 1 from practices where source = ? and retired_at is null)
            and not exists(select 1 from practices where source < ? and retired_at is null)
            and not exists(select 1 from practices where source > ? and retired_at is null)""",
            (SAMPLE_SOURCE, SAMPLE_SOURCE, SAMPLE_SOURCE),
        ).fetchone()[0]
        == 1
    )


def directory_rows(db: sqlite_utils.Database) -> tuple[int, int]:
    """(practices, practitioners) in the tables, retired ones included: (0, 0) is an empty
    directory."""
    return db.execute(
        "select (select count(*) from practices), (select count(*) from practitioners)"
    ).fetchone()


def stored_practice(db: sqlite_utils.Database, key: str) -> dict | None:
    """The optional fields a practice has now (address, phone, email, website, features), or
    None when there is no practice with this key."""
    row = db.conn.execute(
        "select address, phone, email, website, features from practices where key = ?", (key,)
    ).fetchone()
    if row is None:
        return None
    address, phone, email, website, features = row
    return {
        "address": json.loads(address),
        "phone": phone,
        "email": email,
        "website": website,
        "features": json.loads(features),
    }
