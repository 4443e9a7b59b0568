"""A clearly labelled sample directory, so the service is useful offline and can be benchmarked.

Everything here is made up except the places: fictional people with made-up registration
numbers (HCPC PH9xxxxx, GOsC 9xxxx, GCC 05000-09999, ranges chosen to be far from real ones),
phone numbers from Ofcom's ranges reserved for drama (01632 960xxx, 07700 900xxx), .example web
addresses, at real postcodes drawn from the postcode table across all four nations. Every row
has source 'sample', and the sample registration states say "(sample data)" in their raw status,
so no page can pass them off as real. The sample only fills an empty directory, and
remove_sample() takes every row of it out again (`finder demo --remove`).
"""

from __future__ import annotations

import json
import math
import random
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlite_utils

from finder import db as database
from finder import times
from finder.directory.practices import SAMPLE_SOURCE, directory_rows
from finder.errors import DataMissing, FinderError
from finder.places import areas
from finder.places.postcodes import PostcodeTable
from finder.registrations import store
from finder.vocabulary import REGISTER_OF_PROFESSION

FIRST_NAMES = (  # noqa: SIM905 - a word list reads best as words
    "Aisha Alex Amara Ben Bethan Callum Cerys Chloe Dafydd Deepa Eilidh Ewan Fatima Finn Grace "
    "Hamish Hannah Imran Isla Jack Jamal Kasia Kieran Leah Liam Maya Niamh Oisin Olu Priya Rhys "
    "Rory Saoirse Sam Siobhan Tariq Tomasz Una Yusuf Zara"
).split()
SURNAMES = (  # noqa: SIM905
    "Achebe Adair Baird Bhatt Brennan Carrick Cassidy Dalby Devlin Ellery Fenwick Gallagher "
    "Garside Hollis Iqbal Jarvis Kaur Kowalski Lomas MacLeod Mallory Nairn Okafor Owusu Pryce "
    "Quigley Rennie Sandhu Tennant Thorne Upton Varga Wardle Whitlock Yeo"
).split()
STREETS = (  # noqa: SIM905
    "Mill Lane, Station Road, Market Street, Church View, Park Terrace, Bridge Street, "
    "Victoria Road, Castle Hill, Orchard Way, Harbour Road, Quarry Lane, Albert Street"
).split(", ")
# Practice kinds: the professions working there and the words in the practice name.
KINDS = [
    (("physiotherapist",), "Physiotherapy", 55),
    (("osteopath",), "Osteopathy Clinic", 17),
    (("chiropractor",), "Chiropractic", 14),
    (("physiotherapist", "osteopath"), "Back and Joint Centre", 8),
    (("physiotherapist", "osteopath", "chiropractor"), "Wellbeing Practice", 6),
]
LANGUAGES = ["Polish", "Urdu", "Punjabi", "Gujarati", "Arabic", "Bengali", "Romanian", "Spanish"]
# Made-up number ranges, per register: (prefix, first, count, digits).
NUMBERS = {"hcpc": ("PH9", 0, 100_000, 5), "gosc": ("9", 0, 10_000, 4), "gcc": ("0", 5000, 5000, 4)}
STATUS_WORDS = {
    "registered": "Registered",
    "restricted": "Registered with conditions of practice",
    "inactive": "Lapsed",
    "unknown": "Under review",
}
# How often each sample registration outcome appears; None means never checked.
OUTCOME_WEIGHTS = [
    ("registered", 86),
    ("restricted", 4),
    ("inactive", 2),
    ("unknown", 1),
    (None, 7),
]
MIN_NATION_SHARE = 0.04  # at least this share of practices in each nation


@dataclass
class SampleRemoval:
    practices: int
    practitioners: int
    registration_states: int


@dataclass
class DemoResult:
    practices: int
    practitioners: int
    nations: dict[str, int]
    seconds: float


class DirectoryNotEmpty(FinderError):
    status = 409
    code = "directory_not_empty"


def what_it_holds(practices: int, practitioners: int) -> str:
    """'12 practices', or '1 practitioner' for a directory with practitioners only."""
    count, noun = (practices, "practice") if practices else (practitioners, "practitioner")
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def sample_postcodes(postcodes_path: Path, size: int, rng: random.Random) -> list[tuple]:
    """`size` real, located postcodes (postcode, lat, lon, lad), every nation represented.

    Keeps about three times `size` postcodes at random in one pass of SQLite (so the spread
    follows where people live), then draws from those in Python; repeats postcodes only when
    the table is smaller than `size`. The same `rng` state gives the same places.
    """
    with PostcodeTable(postcodes_path) as table:
        rows = table.random_located(3 * size, rng)
    by_nation: dict[str, list[tuple]] = {}
    for row in rows:
        by_nation.setdefault(areas.nation_of(row[3]), []).append(row)
    by_nation.pop("outside", None)
    if not by_nation:
        raise DataMissing("The postcode table has no located UK postcodes.", code="no_postcodes")
    chosen: list[tuple] = []
    for group in by_nation.values():  # a floor per nation, so small nations always show
        chosen += _draw(group, min(len(group), math.ceil(size * MIN_NATION_SHARE)), rng)
    rest = [row for group in by_nation.values() for row in group]
    chosen += _draw(rest, size - len(chosen), rng)
    return sorted(chosen[:size])  # postcode order: neighbours share practitioners below


def _draw(rows: list[tuple], count: int, rng: random.Random) -> list[tuple]:
    if count <= 0:
        return []
    if count <= len(rows):
        return rng.sample(rows, count)
    return rows + rng.choices(rows, k=count - len(rows))


def load_sample(
    db: sqlite_utils.Database, postcodes_path: Path, size: int = 300, seed: int | None = None
) -> DemoResult:
    """Fill an empty directory with `size` sample practices; refuses a directory with data."""
    started = time.perf_counter()
    if size < 1:
        raise FinderError("The sample size must be at least 1.", code="invalid_size")
    # Retired rows count: the sample never joins real data, listed or not.
    practices, practitioners = directory_rows(db)
    if practices or practitioners:
        held = what_it_holds(practices, practitioners)
        raise DirectoryNotEmpty(
            f"The directory already holds {held}; the sample only fills an empty directory "
            "(`finder demo --remove` takes an earlier sample out; --if-empty does nothing here)."
        )
    rng = random.Random(seed)
    places = sample_postcodes(postcodes_path, size, rng)
    kinds = rng.choices([k[:2] for k in KINDS], weights=[k[2] for k in KINDS], k=size)
    staff = [
        [p for p in professions for _ in range(rng.choice((1, 1, 1, 2, 3)))]
        for professions, _ in kinds
    ]
    people = _practitioner_numbers(staff)
    stamp = times.now_iso()
    practices, links, practitioners = [], [], {}
    for index, (place, (_professions, label), numbers) in enumerate(
        zip(places, kinds, people, strict=True), start=1
    ):
        practices.append(_practice_row(index, place, label, rng, stamp))
        for register, number, profession in numbers:
            links.append((index, register, number))
            if (register, number) not in practitioners:
                practitioners[(register, number)] = (
                    register,
                    number,
                    f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}",
                    profession,
                    SAMPLE_SOURCE,
                    stamp,
                )
    with db.conn:
        # Practitioners, links and registrations first: each practice's triggers then index
        # it and write its listing once, whole.
        db.conn.executemany(
            "insert into practitioners (register, registration_number, name, "
            "profession, source, updated_at) values (?, ?, ?, ?, ?, ?)",
            list(practitioners.values()),
        )
        db.conn.executemany("insert or ignore into practice_practitioners values (?, ?, ?)", links)
        store.insert_sample_states(db, _registration_rows(practitioners.values(), rng))
        db.conn.executemany(
            "insert into practices (id, key, name, address, postcode, latitude, longitude, "
            "phone, email, website, features, source, updated_at) "
            "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            practices,
        )
    nations = Counter(areas.nation_of(place[3]) for place in places)
    return DemoResult(
        len(practices), len(practitioners), dict(nations), time.perf_counter() - started
    )


def _practitioner_numbers(staff: list[list[str]]) -> list[list[tuple[str, str, str]]]:
    """Made-up numbers for each practice's staff. When a register's range is smaller than the
    jobs to fill (big samples), neighbouring practices share practitioners, as real ones do."""
    jobs = Counter(p for people in staff for p in people)
    seen: Counter = Counter()
    out = []
    for people in staff:
        numbers = []
        for profession in people:
            register = REGISTER_OF_PROFESSION[profession]
            prefix, first, count, digits = NUMBERS[register]
            pool = min(count, jobs[profession])
            slot = seen[profession] * pool // jobs[profession]
            seen[profession] += 1
            numbers.append((register, f"{prefix}{first + slot:0{digits}d}", profession))
        out.append(numbers)
    return out


def _practice_row(index: int, place: tuple, label: str, rng: random.Random, stamp: str) -> tuple:
    postcode, lat, lon, lad = place
    town = areas.lad_name(lad)
    street = rng.choice(STREETS)
    name = f"{street.split()[0]} {label}" if rng.random() < 0.5 else f"{town} {label}"
    slug = "".join(ch for ch in name.lower() if ch.isalnum())
    languages = ["Welsh"] if areas.nation_of(lad) == "wales" and rng.random() < 0.5 else []
    if rng.random() < 0.25:
        languages.append(rng.choice(LANGUAGES))
    features = {
        "home_visits": rng.random() < 0.3,
        "wheelchair_access": rng.random() < 0.7,
        "languages": languages,
    }
    phone = (
        f"01632 960{rng.randrange(1000):03d}"
        if rng.random() < 0.8
        else f"07700 900{rng.randrange(1000):03d}"
    )
    return (
        index,
        f"{SAMPLE_SOURCE}:{index:06d}",
        name,
        json.dumps([f"{rng.randrange(1, 200)} {street}", town]),
        postcode,
        lat,
        lon,
        phone,
        f"hello@{slug}{index}.example",
        f"https://{slug}{index}.example",
        json.dumps(features, sort_keys=True),
        SAMPLE_SOURCE,
        stamp,
    )


def _registration_rows(practitioners, rng: random.Random) -> list[tuple]:
    """Sample registration states; no source URL, as no register was asked."""
    now = datetime.now(UTC)
    outcomes, weights = zip(*OUTCOME_WEIGHTS, strict=True)
    rows = []
    for register, number, name, profession, _source, _stamp in practitioners:
        outcome = rng.choices(outcomes, weights=weights)[0]
        if outcome is None:
            continue
        checked = now - timedelta(days=rng.randrange(0, 75), minutes=rng.randrange(1440))
        rows.append(
            (
                register,
                number,
                outcome,
                f"{STATUS_WORDS[outcome]} (sample data)",
                name,
                profession,
                times.iso(checked),
                None,
            )
        )
    return rows


def remove_sample(db: sqlite_utils.Database) -> SampleRemoval:
    """Take the whole sample out (practices, practitioners, their links, listings and points,
    and the made-up registration states), in one transaction or the caller's. Real rows are
    untouched, and so is any real register's answer about a sample number."""
    with database.atomic(db):
        people = db.conn.execute(
            "select register, registration_number from practitioners where source = ?",
            (SAMPLE_SOURCE,),
        ).fetchall()
        # Practices first: their triggers drop each listing and point, and their links go
        # with them (cascade) without rewriting a listing about to be dropped.
        practices = db.conn.execute(
            "delete from practices where source = ?", (SAMPLE_SOURCE,)
        ).rowcount
        db.conn.execute(
            "delete from practice_practitioners where practice_id not in "
            "(select id from practices) or (register, registration_number) in "
            "(select register, registration_number from practitioners where source = ?)",
            (SAMPLE_SOURCE,),
        )
        db.conn.execute("delete from practitioners where source = ?", (SAMPLE_SOURCE,))
        states = store.remove_sample_states(db, people)
    return SampleRemoval(practices, len(people), states)
