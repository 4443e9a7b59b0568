"""The registration tables: every check with its evidence, and the current state per number.

Tables (owned here):
- registration_checks: every check ever made against a register (append-only evidence), good
  or failed; `changed` marks a good check whose outcome, raw status or name differs from the
  previous good check;
- registrations: the current state per (register, registration_number), i.e. the latest
  good check, which search results join to;
- register_health: per register, the last page understood and the last layout change
  (written and read by `health`).
"""

from __future__ import annotations

from sqlite_utils import Database, Migrations

from finder.db import atomic
from finder.errors import NotFound
from finder.registrations.policy import normalise_number, normalise_register
from finder.vocabulary import REGISTER_NAMES

# The set's name is historical (this was the module finder.registrations): never rename it.
MIGRATIONS = Migrations("finder.registrations")


@MIGRATIONS()
def create_registration_tables(db) -> None:
    db["registration_checks"].create(
        {
            "id": int,
            "register": str,
            "registration_number": str,
            "checked_at": str,  # ISO 8601 UTC
            "outcome": str,
            "status_raw": str,
            "name_on_register": str,
            "profession": str,
            "source_url": str,
            "evidence_sha256": str,
            "reason": str,
            "changed": int,
            "details": str,  # JSON: period, entitlements, practices, data valid on...
        },
        pk="id",
        not_null={"register", "registration_number", "checked_at", "outcome"},
    )
    db["registration_checks"].create_index(["register", "registration_number", "checked_at"])
    db["registrations"].create(
        {
            "register": str,
            "registration_number": str,
            "outcome": str,
            "status_raw": str,
            "name_on_register": str,
            "profession": str,
            "checked_at": str,
            "source_url": str,
            "evidence_sha256": str,
            "last_check_id": int,
        },
        pk=("register", "registration_number"),
        not_null={"outcome", "checked_at"},
    )


@MIGRATIONS()
def add_current_state_change_and_reason(db) -> None:
    # A cached answer must say whether its check changed anything, and why its outcome is
    # 'unknown' (a status wording nobody has mapped yet), without reading the history.
    db["registrations"].add_column("changed", int)
    db["registrations"].add_column("reason", str)


@MIGRATIONS()
def use_one_timestamp_format(db) -> None:
    # Checks were stamped '...+00:00' while the rest of the database said '...Z' (finder.times):
    # one format sorts and compares as text, and the API answers one documented form.
    for table in ("registration_checks", "registrations"):
        db.execute(
            f"update {table} set checked_at = substr(checked_at, 1, 19) || 'Z' "
            "where checked_at like '%+00:00'"
        )


@MIGRATIONS()
def create_register_health(db) -> None:
    # Per register, when finder last understood one of its pages and when one last was not
    # (a redesign), so /healthz and the check page can say which answers are the last known.
    db["register_health"].create(
        {
            "register": str,
            "last_understood": str,  # ISO 8601 UTC
            "last_layout_change": str,  # ISO 8601 UTC
            "layout_change_reason": str,
        },
        pk="register",
    )


def read_current(db: Database, keys: list[tuple[str, str]]) -> dict[tuple[str, str], dict]:
    """Current good states for many (register, number) keys, read in a few queries."""
    found: dict[tuple[str, str], dict] = {}
    by_register: dict[str, list[str]] = {}
    for register, number in keys:
        by_register.setdefault(register, []).append(number)
    if not db["registrations"].exists():
        return found
    for register, numbers in by_register.items():
        unique = list(dict.fromkeys(numbers))
        for start in range(0, len(unique), 500):
            chunk = unique[start : start + 500]
            marks = ",".join("?" * len(chunk))
            cursor = db.execute(
                "select * from registrations where register = ? "
                f"and registration_number in ({marks})",
                [register, *chunk],
            )
            columns = [c[0] for c in cursor.description]
            for values in cursor.fetchall():
                row = dict(zip(columns, values, strict=True))
                found[(register, row["registration_number"])] = row
    return found


_CURRENT_PK = ("register", "registration_number")
_CURRENT_COLUMNS = (
    "register",
    "registration_number",
    "outcome",
    "status_raw",
    "name_on_register",
    "profession",
    "checked_at",
    "source_url",
    "evidence_sha256",
    "changed",
    "reason",
)


def history(db: Database, register: str, number: str) -> list[dict]:
    """Every check of one registration, newest first. NotFound if it was never checked."""
    register = normalise_register(register)
    number = normalise_number(register, number)
    rows = list(
        db.query(
            "select checked_at, outcome, status_raw, name_on_register, source_url, "
            "evidence_sha256, changed, reason from registration_checks "
            "where register = ? and registration_number = ? order by checked_at desc, id desc",
            [register, number],
        )
    )
    if not rows:
        raise NotFound(f"{REGISTER_NAMES[register]} {number} has never been checked here")
    for row in rows:
        row["changed"] = bool(row["changed"])
    return rows


def record_failed_check(db: Database, row: dict) -> None:
    """Keep a check the register did not answer (or answered with a page not understood)."""
    with db.conn:
        db["registration_checks"].insert(row)


def record_good_check(db: Database, row: dict, *, doubt_current: bool = False) -> None:
    """Keep a good check and make it the current state; with `doubt_current`, keep the current
    state but mark it with the check's reason until a later check confirms or replaces it.
    Inside a caller's transaction (a refresh page) it joins it."""
    with atomic(db):
        check_id = db["registration_checks"].insert(row).last_pk
        if doubt_current:
            db.execute(
                "update registrations set reason = ? where register = ? "
                "and registration_number = ?",
                [row["reason"], row["register"], row["registration_number"]],
            )
        else:
            current = {k: row[k] for k in _CURRENT_COLUMNS}
            db["registrations"].upsert({**current, "last_check_id": check_id}, pk=_CURRENT_PK)


def insert_sample_states(db: Database, rows: list[tuple]) -> None:
    """The sample directory's made-up registration states (finder demo), inside the caller's
    transaction: no register was asked, so no check is recorded and no source URL given.
    Each row: register, number, outcome, status_raw, name_on_register, profession,
    checked_at, source_url."""
    db.conn.executemany(
        "insert or ignore into registrations (register, registration_number, outcome, "
        "status_raw, name_on_register, profession, checked_at, source_url) "
        "values (?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )


def remove_sample_states(db: Database, keys: list[tuple[str, str]]) -> int:
    """Delete the sample directory's made-up states of these (register, number) keys, inside
    the caller's transaction; a state a register really gave (it has a check) stays. Returns
    how many went."""
    cursor = db.conn.executemany(
        "delete from registrations where register = ? and registration_number = ? "
        "and last_check_id is null and status_raw like '%(sample data)'",
        keys,
    )
    return cursor.rowcount


def is_sample_number(db: Database, register: str, number: str) -> bool:
    """Whether (register, number) is a practitioner of the sample directory (finder demo):
    made up, and perhaps some real person's number, so never to be asked of a register."""
    return bool(sample_numbers(db, [(register, number)]))


def sample_numbers(db: Database, keys: list[tuple[str, str]]) -> set[tuple[str, str]]:
    """Those of the (register, number) keys that belong to the sample directory."""
    found: set[tuple[str, str]] = set()
    for register in {register for register, _ in keys}:
        numbers = sorted({number for r, number in keys if r == register})
        for start in range(0, len(numbers), 500):
            chunk = numbers[start : start + 500]
            rows = db.execute(
                "select registration_number from practitioners where source = 'sample' "
                f"and register = ? and registration_number in ({','.join('?' * len(chunk))})",
                [register, *chunk],
            )
            found |= {(register, number) for (number,) in rows}
    return found
