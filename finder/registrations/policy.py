"""How registration numbers are written, and how old a cached answer may be."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from finder import times
from finder.errors import FinderError, InvalidInput
from finder.registrations.renewals import renewal_window
from finder.vocabulary import REGISTERS

DEFAULT_MAX_AGE = timedelta(days=7)
RENEWAL_MAX_AGE = timedelta(days=1)  # while many registrations lapse at once

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
# The same rules in words, for the API's documentation: change both together.
NUMBER_FORMATS = {
    "hcpc": "PH and 1 to 6 digits",
    "gosc": "1 to 6 digits, leading zeros ignored",
    "gcc": "1 to 5 digits, leading zeros added to make 5",
}


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


def row_key(row: Any) -> tuple[str, str]:
    """A bulk row's (register, registration number), normalised, or InvalidInput saying what is
    wrong: bulk checks and watchlists read rows alike. A row already known to be bad (a
    bulk.BadRow) carries its reason as `message`."""
    if not isinstance(row, dict) or hasattr(row, "message"):
        why = getattr(row, "message", "Each row must be an object with register and number.")
        raise InvalidInput(why)
    register = normalise_register(row.get("register"))
    return register, normalise_number(register, row.get("registration_number"))


def cache_max_age(register: str, number: str, today: datetime) -> timedelta:
    """How old a cached answer may be: a day in the register's renewal window, when
    registrations lapse in bulk (finder.registrations.renewals), else a week."""
    if renewal_window(register, number, today.date()) is not None:
        return RENEWAL_MAX_AGE
    return DEFAULT_MAX_AGE


def is_fresh(row: dict, max_age: timedelta | None, now: datetime) -> bool:
    limit = (
        max_age
        if max_age is not None
        else cache_max_age(row["register"], row["registration_number"], now)
    )
    return now - times.parse(row["checked_at"]) <= limit


def limit_public_max_age(
    register: str,
    number: str,
    max_age: timedelta | None,
    *,
    has_key: bool,
    now: datetime | None = None,
) -> None:
    """Refuse (403) a max_age below the cache policy without an API key: anyone could
    otherwise make every check go to the register (and hold it for everybody) with
    max_age_days=0."""
    if max_age is None or has_key:
        return
    register = normalise_register(register)
    number = normalise_number(register, number)
    policy = cache_max_age(register, number, now or datetime.now(UTC))
    if max_age >= policy:
        return
    raise FinderError(
        f"max_age_days below {policy / timedelta(days=1):g} (a fresher answer than the cache "
        "keeps) needs an API key to force a fresh check: send 'Authorization: Bearer <key>', "
        "or leave max_age_days out (the answer says when it was checked).",
        code="api_key_required_for_fresh_check",
        status=403,
    )
