"""The practices within a circle, counted and paged exactly, with little work per practice.

The count: the circle's box is cut into latitude bands, and each band's widest rectangle lying
wholly inside the circle is counted from the R*Tree alone (the professions mask is one of its
dimensions). Only the rest of each band, its two ends where the circle's edge runs, is joined to
practice_points for the exact distance. The page: the nearest rows are first looked for within
a smaller circle sized from the density, widened until it holds offset + limit of them; every
practice within it is found, so their order is exactly the whole circle's.

Distances are geopy's great_circle, in SQLite's math functions (see distance_km).
"""

from __future__ import annotations

import math

import sqlite_utils

EARTH_RADIUS_KM = 6371.009  # geopy's great_circle radius: results match geopy exactly
# An inner rectangle's corners must be this much nearer than the radius: far more than the
# formula's rounding (~1e-12 km), so a point inside it is within the radius as SQLite computes.
INNER_MARGIN = 1e-9


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance, computed exactly as geopy's great_circle((lat1, lon1), (lat2, lon2))
    and as _DISTANCE_SQL (same operations in the same order, so the same float)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    sin1, cos1, sin2, cos2 = math.sin(p1), math.cos(p1), math.sin(p2), math.cos(p2)
    delta = math.radians(lon2) - math.radians(lon1)
    cos_d, sin_d = math.cos(delta), math.sin(delta)
    d = math.atan2(
        math.sqrt((cos2 * sin_d) ** 2 + (cos1 * sin2 - sin1 * cos2 * cos_d) ** 2),
        sin1 * sin2 + cos1 * cos2 * cos_d,
    )
    return EARTH_RADIUS_KM * d


def bounding_box(lat: float, lon: float, radius_km: float) -> dict[str, float]:
    """A latitude/longitude box holding every point within radius_km, with a little to spare
    (the R*Tree stores 32-bit floats; the exact distance decides afterwards)."""
    angle = radius_km / EARTH_RADIUS_KM
    dlat = math.degrees(angle) * 1.0001 + 1e-6
    ratio = math.sin(min(angle, math.pi / 2)) / max(math.cos(math.radians(lat)), 1e-12)
    dlon = 180.0 if ratio >= 1 else math.degrees(math.asin(ratio)) * 1.0001 + 1e-6
    return {"south": lat - dlat, "north": lat + dlat, "west": lon - dlon, "east": lon + dlon}


# The same formula as distance_km, in SQLite's math functions, for the candidates only;
# sin_lat, cos_lat and lon_radians were computed by the same functions when the row was written.
_DISTANCE_SQL = """:radius * atan2(
    sqrt(pow(p.cos_lat * sin(p.lon_radians - :lng1), 2)
        + pow(:cos1 * p.sin_lat - :sin1 * p.cos_lat * cos(p.lon_radians - :lng1), 2)),
    :sin1 * p.sin_lat + :cos1 * p.cos_lat * cos(p.lon_radians - :lng1))"""

_IN_BOX = """r.min_lat <= :north and r.max_lat >= :south and r.min_lon <= :east
    and r.max_lon >= :west and r.min_professions >= :pmin and r.max_professions <= :pmax"""

# Materialized, so the distance is computed once per candidate, not again for the sort.
_PAGE_SQL = f"""with candidates as materialized (
        select r.id, {_DISTANCE_SQL} as distance_km
        from practice_locations r join practice_points p on p.id = r.id
        where {_IN_BOX} and (p.professions & :mask) != 0
    ),
    within as materialized (select id, distance_km from candidates where distance_km <= :within)
    select id, distance_km, (select count(*) from within) from within
    order by distance_km, id limit :limit offset :offset"""

_COUNT_SQL = f"""select count(*) from practice_locations r join practice_points p on p.id = r.id
    where {_IN_BOX} and (p.professions & :mask) != 0 and {_DISTANCE_SQL} <= :within"""

# One pass over the box: a practice wholly inside one of the rectangles (which lie inside the
# circle) counts from the index alone; any other is joined for its exact distance. SQLite
# evaluates `or` left to right and stops at the first true, so the join is skipped for them.
_RECT = "(r.min_lat >= :s{j} and r.max_lat <= :n{j} and r.min_lon >= :w{j} and r.max_lon <= :e{j})"
_RECTS = 4  # more: fewer exact distances but more comparisons for every practice
_RECTS_COUNT_SQL = f"""select count(*) from practice_locations r
    where {_IN_BOX} and (r.min_professions & :mask) != 0
        and ({" or ".join(_RECT.format(j=j) for j in range(_RECTS))}
            or (select {_DISTANCE_SQL} from practice_points p where p.id = r.id) <= :within)"""


def inner_rectangles(lat: float, lon: float, radius_km: float) -> dict | None:
    """_RECTS rectangles centred on the circle's centre, from wide and short to narrow and tall,
    each lying inside the circle (checked at its corners, with a margin); None when the circle
    is too big or too near a pole for them (then every candidate gets the exact distance)."""
    box = bounding_box(lat, lon, radius_km)
    if box["east"] - box["west"] >= 180 or box["north"] > 85 or box["south"] < -85:
        return None
    limit = radius_km * (1 - INNER_MARGIN) - INNER_MARGIN
    angle_cos = math.cos(radius_km / EARTH_RADIUS_KM)
    sin0, cos0 = math.sin(math.radians(lat)), math.cos(math.radians(lat))
    reach = math.degrees(radius_km / EARTH_RADIUS_KM)
    params = {}
    for j in range(_RECTS):
        rise = reach * math.sin(math.pi / 2 * (j + 1) / (_RECTS + 1))
        south, north = lat - rise, lat + rise
        west, east = 1000.0, -1000.0  # empty unless a width passes the corner check
        half = _half_width(angle_cos, sin0, cos0, (south, north))
        for _ in range(20):
            if half <= 0:
                break
            corners = [(y, lon + s * half) for y in (south, north) for s in (-1, 1)]
            if all(distance_km(lat, lon, y, x) <= limit for y, x in corners):
                west, east = lon - half, lon + half
                break
            half = half * 0.999 - 1e-9
        params.update({f"s{j}": south, f"n{j}": north, f"w{j}": west, f"e{j}": east})
    return params


def _half_width(angle_cos: float, sin0: float, cos0: float, lats: tuple) -> float:
    """The circle's half-width in degrees of longitude at the narrower of two latitudes, a
    hair less; 0 when the circle does not reach one of them. (Over a latitude band and
    longitude span the farthest point from the centre is a corner, so corners decide.)"""
    widths = []
    for y in lats:
        phi = math.radians(y)
        value = (angle_cos - sin0 * math.sin(phi)) / (cos0 * math.cos(phi))
        if value >= 1:
            return 0.0
        widths.append(math.degrees(math.acos(max(value, -1.0))))
    return min(widths) * (1 - 1e-7)


def count_within(db: sqlite_utils.Database, params: dict, lat: float, lon: float) -> int:
    """How many practices (of the mask's professions) are within params["within"] km."""
    rects = inner_rectangles(lat, lon, params["within"])
    if rects is None:
        return db.execute(_COUNT_SQL, params).fetchone()[0]
    return db.execute(_RECTS_COUNT_SQL, {**params, **rects}).fetchone()[0]


def nearest_rows(
    db: sqlite_utils.Database, params: dict, lat: float, lon: float, total: int
) -> list[tuple]:
    """(id, distance) of the page: rows offset to offset + limit, nearest first (ties by id),
    of the `total` within params["within"] km."""
    wanted = params["offset"] + params["limit"]
    radius = params["within"]
    if params["offset"] >= total:
        return []
    # The density says how far out `wanted` practices should be; 1.5 for luck.
    near = radius if total <= wanted else radius * min(1.0, 1.5 * math.sqrt(wanted / total))
    while True:
        rows = db.execute(
            _PAGE_SQL, {**params, **bounding_box(lat, lon, near), "within": near}
        ).fetchall()
        found = rows[0][2] if rows else 0
        if found >= wanted or near >= radius:
            return [(pid, distance) for pid, distance, _ in rows]
        grow = 2.0 if not found else max(1.5, 1.3 * math.sqrt(wanted / found))
        near = min(radius, near * grow)
