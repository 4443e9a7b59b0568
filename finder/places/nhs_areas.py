"""The NHS area a local authority (LAD) lies in, from finder/data/nhs_areas.csv.

Scottish councils nest in NHS boards and Welsh authorities in local health boards (one row
each). Northern Ireland's councils do not nest in the five HSC trusts, nor English LADs exactly
in Integrated Care Boards (ICBs, July 2022 boundaries): a LAD served by two areas has a row for
each, marked partial. A community MSK service covering part of an area adds an `msk_provider`
row. scripts/make_area_tables.py writes the file.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA = Path(__file__).parent.parent / "data"
TYPE_NAMES = {
    "health_board": "NHS board",
    "local_health_board": "local health board",
    "hsc_trust": "health and social care trust",
    "icb": "integrated care board",
    "msk_provider": "community MSK service area",
}


@dataclass(frozen=True)
class NhsArea:
    type: str  # a key of TYPE_NAMES
    code: str | None  # GSS code where one exists (NI trusts have none in our data)
    name: str
    partial: bool  # True when the council is split between more than one area

    def to_dict(self) -> dict:
        return {
            "type": self.type,
            "type_name": TYPE_NAMES[self.type],
            "code": self.code,
            "name": self.name,
            "partial": self.partial,
        }


def read_rows(path: Path | None = None) -> list[dict[str, str]]:
    with open(path or DATA / "nhs_areas.csv", newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@cache
def _by_lad() -> dict[str, list[NhsArea]]:
    by_lad: dict[str, list[NhsArea]] = {}
    for row in read_rows():
        areas = by_lad.setdefault(row["lad_code"], [])
        if row["nhs_area_type"]:
            areas.append(
                NhsArea(
                    row["nhs_area_type"],
                    row["nhs_area_code"] or None,
                    row["nhs_area_name"],
                    row["partial"] == "yes",
                )
            )
    return by_lad


def areas_for(lad_code: str) -> list[NhsArea]:
    """The NHS areas of a LAD: its board, trust or ICB (two or three where it is split), then
    any community MSK service areas."""
    return list(_by_lad().get(lad_code, []))
