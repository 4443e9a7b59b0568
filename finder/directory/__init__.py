"""The directory: practitioners, the practices they work at, and the links between them.

- `schema`: the tables and the triggers that keep each practice's search point current;
- `practices`: writing practitioners, practices and links; reading the points;
- `stored_listings`: each practice's listing, kept ready by triggers;
- `listings`: what a search result shows, read from the stored listings;
- `importer`: an operator's CSV of practices and practitioners;
- `demo`: the clearly labelled sample directory, kept apart from real data.
"""

from finder.directory.demo import SampleRemoval, remove_sample
from finder.directory.practices import (
    FEATURE_BITS,
    SAMPLE_SOURCE,
    SampleDataPresent,
    add_or_update_practice,
    add_or_update_practitioner,
    change_token,
    confirmed_times,
    directory_rows,
    has_sample_data,
    link_practitioner,
    practice_count,
    practice_key,
    practice_points,
    retire_practices,
    retire_practitioners,
    revive_practitioners,
    sample_present,
    stored_practice,
    unlink_practitioners,
    upsert_practice,
    upsert_practitioners,
)

__all__ = [
    "FEATURE_BITS",
    "SAMPLE_SOURCE",
    "SampleDataPresent",
    "SampleRemoval",
    "add_or_update_practice",
    "add_or_update_practitioner",
    "change_token",
    "confirmed_times",
    "directory_rows",
    "has_sample_data",
    "link_practitioner",
    "practice_count",
    "practice_key",
    "practice_points",
    "retire_practices",
    "retire_practitioners",
    "remove_sample",
    "revive_practitioners",
    "sample_present",
    "stored_practice",
    "unlink_practitioners",
    "upsert_practice",
    "upsert_practitioners",
]
