"""Search: the practices nearest a postcode or a point, for the chosen professions.

- `near`: the query, the circle search, paging, and the answer for a postcode;
- `spatial`: the in-memory point index and the great-circle distance;
- `filters`: home visits, wheelchair access, a language, confirmed registrations only.
"""

from finder.search.filters import CONFIRMED_WITHIN_DAYS, SearchFilters, is_confirmed
from finder.search.near import (
    DEFAULT_PER_PAGE,
    DEFAULT_RADIUS_KM,
    MAX_PAGE,
    MAX_PER_PAGE,
    MAX_RADIUS_KM,
    PostcodeSearch,
    Query,
    format_distance,
    languages_offered,
    nearest_beyond,
    search_near,
    search_postcode,
)
from finder.search.spatial import distance_km

__all__ = [
    "CONFIRMED_WITHIN_DAYS",
    "DEFAULT_PER_PAGE",
    "DEFAULT_RADIUS_KM",
    "MAX_PAGE",
    "MAX_PER_PAGE",
    "MAX_RADIUS_KM",
    "PostcodeSearch",
    "Query",
    "SearchFilters",
    "distance_km",
    "format_distance",
    "is_confirmed",
    "languages_offered",
    "nearest_beyond",
    "search_near",
    "search_postcode",
]
