"""Search centres that cover the UK, for walking a register's location search when it does not
list itself whole.

A location search answers "practices within R miles of a place", so a walk asks from many
places. We take every postcode district (outward code) centre from our postcode table and keep
a district as a centre unless one already kept lies within `spacing` km of it (greedy leader
clustering, in a fixed order so every run plans the same centres); the search radius is
`spacing` plus a margin for the size of a district, so neighbouring circles overlap.

A margin cannot cover the largest rural districts (IV27, ZE2, HS2 are tens of km across): the
district centres alone left 3,456 postcodes more than 10 miles from every GOsC centre. So every
postcode is then checked, and each one still outside every circle becomes a centre itself
(`cover_postcodes`): every postcode in the table lies within the search radius of a centre.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from finder.places.postcodes import OUTSIDE_AREAS, PostcodeTable
from finder.search.spatial import EARTH_RADIUS_KM, distance_km
from finder.vocabulary import KM_PER_MILE

# How far a practice may lie from its district's centre: most districts are a few km across;
# large rural ones are covered because their neighbours' circles overlap them too.
DISTRICT_MARGIN_KM = 5.0
# Radii the registers are searched with. GOsC takes whole miles (its own default is 10). The
# GCC search's radius is the register's own choice [unknown]: 25 miles matches the old site.
RADIUS_MILES = {"gosc": 10, "gcc": 25}


@dataclass(frozen=True)
class Centre:
    label: str  # what the register is asked for: a postcode district, e.g. "LS6"
    latitude: float
    longitude: float


def spacing_km(radius_miles: float) -> float:
    """The largest distance from a district to its centre that the radius still covers."""
    return radius_miles * KM_PER_MILE - DISTRICT_MARGIN_KM


def plan(districts: Iterable[tuple[str, float, float]], spacing: float) -> list[Centre]:
    """Centres such that every district lies within `spacing` km of one of them."""
    cell = spacing / 111.0  # grid cells of about `spacing` km of latitude, for neighbour lookups
    kept: dict[tuple[int, int], list[Centre]] = {}
    centres: list[Centre] = []
    for label, lat, lon in sorted(districts, key=lambda d: (-round(d[1], 3), d[2], d[0])):
        key = (
            int(lat // cell),
            int(lon // (cell * 2.2)),
        )  # 2.2: a degree of longitude shrinks north
        near = (
            centre
            for dy in (-1, 0, 1)
            for dx in (-1, 0, 1)
            for centre in kept.get((key[0] + dy, key[1] + dx), ())
        )
        if any(distance_km(lat, lon, c.latitude, c.longitude) <= spacing for c in near):
            continue
        centre = Centre(label, lat, lon)
        kept.setdefault(key, []).append(centre)
        centres.append(centre)
    return centres


def districts(table: PostcodeTable) -> list[tuple[str, float, float]]:
    """Every located postcode district in the table, outside the Channel Islands and Man."""
    rows = table.db.execute(
        "select outcode, latitude, longitude from outcodes where latitude is not null"
    ).fetchall()
    return [row for row in rows if _area(row[0]) not in OUTSIDE_AREAS]


def plan_for(table: PostcodeTable, register: str) -> list[Centre]:
    """The register's centres: district centres, then any postcode they leave uncovered."""
    radius_km = RADIUS_MILES[register] * KM_PER_MILE
    centres = plan(districts(table), spacing_km(RADIUS_MILES[register]))
    return centres + cover_postcodes(centres, located_postcodes(table), radius_km)


def located_postcodes(table: PostcodeTable) -> list[tuple[str, float, float]]:
    """Every located postcode in the table, outside the Channel Islands and Man."""
    outside = " and ".join(f"postcode not glob '{area}[0-9]*'" for area in sorted(OUTSIDE_AREAS))
    return table.db.execute(
        f"select postcode, latitude, longitude from postcodes where latitude is not null "
        f"and {outside} order by postcode"
    ).fetchall()


# Circles are compared by their chords on the unit sphere, a little inside the radius so that
# rounding never counts a postcode in that distance_km would put just outside.
COVER_SLACK_KM = 0.01


def uncovered(
    centres: list[Centre], points: list[tuple[str, float, float]], radius_km: float
) -> list[int]:
    """Indexes of the points farther than radius_km from every centre."""
    return np.flatnonzero(~_Coverage(points, radius_km).mark(centres)).tolist()


def cover_postcodes(
    centres: list[Centre], points: list[tuple[str, float, float]], radius_km: float
) -> list[Centre]:
    """More centres, at postcodes, until every point lies within radius_km of a centre; in
    the points' order, so every run plans the same ones."""
    coverage = _Coverage(points, radius_km)
    covered = coverage.mark(centres)
    added: list[Centre] = []
    for index in np.flatnonzero(~covered).tolist():
        if covered[index]:
            continue  # a centre added for an earlier point reaches this one
        postcode, lat, lon = points[index]
        centre = Centre(postcode, lat, lon)
        added.append(centre)
        coverage.mark([centre], covered)
    return added


class _Coverage:
    """Which points lie within radius_km of some centre: points sorted by latitude, so each
    centre measures only the band of latitudes its circle can reach."""

    def __init__(self, points: list[tuple[str, float, float]], radius_km: float) -> None:
        lats = np.array([p[1] for p in points], dtype=np.float64)
        lons = np.array([p[2] for p in points], dtype=np.float64)
        self.order = np.argsort(lats, kind="stable")
        self.lats = lats[self.order]
        self.xyz = _unit_vectors(self.lats, lons[self.order])
        self.band = math.degrees(radius_km / EARTH_RADIUS_KM) + 1e-6
        reach = max(radius_km - COVER_SLACK_KM, 0.0)
        self.chord_squared = (2 * math.sin(reach / (2 * EARTH_RADIUS_KM))) ** 2

    def mark(self, centres: list[Centre], covered=None):
        """`covered` (by the points' own order) with these centres' circles added."""
        if covered is None:
            covered = np.zeros(len(self.order), dtype=bool)
        for centre in centres:
            low, high = self.lats.searchsorted(
                [centre.latitude - self.band, centre.latitude + self.band]
            )
            apart = self.xyz[low:high] - _unit_vectors([centre.latitude], [centre.longitude])
            inside = (apart * apart).sum(axis=1) <= self.chord_squared
            covered[self.order[low:high][inside]] = True
        return covered


def _unit_vectors(lats, lons):
    lat, lon = np.radians(lats), np.radians(lons)
    return np.column_stack((np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)))


def _area(outcode: str) -> str:
    """'LS6' -> 'LS'."""
    return outcode[: len(outcode) - len(outcode.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))]
