"""Local authority districts (LADs): names and nations, from finder/data/lads.csv.

LAD codes are what the postcode data gives directly and what area data is keyed on; their
first letter says the nation.
"""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

DATA = Path(__file__).parent.parent / "data"
NATIONS = ("england", "scotland", "wales", "northern_ireland")
NATION_NAMES = {
    "england": "England",
    "scotland": "Scotland",
    "wales": "Wales",
    "northern_ireland": "Northern Ireland",
}
_BY_PREFIX = {"E": "england", "S": "scotland", "W": "wales", "N": "northern_ireland"}
OUTSIDE_UK_NAMES = {"L99999999": "the Channel Islands", "M99999999": "the Isle of Man"}


def nation_of(lad_code: str | None) -> str:
    """'E08000035' -> 'england'; the Channel Islands and Isle of Man -> 'outside'."""
    if not lad_code or lad_code in OUTSIDE_UK_NAMES:
        return "outside"
    return _BY_PREFIX.get(lad_code[0], "outside")


@cache
def _lads() -> dict[str, dict[str, str]]:
    with open(DATA / "lads.csv", newline="", encoding="utf-8") as f:
        return {row["code"]: row for row in csv.DictReader(f)}


def lad_name(code: str) -> str:
    row = _lads().get(code)
    return row["name"] if row else code


def lad_rows() -> list[tuple[str, str, str]]:
    return [(r["code"], r["name"], r["nation"]) for r in _lads().values()]
