"""How much of the UK has a known self-referral answer, and how old the sources behind it are.

Counted two ways, per nation and for the UK: local authorities (LADs), and postcodes (the
postcode table stands in for population). A postcode in a curated district of a split council
(finder.places.splits) counts with its district's answer.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections import Counter
from dataclasses import dataclass, field

from finder.places import areas, splits
from finder.places.postcodes import Location
from finder.selfref import answers

STRENGTHS = ("recent", "older", "old", "undated")  # see finder.selfref.evidence.strength


@dataclass
class Tally:
    """Places counted by their answer: known (not unknown), and the age of the source behind it."""

    total: int = 0
    known: int = 0
    by_strength: Counter = field(default_factory=Counter)

    def add(self, answer: dict, weight: int = 1) -> None:
        self.total += weight
        if answer["self_referral"] == "unknown":
            return
        self.known += weight
        source = next(s for s in answer["services"] if s["id"] == answer["headline_source"])
        self.by_strength[source["source_strength"]] += weight

    def to_dict(self) -> dict:
        dated = self.known - self.by_strength["undated"]
        return {
            "total": self.total,
            "known": self.known,
            "known_share": _share(self.known, self.total),
            "known_dated": dated,
            "known_dated_share": _share(dated, self.total),
            "sources": {s: self.by_strength[s] for s in STRENGTHS},
        }


def _share(part: int, whole: int) -> float:
    return round(100 * part / whole, 1) if whole else 0.0


def postcode_counts(db: sqlite3.Connection) -> dict[str, Counter]:
    """LAD code -> {postcode district: postcodes}, from a built postcode table."""
    counts: dict[str, Counter] = {}
    rows = db.execute(
        "select lad, substr(postcode, 1, instr(postcode, ' ') - 1), count(*) from postcodes "
        "where lad is not null group by 1, 2"
    )
    for lad, district, n in rows:
        counts.setdefault(lad, Counter())[district] = n
    return counts


def _answer(postcode: str, code: str, name: str, nation: str, today, data) -> dict:
    location = Location(postcode, "outcode", 0.0, 0.0, code, name, nation)
    return answers.answer(location, today=today, data=data)


def coverage(
    counts: dict[str, Counter], *, today: dt.date | None = None, data=None
) -> dict[str, dict]:
    """Per nation and for the UK: {"lads": Tally dict, "postcodes": Tally dict}."""
    today = today or dt.date.today()
    data = data or answers.dataset()
    lads = {n: Tally() for n in (*areas.NATIONS, "uk")}
    postcodes = {n: Tally() for n in (*areas.NATIONS, "uk")}
    for code, name, nation in areas.lad_rows():
        if nation not in areas.NATIONS:
            continue
        whole = _answer("", code, name, nation, today, data)
        for scope in (nation, "uk"):
            lads[scope].add(whole)
        for district, n in counts.get(code, Counter()).items():
            answer = whole
            if splits.area_for(district, code) is not None:
                answer = _answer(district, code, name, nation, today, data)
            for scope in (nation, "uk"):
                postcodes[scope].add(answer, n)
    return {
        scope: {"lads": lads[scope].to_dict(), "postcodes": postcodes[scope].to_dict()}
        for scope in lads
    }


def describe(figures: dict[str, dict]) -> list[str]:
    """The figures as a plain-text table."""
    lines = [
        "Area               LADs known   (dated)   postcodes known   (dated)   "
        "sources: recent/2-3 y/over 3 y/undated"
    ]
    for scope, figure in figures.items():
        lad, pc = figure["lads"], figure["postcodes"]
        name = areas.NATION_NAMES.get(scope, "UK")
        sources = "/".join(str(pc["sources"][s]) for s in STRENGTHS)
        lines.append(
            f"{name:<18} {lad['known']:>3}/{lad['total']:<3} {lad['known_share']:>5.1f}% "
            f"({lad['known_dated_share']:>5.1f}%)   {pc['known_share']:>5.1f}% of "
            f"{pc['total']:>9,}  ({pc['known_dated_share']:>5.1f}%)   {sources}"
        )
    lines.append(
        "Known: an answer other than 'not known'; dated: its source has its own date. Sources "
        "count the postcodes whose answer rests on a source of that age."
    )
    return lines
