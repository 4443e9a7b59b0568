"""What a search shows: practices and their practitioners, with each registration's state.

Registration state is joined from `registrations` (finder.registrations) on (register,
registration_number); a practitioner with no row there has never been checked.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import sqlite_utils

from finder.directory import PROFESSIONS, REGISTER_NAMES

KM_PER_MILE = 1.609344
REGISTER_FULL_NAMES = {
    "hcpc": "Health and Care Professions Council",
    "gosc": "General Osteopathic Council",
    "gcc": "General Chiropractic Council",
}


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


@dataclass(frozen=True)
class Registration:
    outcome: str | None  # None: never checked ("not yet verified")
    status_raw: str | None
    checked_at: str | None
    source_url: str | None

    def to_dict(self) -> dict:
        return {
            "outcome": self.outcome,
            "status_raw": self.status_raw,
            "checked_at": self.checked_at,
            "source_url": self.source_url,
        }


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

    def to_dict(self, base_urls: Mapping[str, str] | None = None) -> dict:
        return {
            "name": self.name,
            "profession": self.profession,
            "register": self.register,
            "registration_number": self.registration_number,
            "registration": self.registration.to_dict(),
            "register_url": self.register_url(base_urls),
        }


@dataclass(frozen=True)
class Practice:
    id: int
    key: str
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

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "address": list(self.address),
            "postcode": self.postcode,
            "latitude": self.latitude,
            "longitude": self.longitude,
            "phone": self.phone,
            "email": self.email,
            "website": self.website,
            "features": self.features,
        }


@dataclass(frozen=True)
class Hit:
    distance_km: float
    practice: Practice
    practitioners: tuple[Practitioner, ...]

    @property
    def distance_miles(self) -> float:
        return self.distance_km / KM_PER_MILE

    def to_dict(self, base_urls: Mapping[str, str] | None = None) -> dict:
        return {
            "distance_km": round(self.distance_km, 2),
            "distance_miles": round(self.distance_miles, 2),
            "practice": self.practice.to_dict(),
            "practitioners": [p.to_dict(base_urls) for p in self.practitioners],
        }


def load_practices(db: sqlite_utils.Database, ids: Sequence[int]) -> dict[int, Practice]:
    """Practices by id (retired ones included: callers decide)."""
    marks = ",".join("?" * len(ids))
    rows = db.execute(
        f"""select id, key, name, address, postcode, latitude, longitude, phone, email,
            website, features, source from practices where id in ({marks})""",
        list(ids),
    ).fetchall()
    return {
        row[0]: Practice(
            row[0],
            row[1],
            row[2],
            tuple(json.loads(row[3])),
            *row[4:10],
            features=json.loads(row[10]),
            source=row[11],
        )
        for row in rows
    }


def load_practitioners(
    db: sqlite_utils.Database, ids: Sequence[int], professions: Iterable[str] | None = None
) -> dict[int, list[Practitioner]]:
    """The current practitioners of these practices (of these professions), by name."""
    marks = ",".join("?" * len(ids))
    wanted = list(professions or PROFESSIONS)
    rows = db.execute(
        f"""select l.practice_id, p.name, p.profession, p.register, p.registration_number,
            r.outcome, r.status_raw, r.checked_at, r.source_url
        from practice_practitioners l
        join practitioners p
            on p.register = l.register and p.registration_number = l.registration_number
        left join registrations r
            on r.register = p.register and r.registration_number = p.registration_number
        where l.practice_id in ({marks}) and p.retired_at is null
            and p.profession in ({",".join("?" * len(wanted))})
        order by l.practice_id, p.name, p.register, p.registration_number""",
        [*ids, *wanted],
    ).fetchall()
    found: dict[int, list[Practitioner]] = {}
    for practice_id, name, profession, register, number, *state in rows:
        found.setdefault(practice_id, []).append(
            Practitioner(name, profession, register, number, Registration(*state))
        )
    return found


def get_practice(db: sqlite_utils.Database, practice_id: int) -> Hit | None:
    """A listed (not retired) practice with all its current practitioners, or None."""
    practice = load_practices(db, [practice_id]).get(practice_id)
    retired = db.execute("select retired_at from practices where id = ?", (practice_id,))
    if practice is None or retired.fetchone()[0]:
        return None
    people = load_practitioners(db, [practice_id]).get(practice_id, [])
    return Hit(0.0, practice, tuple(people))
