"""Postcode districts that settle which NHS area serves a split council.

A few councils straddle NHS areas (Newry, Mourne and Down is partly Southern and partly South
Eastern Trust). Where a whole postcode district lies in one part, finder/data/
postcode_district_areas.csv says which area serves it, with a source, so BT34 (Newry) gets the
Southern Trust rather than "one of two trusts". Only districts curated there are settled; any
other postcode in a split council keeps both areas.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA = Path(__file__).parent.parent / "data"


@dataclass(frozen=True)
class DistrictArea:
    district: str
    lad_code: str
    nhs_area: str
    post_town: str
    source: str

    def to_dict(self) -> dict:
        return {
            "district": self.district,
            "nhs_area": self.nhs_area,
            "post_town": self.post_town,
            "source": self.source,
        }


def read_rows(path: Path | None = None) -> list[dict[str, str]]:
    with open(path or DATA / "postcode_district_areas.csv", newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@cache
def _by_district() -> dict[tuple[str, str], DistrictArea]:
    return {
        (row["district"], row["lad_code"]): DistrictArea(
            row["district"], row["lad_code"], row["nhs_area_name"], row["post_town"], row["source"]
        )
        for row in read_rows()
    }


def area_for(postcode: str, lad_code: str) -> DistrictArea | None:
    """The curated NHS area of a postcode's district inside `lad_code`, if there is one.
    `postcode` is a full postcode ('BT34 1TN') or an outward code ('BT34')."""
    district = postcode.split(" ")[0].upper()
    return _by_district().get((district, lad_code))
