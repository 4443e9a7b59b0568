"""Records the parsers return, the outcome vocabulary, and small text helpers they share.

Records are frozen dataclasses with tuple fields, so they compare by value and can be hashed.
`as_jsonable()` turns any of them into plain JSON-ready data.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from bs4 import Tag

# Outcomes of a status string. A register's own wording stays in `status_raw`.
REGISTERED = "registered"
RESTRICTED = "restricted"  # conditions of practice, caution, admonishment
INACTIVE = "inactive"  # lapsed, suspended, removed, non-practising, deregistered
UNKNOWN = "unknown"  # wording we do not recognise: a human must look
OUTCOMES = (REGISTERED, RESTRICTED, INACTIVE, UNKNOWN)
STATUS_NOT_RECOGNISED = "status not recognised"


@dataclass(frozen=True)
class PractitionerLink:
    """A practitioner named on a practice listing (GOsC): the id is the site's, not a number."""

    name: str
    register_id: str | None
    url: str | None


@dataclass(frozen=True)
class Practice:
    name: str
    address_lines: tuple[str, ...] = ()  # without the postcode line
    postcode: str | None = None
    phone: str | None = None
    email: str | None = None
    website: str | None = None
    register_id: str | None = None  # the register's own practice id, where it has one
    register_url: str | None = None
    practitioners: tuple[PractitionerLink, ...] = ()


@dataclass(frozen=True)
class Registration:
    """One registrant as a register shows them."""

    register: str  # 'hcpc' | 'gosc' | 'gcc'
    registration_number: str  # a string: GCC numbers keep their leading zeros
    name: str
    profession: str  # 'physiotherapist' | 'osteopath' | 'chiropractor'
    status_raw: str
    outcome: str  # one of OUTCOMES
    outcome_reason: str | None  # why the outcome is UNKNOWN; None when recognised
    source_url: str
    page_sha256: str  # evidence: hash of the page the record was read from
    period_from: date | None = None
    period_to: date | None = None
    registered_since: date | None = None  # GOsC "date of registration"
    location: str | None = None  # HCPC's approximate geographical area
    entitlements: tuple[str, ...] = ()
    qualifications: tuple[str, ...] = ()
    notes: str | None = None  # conditions / hearing notes as shown
    email: str | None = None
    practices: tuple[Practice, ...] = ()
    data_valid_on: str | None = None  # the register's own timestamp text, as shown


@dataclass(frozen=True)
class NotFound:
    """The register answered and said it has no such registrant. Distinct from unavailable."""

    register: str
    query: str
    source_url: str
    page_sha256: str


@dataclass(frozen=True)
class ResultPage:
    """One page of search results. `at_end` is True when there is no point asking for more."""

    register: str
    source_url: str
    page_sha256: str
    items: tuple[Any, ...] = field(default_factory=tuple)
    at_end: bool = False


def map_status(raw: str, table: Mapping[str, str]) -> tuple[str, str | None]:
    """Outcome for a raw status via an exact (case/whitespace-insensitive) table lookup.

    Anything not in the table is UNKNOWN, never REGISTERED: a new wording must be read by a human.
    """
    outcome = table.get(normalise_key(raw))
    if outcome is None:
        return UNKNOWN, STATUS_NOT_RECOGNISED
    return outcome, None


# Curly quotes as straight ones: the registers' own wording uses both (HCPC's outage banner
# says ‘Check the Register’), our constants only straight ones.
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})


def normalise_key(text: str) -> str:
    """For comparing wording: whitespace collapsed, case and curly quotes folded."""
    return clean(text).translate(_QUOTES).casefold()


def clean(text: str | None) -> str:
    """Collapse runs of whitespace (including non-breaking spaces) to one space."""
    return " ".join((text or "").split())


def lines_of(tag: Tag | None) -> list[str]:
    """Visible lines of an element (split at <br> and block ends), cleaned, blanks dropped."""
    if tag is None:
        return []
    return [line for line in (clean(part) for part in tag.get_text("\n").split("\n")) if line]


def mailto_address(anchor: Tag | None) -> str | None:
    """The address of a mailto: link (without any ?subject=), else its text."""
    if anchor is None:
        return None
    address = str(anchor.get("href", ""))[len("mailto:") :].split("?")[0].strip()
    return address or clean(anchor.get_text()) or None


def page_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


_POSTCODE = re.compile(r"\b([A-Z]{1,2}[0-9][A-Z0-9]?)\s*([0-9][A-Z]{2})\s*$", re.IGNORECASE)


def split_address(lines: Iterable[str]) -> tuple[tuple[str, ...], str | None]:
    """Split address lines into (lines without postcode, postcode 'AB1 2CD' or None).

    The registers print the postcode on its own line; a trailing postcode on the last line is
    also accepted.
    """
    lines = [clean(line).rstrip(",") for line in lines if clean(line)]
    if not lines:
        return (), None
    match = _POSTCODE.search(lines[-1])
    if not match:
        return tuple(lines), None
    postcode = f"{match.group(1)} {match.group(2)}".upper()
    rest = lines[-1][: match.start()].strip().rstrip(",")
    lines = lines[:-1] + ([rest] if rest else [])
    return tuple(lines), postcode


_DATE_FORMATS = ("%d/%m/%Y", "%d %B %Y", "%d %b %Y", "%Y-%m-%d")


def parse_date(text: str) -> date | None:
    """A date in one of the formats the registers use, or None when it is not one."""
    text = clean(text)
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def as_jsonable(value: Any) -> Any:
    """Records (and lists of them) as plain dicts/lists/strings, dates in ISO format."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        data = {"type": type(value).__name__}
        for item in dataclasses.fields(value):
            data[item.name] = as_jsonable(getattr(value, item.name))
        return data
    if isinstance(value, (list, tuple)):
        return [as_jsonable(item) for item in value]
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value
