"""What a search shows: practices and their practitioners, with each registration's state.

Each practice's listing is kept ready in SQLite (finder.stored_listings): its fields, its
current practitioners, and their registration states from `registrations` (finder.registrations),
joined on (register, registration_number); a practitioner with no row there has never been
checked. load_hits() reads a page of them in one statement and picks the chosen professions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from urllib.parse import urlsplit

import sqlite_utils

from finder import times
from finder.directory import stored_listings
from finder.directory.practices import SAMPLE_SOURCE
from finder.directory.stored_listings import (
    PRACTICE_FIELDS,
    PRACTITIONER_FIELDS,
    REGISTRATION_FIELDS,
)
from finder.vocabulary import KM_PER_MILE, PROFESSIONS, REGISTER_NAMES

_URL_BUILDERS: dict | None = None  # register -> (default base URL, number -> URL), built once


def _url_builders() -> dict:
    """Built on first use (the scrapers bring BeautifulSoup with them) and published whole in
    one assignment, so a concurrent first request never sees a half-filled table."""
    global _URL_BUILDERS
    builders = _URL_BUILDERS
    if builders is None:
        from scrapers import gcc, gosc, hcpc

        builders = {
            "hcpc": (hcpc.DEFAULT_BASE_URL, hcpc.detail_url),
            "gosc": (gosc.DEFAULT_BASE_URL, gosc.registrant_search_url),
            "gcc": (gcc.DEFAULT_BASE_URL, gcc.number_search_url),
        }
        _URL_BUILDERS = builders
    return builders


def register_entry_url(
    register: str, number: str, base_urls: Mapping[str, str] | None = None
) -> str:
    """The register's own page for this number (the scrapers know each register's addresses);
    its search page when the number does not look like one of that register's."""
    default, build = _url_builders()[register]
    base = (base_urls or {}).get(register) or default
    try:
        return build(base, number)
    except ValueError:
        return base


def safe_web_link(url: str | None) -> str | None:
    """`url` when it is an http or https address with a host (what may be an href), else None."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url.strip()


# The objects the pages and the CLI read. The API does not build them: Hit.to_dict answers
# from the listing as loaded, which costs far less for a page of results.
@dataclass(frozen=True)
class Registration:
    outcome: str | None  # None: never checked ("not yet verified")
    status_raw: str | None
    checked_at: str | None
    source_url: str | None
    reason: str | None = None  # a later check's doubt about this state; None: no doubt


@dataclass(frozen=True)
class Practitioner:
    name: str
    profession: str
    register: str
    registration_number: str
    registration: Registration

    @property
    def register_name(self) -> str:
        return REGISTER_NAMES[self.register]

    def register_url(self, base_urls: Mapping[str, str] | None = None) -> str:
        """Where a person can see this registration for themselves, checked or not."""
        return self.registration.source_url or register_entry_url(
            self.register, self.registration_number, base_urls
        )


@dataclass(frozen=True)
class Practice:
    id: int
    name: str
    address: tuple[str, ...]
    postcode: str | None
    latitude: float | None
    longitude: float | None
    phone: str | None
    email: str | None
    website: str | None
    features: dict = field(hash=False, compare=True)
    source: str = ""

    @property
    def website_link(self) -> str | None:
        """The website as a safe link target: only an http(s) address with a host, so a
        `javascript:` or `data:` value from a register page is shown as text, never a link."""
        return safe_web_link(self.website)


_PROFESSION = PRACTITIONER_FIELDS.index("profession")
# Where a registration's fields are in a listed practitioner's row.
_OUTCOME, _CHECKED_AT, _REASON = (
    len(PRACTITIONER_FIELDS) + REGISTRATION_FIELDS.index(name)
    for name in ("outcome", "checked_at", "reason")
)
CONFIRMING_OUTCOMES = ("registered", "restricted")


def confirmed(outcome: str | None, checked_at: str | None, reason: str | None, since) -> bool:
    """A registration is confirmed when the latest good check said registered or restricted,
    at `since` (a datetime) or later, and no later check doubts it (finder.search.filters)."""
    if outcome not in CONFIRMING_OUTCOMES or reason:
        return False
    try:
        return times.parse(checked_at or "") >= since
    except ValueError:
        return False


@dataclass
class Hit:
    """One practice in an answer: its distance and its listing, as load_hits() read it. The
    API's answer is built straight from the listing; the pages' objects (`practice`,
    `practitioners`) only when first asked for."""

    distance_km: float
    practice_id: int
    practice_source: str = field(repr=False)  # where the practice came from: "sample", "gosc"...
    practice_fields: list = field(repr=False)  # in PRACTICE_FIELDS order
    # One list a practitioner: PRACTITIONER_FIELDS then REGISTRATION_FIELDS, sorted by name.
    practitioner_rows: list = field(repr=False)

    @property
    def distance_miles(self) -> float:
        return self.distance_km / KM_PER_MILE

    @cached_property
    def practice(self) -> Practice:
        fields = dict(zip(PRACTICE_FIELDS, self.practice_fields, strict=True))
        fields["address"] = tuple(fields["address"])
        return Practice(self.practice_id, **fields, source=self.practice_source)

    @cached_property
    def practitioners(self) -> tuple[Practitioner, ...]:
        split = len(PRACTITIONER_FIELDS)  # where the registration's fields start
        return tuple(
            Practitioner(*row[:split], Registration(*row[split:])) for row in self.practitioner_rows
        )

    def to_dict(self, base_urls: Mapping[str, str] | None = None) -> dict:
        """The API's answer for this practice (a public contract: see finder.web.search).
        Literal dicts, not dict(zip(...)): they cost half as much, on every result."""
        name, address, postcode, latitude, longitude, phone, email, website, features = (
            self.practice_fields  # PRACTICE_FIELDS
        )
        return {
            "distance_km": round(self.distance_km, 2),
            "distance_miles": round(self.distance_km / KM_PER_MILE, 2),
            "practice": {
                "name": name,
                "address": address,
                "postcode": postcode,
                "latitude": latitude,
                "longitude": longitude,
                "phone": phone,
                "email": email,
                "website": website,
                "features": features,
                "sample_data": self.practice_source == SAMPLE_SOURCE,
            },
            "practitioners": [_practitioner_dict(row, base_urls) for row in self.practitioner_rows],
        }


def _practitioner_dict(row: list, base_urls: Mapping[str, str] | None) -> dict:
    # PRACTITIONER_FIELDS, then REGISTRATION_FIELDS
    name, profession, register, number, outcome, status_raw, checked_at, source_url, reason = row
    return {
        "name": name,
        "profession": profession,
        "register": register,
        "registration_number": number,
        "registration": {
            "outcome": outcome,
            "status_raw": status_raw,
            "checked_at": checked_at,
            "source_url": source_url,
            "reason": reason,
        },
        "register_url": source_url or register_entry_url(register, number, base_urls),
    }


def load_hits(
    db: sqlite_utils.Database,
    rows: Sequence[tuple[int, float]],
    professions: Iterable[str] | None = None,
    confirmed_since: datetime | None = None,
) -> tuple[Hit, ...]:
    """A Hit for each (practice id, distance) row, in the same order, listing the practice's
    practitioners of these professions who are shown to patients, by name; with
    confirmed_since, only those whose registration is confirmed() since then. Retired
    practices are included (callers decide); an id with no practice is left out."""
    if not rows:
        return ()
    listed = stored_listings.read(db, [pid for pid, _ in rows])
    chosen = set(professions or PROFESSIONS)
    everyone = chosen >= set(PROFESSIONS)
    hits = []
    for pid, distance in rows:
        if listing := listed.get(pid):
            _, source, *fields, people = listing
            if not everyone:
                people = [row for row in people if row[_PROFESSION] in chosen]
            if confirmed_since is not None:
                people = [
                    row
                    for row in people
                    if confirmed(row[_OUTCOME], row[_CHECKED_AT], row[_REASON], confirmed_since)
                ]
            # By name, then register and number (the profession follows the register).
            hits.append(Hit(distance, pid, source, fields, sorted(people)))
    return tuple(hits)


def get_practice(db: sqlite_utils.Database, practice_id: int) -> Hit | None:
    """A listed (not retired) practice with all its practitioners shown to patients, or None:
    also for a practice with none (its people left the registers, or may not practise)."""
    retired = db.execute("select retired_at from practices where id = ?", (practice_id,))
    state = retired.fetchone()
    if state is None or state[0]:
        return None
    found = load_hits(db, [(practice_id, 0.0)])
    return found[0] if found and found[0].practitioner_rows else None
