"""Checking a registration: from the cache when fresh enough, else from the register.

A "good" check is one where the register answered and we understood the page: a registrant or
a clear not-found. A register that is unavailable, or a page we do not recognise (a redesign),
never changes `registrations`: the caller gets the last good state marked stale, or `unknown`
with the reason when there is none. Answers from the cache are not recorded as checks.
"""

from __future__ import annotations

import functools
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlite_utils import Database

import scrapers
from finder import times
from finder.registrations import health, namematch, store
from finder.registrations.clients import BUSY_REASON, NotAsked, RegisterBusy, RegisterClients
from finder.registrations.policy import is_fresh, normalise_number, normalise_register
from finder.vocabulary import PROFESSION_OF_REGISTER, reason_code
from scrapers.errors import LayoutChanged, RegisterUnavailable, RobotsDisallowed

log = logging.getLogger("finder.registrations")


@dataclass
class CheckResult:
    register: str
    registration_number: str
    outcome: str
    status_raw: str | None = None
    name_on_register: str | None = None
    name_match: dict | None = None
    checked_at: str | None = ""
    source_url: str | None = None
    evidence_sha256: str | None = None
    stale: bool = False
    changed: bool = False
    reason: str | None = None
    profession: str | None = field(default=None, repr=False)

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
            "reason_code": reason_code(self.reason),
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
    cached = store.read_current(db, [(register, number)]).get((register, number))
    if store.is_sample_number(db, register, number):
        return sample_result(register, number, cached, name)
    if cached and not refresh and is_fresh(cached, max_age, now):
        return result_from_row(cached, name)
    return fetch_and_record(db, register, number, name, clients=clients, cached=cached, now=now)


SAMPLE_REASON = "sample data: a made-up number, never asked of the register"


def sample_result(register: str, number: str, stored: dict | None, name: str | None) -> CheckResult:
    """A number of the sample directory: its made-up state, said to be sample data."""
    if stored is not None:
        return replace(result_from_row(stored, name), reason=SAMPLE_REASON)
    return CheckResult(
        register=register,
        registration_number=number,
        outcome="unknown",
        checked_at=None,
        reason=SAMPLE_REASON,
        profession=PROFESSION_OF_REGISTER[register],
    )


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
        name_match=name_match(name, row["name_on_register"]),
        checked_at=row["checked_at"],
        source_url=row["source_url"],
        evidence_sha256=row["evidence_sha256"],
        stale=stale,
        changed=bool(row.get("changed")) and not stale,
        reason=reason or row.get("reason"),
        profession=row.get("profession") or PROFESSION_OF_REGISTER[row["register"]],
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
    checked_at = times.iso(now)
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
            store.record_failed_check(db, check_row)
        if isinstance(error, LayoutChanged):
            health.layout_changed(db, register, error.reason, checked_at)
        if cached is not None:
            return result_from_row(cached, name, stale=True, reason=reason)
        return CheckResult(
            register=register,
            registration_number=number,
            outcome="unknown",
            name_match=None,
            # Not asked (the register's pause after an outage): no check, so no time of one.
            checked_at=None if isinstance(error, NotAsked) else checked_at,
            source_url=check_row["source_url"],
            reason=reason,
            profession=PROFESSION_OF_REGISTER[register],
        )
    return _record_answer(db, register, number, answer, name, cached, checked_at)


def record(
    db: Database,
    register: str,
    number: str,
    answer: scrapers.Registration | scrapers.NotFound,
    *,
    name: str | None = None,
    now: datetime | None = None,
) -> CheckResult:
    """Record what a register already said (a registrant, or not found) as a check of this
    number, exactly as a check that asked for it would: a refresh reads registrants off the
    register's search pages, and that is evidence too. Asks no register and logs no fetch.

    Raises InvalidInput for an unknown register or a malformed number.
    """
    register = normalise_register(register)
    number = normalise_number(register, number)
    cached = store.read_current(db, [(register, number)]).get((register, number))
    checked_at = times.iso(now or datetime.now(UTC))
    return _record_answer(db, register, number, answer, name, cached, checked_at)


def _record_answer(
    db: Database,
    register: str,
    number: str,
    answer: scrapers.Registration | scrapers.NotFound,
    name: str | None,
    cached: dict | None,
    checked_at: str,
) -> CheckResult:
    """The one way a good answer is recorded, whether just fetched or read off a listing."""
    row = _good_check_row(register, number, answer, checked_at)
    row["changed"] = int(_differs(cached, row))
    # A status nobody has mapped is evidence, kept in the history, but it must not replace a
    # good answer: the caller gets that one, stale, with the new page's words as the reason.
    keep_cached = row["outcome"] == "unknown" and cached is not None
    keep_cached = keep_cached and cached["outcome"] != "unknown"
    store.record_good_check(db, row, doubt_current=keep_cached)
    health.page_understood(db, register, checked_at)
    if keep_cached:
        return result_from_row(cached, name, stale=True, reason=row["reason"])
    return result_from_row(row, name)


def failure_reason(error: Exception) -> str:
    if isinstance(error, RegisterUnavailable):
        return f"register unavailable: {error.reason}"
    if isinstance(error, LayoutChanged):
        return f"register page not understood (layout changed?): {error.reason}"
    return "the register's robots.txt does not allow this check"


def _good_check_row(register: str, number: str, answer: Any, checked_at: str) -> dict:
    if isinstance(answer, scrapers.NotFound):
        return {
            "register": register,
            "registration_number": number,
            "checked_at": checked_at,
            "outcome": "not_found",
            "status_raw": None,
            "name_on_register": None,
            "profession": PROFESSION_OF_REGISTER[register],
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
        "profession": answer.profession or PROFESSION_OF_REGISTER[register],
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


def name_match(name: str | None, name_on_register: str | None) -> dict | None:
    """How the name given compares with the register's; None when either is missing (a number
    the register does not know has no name to compare: that is no "mismatch")."""
    if not name or not str(name).strip() or not name_on_register:
        return None
    return namematch.match(str(name).strip(), name_on_register).to_dict()
