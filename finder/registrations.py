"""Registration checks: the cache of what each register said, with evidence and history.

Tables (owned here):
- registration_checks: every check ever made against a register (append-only evidence), good
  or failed; `changed` marks a good check whose outcome, raw status or name differs from the
  previous good check;
- registrations: the current state per (register, registration_number), i.e. the latest
  good check, which search results join to.

A "good" check is one where the register answered and we understood the page: a registrant or
a clear not-found. A register that is unavailable, or a page we do not recognise (a redesign),
never changes `registrations`: the caller gets the last good state marked stale, or `unknown`
with the reason when there is none. Answers from the cache are not recorded as checks.
"""

from __future__ import annotations

import functools
import json
import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlite_utils import Database, Migrations

import scrapers
from finder import namematch
from finder.errors import FinderError, InvalidInput, NotFound
from scrapers.errors import LayoutChanged, RegisterUnavailable, RobotsDisallowed
from scrapers.http import PoliteSession

MIGRATIONS = Migrations("finder.registrations")
log = logging.getLogger("finder.registrations")

OUTCOMES = ("registered", "restricted", "inactive", "not_found", "unknown")
REGISTERS = ("hcpc", "gosc", "gcc")
REGISTER_NAMES = {"hcpc": "HCPC", "gosc": "GOsC", "gcc": "GCC"}
PROFESSIONS = {"hcpc": "physiotherapist", "gosc": "osteopath", "gcc": "chiropractor"}

DEFAULT_MAX_AGE = timedelta(days=7)
RENEWAL_MAX_AGE = timedelta(days=1)  # while many registrations lapse at once
# How long a check waits for another check of the same register to finish before it answers
# from the cache (marked stale, "register busy") or, with nothing cached, says try again.
REGISTER_BUSY_TIMEOUT = 10.0
BUSY_REASON = "register busy"

_NUMBER_RULES = {
    # register: (pattern on the compacted, upper-cased input, message when it does not match)
    "hcpc": (
        re.compile(r"PH[0-9]{1,6}"),
        "HCPC numbers are PH followed by up to 6 digits, like PH123456",
    ),
    # GOsC: leading zeros are stripped first, so '09123' and '9123' share one cache key.
    "gosc": (re.compile(r"[1-9][0-9]{0,5}"), "GOsC numbers are digits only, like 9123"),
    "gcc": (re.compile(r"[0-9]{1,5}"), "GCC numbers are up to 5 digits, like 04567"),
}


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


def normalise_number(register: str, number: str) -> str:
    """The registration number as the register and our cache know it, or InvalidInput.

    HCPC: upper-cased, spaces removed; GOsC: digits, leading zeros stripped; GCC: 5 digits,
    leading zeros restored. Only ASCII digits 0-9 count (not other scripts' digits).
    """
    register = normalise_register(register)
    compact = "".join(str(number or "").split()).upper()
    pattern, message = _NUMBER_RULES[register]
    candidate = compact.lstrip("0") if register == "gosc" else compact
    if not pattern.fullmatch(candidate):
        shown = f"'{number}' is not valid: " if compact else "The registration number is empty: "
        raise InvalidInput(shown + message, code="invalid_registration_number")
    return compact.zfill(5) if register == "gcc" else candidate


def normalise_register(register: str) -> str:
    key = str(register or "").strip().lower()
    if key not in REGISTERS:
        raise InvalidInput(
            f"'{register}' is not a register: use hcpc, gosc or gcc", code="invalid_register"
        )
    return key


def cache_max_age(register: str, number: str, today: datetime) -> timedelta:
    """How old a cached answer may be: a day when renewals lapse in bulk, else a week.

    HCPC physiotherapists renew by 30 April of even years (lapses show from about 1 May);
    GCC registrations lapse on 14 December.
    """
    day = today.date()
    in_renewal_window = day.year % 2 == 0 and (4, 20) <= (day.month, day.day) <= (5, 31)
    if register == "hcpc" and number.startswith("PH") and in_renewal_window:
        return RENEWAL_MAX_AGE
    if register == "gcc" and day.month == 12:
        return RENEWAL_MAX_AGE
    return DEFAULT_MAX_AGE


class NotAsked(RegisterUnavailable):
    """The register failed moments ago, so this check did not ask it: there is no page, no
    address and nothing to keep as evidence of this check."""


class RegisterBusy(FinderError):
    """Another check holds the register and nothing is cached to answer with: try again soon."""

    status = 503
    code = "register_busy"

    def __init__(self, register: str, retry_after: float = REGISTER_BUSY_TIMEOUT) -> None:
        self.register = register
        self.retry_after = max(1, int(retry_after + 0.999))
        super().__init__(
            f"The {REGISTER_NAMES.get(register, register)} register is busy with other checks "
            f"and this one has never been checked here: try again in {self.retry_after} seconds."
        )


class RegisterClients:
    """One polite session per register, used one request at a time.

    After a register fails to answer it is left alone for `outage_cooldown` seconds (or its
    Retry-After, if longer): lookups meanwhile fail at once with the same reason, so a bulk
    check during an outage serves stale answers quickly instead of retrying every row.
    """

    def __init__(
        self,
        sessions: dict[str, Any],
        base_urls: dict[str, str],
        *,
        outage_cooldown: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        busy_timeout: float = REGISTER_BUSY_TIMEOUT,
    ) -> None:
        self.sessions = sessions
        self.base_urls = base_urls
        self.outage_cooldown = outage_cooldown
        self.busy_timeout = busy_timeout
        self._clock = clock
        self._sleep = sleep
        self._locks = {register: threading.Lock() for register in REGISTERS}
        self._down: dict[str, tuple[float, RegisterUnavailable]] = {}

    def lookup(self, register: str, number: str) -> scrapers.Registration | scrapers.NotFound:
        """Raises RegisterBusy when another lookup holds the register for `busy_timeout`."""
        lock = self._locks[register]
        if not lock.acquire(timeout=self.busy_timeout):
            raise RegisterBusy(register, self.busy_timeout)
        try:
            return self._lookup(register, number)
        finally:
            lock.release()

    def wait_out_pause(self, register: str) -> float:
        """Wait until a register left alone after an outage may be asked again (for a long
        walk, which would rather wait than fail every check meanwhile); the seconds waited."""
        down = self._down.get(register)
        wait = down[0] - self._clock() if down else 0.0
        if wait <= 0:
            return 0.0
        self._sleep(wait)
        return wait

    def _lookup(self, register: str, number: str) -> scrapers.Registration | scrapers.NotFound:
        """One lookup, with the register's lock held."""
        down = self._down.get(register)
        if down is not None and self._clock() < down[0]:
            raise NotAsked(f"{down[1].reason} (on a check moments ago; not asked again yet)")
        module = scrapers.register_module(register)
        try:
            result = module.lookup(self.sessions[register], self.base_urls[register], number)
        except RegisterUnavailable as error:
            wait = max(self.outage_cooldown, error.retry_after or 0)
            self._down[register] = (self._clock() + wait, error)
            raise
        self._down.pop(register, None)
        return result

    def close(self) -> None:
        for session in self.sessions.values():
            session.close()


def clients_from_config(config: dict, **session_options: Any) -> RegisterClients:
    """Clients from the FINDER_* settings. `session_options` go to every PoliteSession
    (tests pass `sleep=` and `clock=` so nothing waits for real)."""
    interval = float(config.get("REQUEST_INTERVAL", 2.0))
    contact = str(config.get("CONTACT") or "finder operator")
    sessions = {
        register: PoliteSession(contact, min_interval=interval, **session_options)
        for register in REGISTERS
    }
    base_urls = {register: str(config[f"{register.upper()}_URL"]) for register in REGISTERS}
    cooldown = 0.0 if interval == 0 else 60.0
    timing = {k: v for k, v in session_options.items() if k in ("clock", "sleep")}
    return RegisterClients(sessions, base_urls, outage_cooldown=cooldown, **timing)


@dataclass
class CheckResult:
    register: str
    registration_number: str
    outcome: str
    status_raw: str | None = None
    name_on_register: str | None = None
    name_match: dict | None = None
    checked_at: str = ""
    source_url: str | None = None
    evidence_sha256: str | None = None
    stale: bool = False
    changed: bool = False
    reason: str | None = None
    profession: str | None = field(default=None, repr=False)

    @property
    def register_url(self) -> str | None:
        """Link to the register's own entry (the page the evidence hash was taken from)."""
        return self.source_url

    def to_dict(self) -> dict:
        return {
            "register": self.register,
            "registration_number": self.registration_number,
            "outcome": self.outcome,
            "status_raw": self.status_raw,
            "name_on_register": self.name_on_register,
            "name_match": self.name_match,
            "checked_at": self.checked_at,
            "source_url": self.source_url,
            "evidence_sha256": self.evidence_sha256,
            "stale": self.stale,
            "changed": self.changed,
            "reason": self.reason,
        }


def check(
    db: Database,
    register: str,
    number: str,
    name: str | None = None,
    *,
    clients: RegisterClients,
    max_age: timedelta | None = None,
    refresh: bool = False,
    now: datetime | None = None,
) -> CheckResult:
    """Check one registration: from the cache when fresh enough, else from the register.

    `max_age` replaces the cache policy (`cache_max_age`); `refresh` always asks the register.
    Raises InvalidInput for an unknown register or a malformed number.
    """
    register = normalise_register(register)
    number = normalise_number(register, number)
    now = now or datetime.now(UTC)
    cached = read_current(db, [(register, number)]).get((register, number))
    if cached and not refresh and is_fresh(cached, max_age, now):
        return result_from_row(cached, name)
    return fetch_and_record(db, register, number, name, clients=clients, cached=cached, now=now)


def is_fresh(row: dict, max_age: timedelta | None, now: datetime) -> bool:
    limit = (
        max_age
        if max_age is not None
        else cache_max_age(row["register"], row["registration_number"], now)
    )
    return now - datetime.fromisoformat(row["checked_at"]) <= limit


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


def result_from_row(
    row: dict, name: str | None, *, stale: bool = False, reason: str | None = None
) -> CheckResult:
    # A good answer with a reason is one a later check could not confirm (the register said
    # something nobody has mapped yet): stale, with that reason, until a check settles it.
    stale = stale or (row["outcome"] != "unknown" and row.get("reason") is not None)
    return CheckResult(
        register=row["register"],
        registration_number=row["registration_number"],
        outcome=row["outcome"],
        status_raw=row["status_raw"],
        name_on_register=row["name_on_register"],
        name_match=_name_match(name, row["name_on_register"]),
        checked_at=row["checked_at"],
        source_url=row["source_url"],
        evidence_sha256=row["evidence_sha256"],
        stale=stale,
        changed=bool(row.get("changed")) and not stale,
        reason=reason or row.get("reason"),
        profession=row.get("profession") or PROFESSIONS[row["register"]],
    )


def _logged_fetch(fetch: Callable[..., CheckResult]) -> Callable[..., CheckResult]:
    """Log one line per register fetch (logger `finder.registrations`), however it ends."""

    @functools.wraps(fetch)
    def logged(db: Database, register: str, number: str, *args, **kwargs) -> CheckResult:
        started = time.perf_counter()
        outcome, detail = "error", ""
        try:
            result = fetch(db, register, number, *args, **kwargs)
            outcome = result.outcome
            detail = f" stale={result.stale} reason={result.reason!r}"
            return result
        except RegisterBusy:
            detail = f" reason={BUSY_REASON!r}"
            raise
        finally:
            log.info(
                "register fetch register=%s number=%s outcome=%s%s ms=%d",
                register,
                number,
                outcome,
                detail,
                (time.perf_counter() - started) * 1000,
            )

    return logged


@_logged_fetch
def fetch_and_record(
    db: Database,
    register: str,
    number: str,
    name: str | None,
    *,
    clients: RegisterClients,
    cached: dict | None,
    now: datetime,
) -> CheckResult:
    """Ask the register, record the check, and update the current state if it was good.

    When another check holds the register, answers the cached state marked stale ("register
    busy"), or raises RegisterBusy with nothing cached.
    """
    checked_at = now.astimezone(UTC).isoformat(timespec="seconds")
    try:
        answer = clients.lookup(register, number)
    except RegisterBusy:
        if cached is not None:  # nothing asked the register, so nothing to record
            return result_from_row(cached, name, stale=True, reason=BUSY_REASON)
        raise
    except (RegisterUnavailable, LayoutChanged, RobotsDisallowed) as error:
        reason = failure_reason(error)
        check_row = {
            "register": register,
            "registration_number": number,
            "checked_at": checked_at,
            "outcome": "unknown",
            "source_url": getattr(error, "url", None),
            "reason": reason,
            "changed": 0,
        }
        if not isinstance(error, NotAsked):  # only a request made is history
            with db.conn:
                db["registration_checks"].insert(check_row)
        if cached is not None:
            return result_from_row(cached, name, stale=True, reason=reason)
        return CheckResult(
            register=register,
            registration_number=number,
            outcome="unknown",
            name_match=None,
            checked_at=checked_at,
            source_url=check_row["source_url"],
            reason=reason,
            profession=PROFESSIONS[register],
        )
    row = _good_check_row(register, number, answer, checked_at)
    row["changed"] = int(_differs(cached, row))
    # A status nobody has mapped is evidence, kept in the history, but it must not replace a
    # good answer: the caller gets that one, stale, with the new page's words as the reason.
    keep_cached = row["outcome"] == "unknown" and cached is not None
    keep_cached = keep_cached and cached["outcome"] != "unknown"
    with db.conn:
        check_id = db["registration_checks"].insert(row).last_pk
        if keep_cached:  # current, but doubted until a check confirms or replaces it
            db.execute(
                "update registrations set reason = ? where register = ? "
                "and registration_number = ?",
                [row["reason"], register, number],
            )
        else:
            current = {k: row[k] for k in _CURRENT_COLUMNS}
            db["registrations"].upsert({**current, "last_check_id": check_id}, pk=_CURRENT_PK)
    if keep_cached:
        return result_from_row(cached, name, stale=True, reason=row["reason"])
    return result_from_row(row, name)


def failure_reason(error: Exception) -> str:
    if isinstance(error, RegisterUnavailable):
        return f"register unavailable: {error.reason}"
    if isinstance(error, LayoutChanged):
        return f"register page not understood (layout changed?): {error.reason}"
    return "the register's robots.txt does not allow this check"


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


def _good_check_row(register: str, number: str, answer: Any, checked_at: str) -> dict:
    if isinstance(answer, scrapers.NotFound):
        return {
            "register": register,
            "registration_number": number,
            "checked_at": checked_at,
            "outcome": "not_found",
            "status_raw": None,
            "name_on_register": None,
            "profession": PROFESSIONS[register],
            "source_url": answer.source_url,
            "evidence_sha256": answer.page_sha256,
            "reason": None,
            "details": None,
        }
    details = scrapers.as_jsonable(answer)
    for key in ("type", "register", "registration_number", "name", "status_raw", "outcome"):
        details.pop(key, None)
    reason = None
    if answer.outcome == "unknown":
        reason = f"{answer.outcome_reason or 'status not recognised'}: {answer.status_raw!r}"
    return {
        "register": register,
        "registration_number": number,
        "checked_at": checked_at,
        "outcome": answer.outcome,
        "status_raw": answer.status_raw,
        "name_on_register": answer.name,
        "profession": answer.profession or PROFESSIONS[register],
        "source_url": answer.source_url,
        "evidence_sha256": answer.page_sha256,
        "reason": reason,
        "details": json.dumps(details, ensure_ascii=False),
    }


def _differs(previous: dict | None, row: dict) -> bool:
    if previous is None:
        return False  # a first check has nothing to differ from
    fields = ("outcome", "status_raw", "name_on_register")
    return any(previous.get(f) != row.get(f) for f in fields)


def _name_match(name: str | None, name_on_register: str | None) -> dict | None:
    """How the name given compares with the register's; None when either is missing (a number
    the register does not know has no name to compare: that is no "mismatch")."""
    if not name or not str(name).strip() or not name_on_register:
        return None
    return namematch.match(str(name).strip(), name_on_register).to_dict()


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


# Bulk checks live in finder.bulk; reachable from here so `registrations` is the one interface
# (lazily: finder.bulk imports this module).
_BULK_NAMES = (
    "MAX_BULK_ROWS",
    "MAX_WEB_FETCHES",
    "check_many",
    "count_needing_register",
    "read_csv",
    "too_many_fetches",
    "write_csv",
)


def __getattr__(name: str) -> Any:
    if name in _BULK_NAMES:
        from finder import bulk

        return getattr(bulk, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
