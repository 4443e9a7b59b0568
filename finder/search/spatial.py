"""The practices within a circle, counted and paged exactly, from an index held in memory.

PointIndex is a snapshot of the directory's located practices in numpy arrays, sorted into
latitude bands 0.01 degrees (1.1 km) tall and by longitude within each band. A search cuts the
circle's bounding box out of each band it crosses (one binary search for all of them), so it
only ever touches the practices in that box, and measures them all at once by the straight
line through the Earth between two points (the chord), which orders points exactly as the
great-circle distance does and costs no trigonometry per practice.

Exactness: the answer must match geopy's great_circle to the last bit. Floating point makes the
chord a little uncertain (about 1e-12 km, and numpy's sin and cos may differ from the C
library's by an ulp on some CPUs), far less than TOLERANCE_KM. So the chord only decides what
is clearly inside or clearly ranked; every practice within TOLERANCE_KM of the radius, and every
practice that could be on the page, gets its distance from geopy (distance_km()): a page
measures a few dozen practices that way, never the whole circle.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import orjson
from geopy.distance import EARTH_RADIUS, great_circle

from finder.vocabulary import language_code

EARTH_RADIUS_KM = EARTH_RADIUS  # geopy's great_circle radius: the chord agrees with geopy
BAND_DEGREES = 0.01  # a latitude band's height: finer bands, fewer wasted candidates
# The chord is trusted to this much (a micrometre); its real error is about 1e-12 km.
TOLERANCE_KM = 1e-9


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The great-circle distance we state to a person, by geopy (its `great_circle`)."""
    return great_circle((lat1, lon1), (lat2, lon2)).km


def bounding_box(lat: float, lon: float, radius_km: float) -> dict[str, float]:
    """A latitude/longitude box holding every point within radius_km, with a little to spare
    (the exact distance decides afterwards). It does not wrap round the 180th meridian: the
    directory is the UK's."""
    angle = radius_km / EARTH_RADIUS_KM
    dlat = math.degrees(angle) * 1.0001 + 1e-6
    ratio = math.sin(min(angle, math.pi / 2)) / max(math.cos(math.radians(lat)), 1e-12)
    dlon = 180.0 if ratio >= 1 else math.degrees(math.asin(ratio)) * 1.0001 + 1e-6
    return {"south": lat - dlat, "north": lat + dlat, "west": lon - dlon, "east": lon + dlon}


def _band(lat):
    """The latitude band of lat (a float or an array): the same operations for points and
    boxes, so a point inside a box is always in one of the box's bands."""
    return np.floor((lat + 90.0) / BAND_DEGREES)


def _sort_key(band, lon):
    """Band first, then longitude: one sorted array a binary search can cut by both. (Longitudes
    + 180 stay below 1,000, even a box's; the key keeps them to about 4e-9 degrees, far finer
    than the bounding box's margin.)"""
    return band * 1000.0 + (lon + 180.0)


def _unit_vectors(lats, lons):
    """Points on the unit sphere, as rows of (x, y, z)."""
    lat, lon = np.radians(lats), np.radians(lons)
    return np.column_stack((np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)))


def _chord_squared(km: float) -> float:
    """The squared chord of the unit sphere across a great-circle distance of km."""
    return (2 * math.sin(min(km, math.pi * EARTH_RADIUS_KM) / (2 * EARTH_RADIUS_KM))) ** 2


def _km_across(chord_squared: float) -> float:
    """The great-circle distance across a squared chord of the unit sphere."""
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(chord_squared) / 2))


@dataclass(frozen=True)
class Circle:
    """The practices of the chosen professions within a circle: how many, and one page."""

    total: int
    page: list[tuple[int, float]]  # (practice id, exact distance in km), nearest first


@dataclass(frozen=True)
class Sieve:
    """What a practice needs besides one of the professions: all of these feature bits, a
    language (a code), and a confirmation of one of the professions since a time."""

    features: int = 0
    language: str | None = None
    confirmed: np.ndarray | None = None  # (rows, professions) Unix seconds, -1: never
    confirmed_since: int = 0


class PointIndex:
    """An immutable snapshot of practice points: (id, latitude, longitude, professions mask),
    with each practice's features mask and the languages it speaks, for a Sieve."""

    def __init__(self, ids: Sequence[int], lats, lons, masks, features=None, languages=None):
        """`languages`: {language code: the input positions of the practices speaking it}."""
        lats = np.asarray(lats, dtype=np.float64)
        lons = np.asarray(lons, dtype=np.float64)
        keys = _sort_key(_band(lats), lons)
        order = np.argsort(keys, kind="stable")
        self.size = len(order)
        self._keys = keys[order]
        self._rows = np.arange(self.size)  # sliced a band at a time by _in_box
        self._ids = np.asarray(ids, dtype=np.int64)[order]
        self._lats, self._lons = lats[order], lons[order]
        self._points = _unit_vectors(self._lats, self._lons)
        self._masks = np.asarray(masks, dtype=np.int64)[order]
        self._every_mask = int(np.bitwise_or.reduce(self._masks)) if self.size else 0
        features = np.zeros(self.size) if features is None else features
        self._features = np.asarray(features, dtype=np.int64)[order]
        self._by_id = np.argsort(self._ids)  # rows in id order, for aligned()
        position = np.empty(self.size, dtype=np.int64)
        position[order] = self._rows  # input position -> row
        self._speaks = {}  # language code -> a bool a row
        for code, positions in (languages or {}).items():
            speaks = np.zeros(self.size, dtype=bool)
            speaks[position[np.asarray(positions, dtype=np.int64)]] = True
            self._speaks[code] = speaks
        for array in (self._keys, self._rows, self._ids, self._lats, self._lons, self._points,
                      self._masks, self._features, self._by_id,
                      *self._speaks.values()):  # fmt: skip
            array.flags.writeable = False  # shared by every thread: never changed in place

    @classmethod
    def from_rows(cls, rows: Sequence[tuple]) -> PointIndex:
        """From (id, latitude, longitude, mask) rows, or with (..., features, languages) as
        finder.directory.practice_points() reads them (languages: JSON names or None)."""
        if not rows:
            return cls([], [], [], [])
        columns = list(zip(*rows, strict=True))
        if len(columns) == 4:
            return cls(*columns)
        ids, lats, lons, masks, features, languages = columns
        return cls(ids, lats, lons, masks, features, _languages_at(languages))

    @property
    def languages(self) -> tuple[str, ...]:
        """The codes of the languages some practice here speaks."""
        return tuple(code for code, speaks in self._speaks.items() if speaks.any())

    def aligned(self, rows: Sequence[tuple[int, ...]]) -> np.ndarray:
        """(id, value, value...) rows of whole numbers as an array in this index's row order;
        a row for an id not here is left out, a row missing is all -1."""
        table = np.array(rows, dtype=np.int64) if len(rows) else np.empty((0, 2), np.int64)
        out = np.full((self.size, table.shape[1] - 1), -1, dtype=np.int64)
        if len(table) and self.size:
            sorted_ids = self._ids[self._by_id]
            at = np.minimum(sorted_ids.searchsorted(table[:, 0]), self.size - 1)
            here = sorted_ids[at] == table[:, 0]
            out[self._by_id[at[here]]] = table[here, 1:]
        out.flags.writeable = False
        return out

    def circle(
        self,
        lat: float,
        lon: float,
        radius_km: float,
        mask: int,
        offset: int,
        limit: int,
        sieve: Sieve | None = None,
    ) -> Circle:
        """The practices whose professions meet `mask` (and that pass the sieve) within
        radius_km of (lat, lon): their number, and rows offset to offset + limit nearest first
        (ties by practice id)."""
        rows, chords = self._inside(lat, lon, radius_km, mask, sieve)
        total, wanted = len(rows), offset + limit
        if offset >= total:
            return Circle(total, [])
        # Whatever ranks from offset to wanted exactly lies within TOLERANCE_KM of the chord's
        # offset-th to wanted-th distances (the chord's error is far smaller): rows clearly
        # nearer are counted, not measured, and rows clearly farther are left out, so a deep
        # page costs no more than the first.
        skipped = 0
        if offset:
            first = np.partition(chords, offset)[offset]
            nearer = chords < _chord_squared(max(_km_across(first) - TOLERANCE_KM, 0.0))
            skipped = int(np.count_nonzero(nearer))
            rows, chords = rows[~nearer], chords[~nearer]
        if wanted < total:
            last = np.partition(chords, wanted - skipped - 1)[wanted - skipped - 1]
            rows = rows[chords <= _chord_squared(_km_across(last) + TOLERANCE_KM)]
        places = zip(
            self._lats[rows].tolist(),
            self._lons[rows].tolist(),
            self._ids[rows].tolist(),
            strict=True,
        )
        ranked = sorted((distance_km(lat, lon, y, x), pid) for y, x, pid in places)
        page = ranked[offset - skipped : wanted - skipped]
        return Circle(total, [(pid, distance) for distance, pid in page])

    def _inside(self, lat: float, lon: float, radius_km: float, mask: int, sieve: Sieve | None):
        """(rows, squared chords) of the practices with one of the mask's professions within
        radius_km, exactly: those too near the radius to trust the chord ask distance_km."""
        rows = self._in_box(lat, lon, radius_km)
        if mask & self._every_mask != self._every_mask:
            rows = rows[(self._masks[rows] & mask) != 0]
        if sieve is not None:
            rows = self._sift(rows, mask, sieve)
        chords = self._chords_squared(lat, lon, rows)
        inside = chords <= _chord_squared(radius_km + TOLERANCE_KM)
        rows, chords = rows[inside], chords[inside]
        near_edge = chords > _chord_squared(max(radius_km - TOLERANCE_KM, 0.0))
        if near_edge.any():
            keep = ~near_edge
            for at in np.flatnonzero(near_edge):
                keep[at] = self._exact(lat, lon, rows[at]) <= radius_km
            rows, chords = rows[keep], chords[keep]
        return rows, chords

    def _sift(self, rows, mask: int, sieve: Sieve):
        """The rows that have what the sieve asks for: vector operations on the box's rows."""
        if sieve.features:
            rows = rows[(self._features[rows] & sieve.features) == sieve.features]
        if sieve.language is not None:
            speaks = self._speaks.get(sieve.language)
            rows = rows[:0] if speaks is None else rows[speaks[rows]]
        if sieve.confirmed is not None:
            chosen = [bit for bit in range(sieve.confirmed.shape[1]) if mask >> bit & 1]
            since = sieve.confirmed[rows][:, chosen] >= sieve.confirmed_since
            rows = rows[since.any(axis=1)]
        return rows

    def _in_box(self, lat: float, lon: float, radius_km: float):
        """Row numbers of the practices in the circle's bounding box: one slice a band."""
        box = bounding_box(lat, lon, radius_km)
        bands = range(int(_band(box["south"])), int(_band(box["north"])) + 1)
        west = [_sort_key(band, box["west"]) for band in bands]
        east = [_sort_key(band, box["east"]) for band in bands]
        edges = self._keys.searchsorted(west + east).tolist()
        starts, ends = edges[: len(bands)], edges[len(bands) :]
        return np.concatenate([self._rows[a:b] for a, b in zip(starts, ends, strict=True)])

    def _chords_squared(self, lat: float, lon: float, rows):
        """The squared chords from (lat, lon) to these rows' points, on the unit sphere."""
        y, x = math.radians(lat), math.radians(lon)
        centre = (math.cos(y) * math.cos(x), math.cos(y) * math.sin(x), math.sin(y))
        apart = self._points[rows] - centre
        return (apart * apart).sum(axis=1)

    def _exact(self, lat: float, lon: float, row) -> float:
        return distance_km(lat, lon, float(self._lats[row]), float(self._lons[row]))


def _languages_at(languages: Sequence[str | None]) -> dict[str, list[int]]:
    """{code: input positions} from each practice's languages (a JSON list of names, or None);
    a name finder.vocabulary does not know cannot be searched for, so it is left out."""
    at: dict[str, list[int]] = {}
    for position, text in enumerate(languages):
        if text:
            for name in orjson.loads(text):
                code = language_code(name) if isinstance(name, str) else None
                if code:
                    at.setdefault(code, []).append(position)
    return at
