"""Reading the directory: practices near a point, nearest first, with who works there.

search_near() counts the practices within the circle and pages through them nearest first,
ties broken by practice id, by exact great-circle distance (geopy's formula); the directory's
points are held in memory (finder.spatial.PointIndex, read again whenever they change), so a
search touches only the practices in its circle's bounding box.
search_postcode() is the whole patient search: a postcode, the page, and the nearest practices
beyond an empty circle.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import sqlite_utils

from finder import directory
from finder.directory.listings import Hit, load_hits
from finder.errors import InvalidInput
from finder.search.filters import SearchFilters, confirmed_since
from finder.search.spatial import PointIndex, Sieve
from finder.vocabulary import KM_PER_MILE, LANGUAGES, PROFESSION_BITS, PROFESSIONS

MAX_SEARCH_KM = 1500.0  # past the whole UK: wider than this is never useful


@dataclass(frozen=True)
class SearchPage:
    hits: tuple[Hit, ...]
    total: int
    page: int
    per_page: int
    radius_km: float

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))


def check_professions(professions: Iterable[str]) -> tuple[str, ...]:
    """The professions asked for, each once; InvalidInput naming one we do not know."""
    chosen = tuple(dict.fromkeys(professions))
    for name in chosen:
        if name not in PROFESSIONS:
            raise InvalidInput(
                f"profession must be one of {', '.join(PROFESSIONS)}; {name!r} is not.",
                code="invalid_parameter",
            )
    return chosen


def profession_mask(professions: Iterable[str] | None) -> int:
    return sum(PROFESSION_BITS[name] for name in check_professions(professions or PROFESSIONS))


def search_near(
    db: sqlite_utils.Database,
    lat: float,
    lon: float,
    radius_km: float,
    professions: Iterable[str] | None = None,
    page: int = 1,
    per_page: int = 20,
    filters: SearchFilters | None = None,
) -> SearchPage:
    """Practices within radius_km of (lat, lon), nearest first (ties by practice id).

    `professions` None means all three; a practice matches when at least one practitioner
    there who may practise has one of them (with `filters.registered_only`, one whose
    registration is confirmed), and it has what the other filters ask for.
    """
    if not 0 < radius_km <= MAX_SEARCH_KM:
        raise InvalidInput(
            f"radius_km must be more than 0 and at most {MAX_SEARCH_KM:g}.",
            code="invalid_parameter",
        )
    if page < 1 or per_page < 1:
        raise InvalidInput("page and per_page must be 1 or more.", code="invalid_parameter")
    professions = list(professions or PROFESSIONS)
    index, sieve, since = _index_and_sieve(db, filters)
    circle = index.circle(
        lat, lon, radius_km, profession_mask(professions), (page - 1) * per_page, per_page, sieve
    )
    hits = load_hits(db, circle.page, professions, since)
    return SearchPage(hits, circle.total, page, per_page, radius_km)


# One snapshot of the points for the whole process, shared by every thread: (token, index);
# and their confirmation times: (token, confirmed token, array aligned with the index's rows).
_snapshot: tuple[int, PointIndex] | None = None
_confirmed: tuple[int, int, np.ndarray] | None = None
_snapshot_lock = threading.Lock()


def point_index(db: sqlite_utils.Database) -> PointIndex:
    """The directory's points in memory, read again when directory.change_token() has moved
    (one small query a search; re-reading 100,000 points takes 0.1 to 0.3 s, and other threads
    wait for it rather than read them too). The snapshot is the process's, for one database:
    the token, a random number, tells databases apart as well as versions."""
    return _points(db)[1]


def _points(db: sqlite_utils.Database) -> tuple[int, PointIndex]:
    global _snapshot
    current = _snapshot
    if current is None or current[0] != directory.change_token(db):
        with _snapshot_lock:
            token, points = directory.practice_points(db)
            if _snapshot is None or _snapshot[0] != token:  # else another thread just did it
                _snapshot = (token, PointIndex.from_rows(points))
            current = _snapshot
    return current


def _confirmed_times(db: sqlite_utils.Database, token: int, index: PointIndex):
    """The confirmation times for `index` (read `token`), read again when the confirmed token
    has moved: a check changes them, and only a "confirmed only" search pays for reading
    them. None when the points themselves have moved since `index` was read."""
    global _confirmed
    now_token, confirmed_token = db.execute(
        "select token, confirmed_token from directory_version"
    ).fetchone()
    if now_token != token:
        return None
    current = _confirmed
    if current is not None and current[:2] == (token, confirmed_token):
        return current[2]
    with _snapshot_lock:
        read_token, confirmed_token, rows = directory.confirmed_times(db)
        if read_token != token:
            return None
        _confirmed = (token, confirmed_token, index.aligned(rows))
        return _confirmed[2]


def _index_and_sieve(db, filters: SearchFilters | None):
    """The points, the Sieve for these filters (None when none is set), and the time since
    which a registration confirms (None unless registered_only)."""
    token, index = _points(db)
    if filters is None or not filters.active:
        return index, None, None
    confirmed = since = None
    if filters.registered_only:
        since = confirmed_since()
        for _ in range(3):  # the points may move between reading them and their times
            confirmed = _confirmed_times(db, token, index)
            if confirmed is not None:
                break
            token, index = _points(db)
        else:
            confirmed = index.aligned(directory.confirmed_times(db)[2])  # near enough
    features = sum(bit for name, bit in directory.FEATURE_BITS.items() if getattr(filters, name))
    at = int(since.timestamp()) if since else 0
    return index, Sieve(features, filters.language, confirmed, at), since


def languages_offered(db: sqlite_utils.Database) -> list[tuple[str, str]]:
    """(code, name) of the languages some practice in the search speaks, by name: the choices
    for a language filter."""
    codes = point_index(db).languages
    return sorted(((code, LANGUAGES[code]) for code in codes), key=lambda pair: pair[1])


def nearest_beyond(
    db: sqlite_utils.Database,
    lat: float,
    lon: float,
    radius_km: float,
    professions: Iterable[str] | None = None,
    limit: int = 5,
    filters: SearchFilters | None = None,
) -> tuple[Hit, ...]:
    """The nearest practices outside radius_km, for "none within 5 miles; the nearest are...".

    Doubles the circle until something is in it, then doubles once more so the answer shows
    a few choices, not only the first one found.
    """
    if radius_km >= MAX_SEARCH_KM:
        return ()
    professions = list(professions or PROFESSIONS)
    (index, sieve, since), mask = _index_and_sieve(db, filters), profession_mask(professions)
    radius, found_at = radius_km, None
    while radius < MAX_SEARCH_KM:
        radius = min(radius * 2, MAX_SEARCH_KM)
        found = index.circle(lat, lon, radius, mask, 0, limit, sieve)
        if found.total >= limit or (found.total and found_at is not None):
            break
        if found.total:
            found_at = radius
    return load_hits(db, found.page, professions, since)


# --- a patient's search: postcode in, page of results out ----------------------------------

DEFAULT_RADIUS_KM = 10.0
MAX_RADIUS_KM = 100.0
DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100
MAX_PAGE = 10_000


@dataclass(frozen=True)
class Query:
    """A validated search request; from_params() names the parameter that is wrong."""

    postcode: str
    professions: tuple[str, ...] = ()  # empty: all three
    radius_km: float = DEFAULT_RADIUS_KM
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE
    filters: SearchFilters = SearchFilters()

    @classmethod
    def from_params(
        cls,
        postcode: str | None,
        professions: Iterable[str] = (),
        radius_km: str | float | None = None,
        page: str | int | None = None,
        per_page: str | int | None = None,
        *,
        filters: SearchFilters | None = None,
    ) -> Query:
        chosen = check_professions(p.strip().lower() for p in professions if p.strip())
        return cls(
            postcode=postcode or "",
            professions=chosen,
            radius_km=_number("radius_km", radius_km, DEFAULT_RADIUS_KM, MAX_RADIUS_KM, float),
            page=_number("page", page, 1, MAX_PAGE, int),
            per_page=_number("per_page", per_page, DEFAULT_PER_PAGE, MAX_PER_PAGE, int),
            filters=filters or SearchFilters(),
        )


def _number(name: str, raw, default, most, kind):
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return default
    try:
        value = None if isinstance(raw, str) and "_" in raw else kind(raw)  # int("1_0") is 10
    except (TypeError, ValueError):
        value = None
    if kind is int and value is None:
        raise InvalidInput(
            f"{name} must be a whole number from 1 to {most}.", code="invalid_parameter"
        )
    if value is None or not math.isfinite(value) or not 0 < value <= most:
        low = "1" if kind is int else "more than 0"
        raise InvalidInput(
            f"{name} must be a number from {low} to {most:g}.", code="invalid_parameter"
        )
    return value


@dataclass(frozen=True)
class PostcodeSearch:
    query: Query
    location: object  # finder.postcodes.Location
    results: SearchPage
    nearest_outside: tuple[Hit, ...]  # only when nothing is within the radius

    def to_dict(self, base_urls: Mapping[str, str] | None = None) -> dict:
        """The API's answer (the field names are a public contract)."""
        loc = self.location
        return {
            "query": {
                "postcode": loc.postcode,
                "precision": loc.precision,
                "latitude": loc.latitude,
                "longitude": loc.longitude,
                "radius_km": self.query.radius_km,
                "professions": list(self.query.professions or PROFESSIONS),
                "filters": self.query.filters.to_dict(),
            },
            "total": self.results.total,
            "page": self.results.page,
            "per_page": self.results.per_page,
            "pages": self.results.pages,
            "results": [hit.to_dict(base_urls) for hit in self.results.hits],
            "nearest_outside_radius": [hit.to_dict(base_urls) for hit in self.nearest_outside],
            "message": self.empty_message("km") if not self.results.total else None,
        }

    def empty_message(self, unit: str = "miles") -> str:
        """ "No osteopaths within 5 miles of LS6 2AB. The nearest are 8 to 15 miles away." """
        who = profession_phrase(self.query.professions)
        having = self.query.filters.phrase()
        radius = format_distance(self.query.radius_km, unit)
        text = f"No {who}{' ' + having if having else ''} within {radius} of "
        text += f"{self.location.postcode}."
        if not self.nearest_outside:
            return text + (
                " There are none with these filters in the directory."
                if having
                else " There are none in the directory yet."
            )
        near = [hit.distance_km for hit in self.nearest_outside]
        low, high = format_distance(near[0], unit), format_distance(near[-1], unit)
        if low == high:
            return text + f" The nearest {'is' if len(near) == 1 else 'are'} {low} away."
        return text + f" The nearest are {low.split()[0]} to {high} away."


def profession_phrase(professions: Sequence[str]) -> str:
    """('osteopath',) -> 'osteopaths'; two or three -> 'physiotherapists or osteopaths'."""
    names = [f"{p}s" for p in PROFESSIONS if p in (professions or PROFESSIONS)]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def format_distance(km: float, unit: str = "miles") -> str:
    """'8 miles', '1.5 miles', '0.3 km': whole numbers from 10 up, one decimal below."""
    value = km / KM_PER_MILE if unit == "miles" else km
    shown = f"{value:.0f}" if value >= 10 else f"{value:.1f}".removesuffix(".0")
    if unit == "miles":
        return f"{shown} mile" if shown == "1" else f"{shown} miles"
    return f"{shown} km"


def search_postcode(db: sqlite_utils.Database, postcodes, query: Query) -> PostcodeSearch:
    """Look up the postcode (or outward code) and search around it.

    Raises the postcode table's errors (InvalidInput, NotFound, NotCovered, DataMissing).
    """
    location = postcodes.lookup(query.postcode)
    results = search_near(
        db,
        location.latitude,
        location.longitude,
        query.radius_km,
        query.professions,
        query.page,
        query.per_page,
        query.filters,
    )
    nearest: tuple[Hit, ...] = ()
    if results.total == 0:
        nearest = nearest_beyond(
            db,
            location.latitude,
            location.longitude,
            query.radius_km,
            query.professions,
            filters=query.filters,
        )
    return PostcodeSearch(query, location, results, nearest)
