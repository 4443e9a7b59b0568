"""Search centres that cover the UK, for walking the registers' location searches.

The registers only answer "practices within R miles of a place", so a full walk asks from many
places. We take every postcode district (outward code) centre from our postcode table and keep
a district as a centre unless one already kept lies within `spacing` km of it (greedy leader
clustering, in a fixed order so every run plans the same centres). Every district centre is then
within `spacing` of a search centre, and the search radius is `spacing` plus a margin for the
size of a district, so neighbouring circles overlap and no populated place falls between them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from finder.places.postcodes import OUTSIDE_AREAS, PostcodeTable
from finder.search.spatial import distance_km
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
    return plan(districts(table), spacing_km(RADIUS_MILES[register]))


def _area(outcode: str) -> str:
    """'LS6' -> 'LS'."""
    return outcode[: len(outcode) - len(outcode.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))]
