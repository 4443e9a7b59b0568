"""Import a provider list (an insurer's network, a clinic chain) from CSV into the directory.

Physiotherapists' practice addresses are not on the HCPC register, so a provider list is how
they become findable by postcode. Every row is validated; bad rows are reported with their line
numbers and reasons while the good rows load, all in one transaction. Re-importing the same file
changes nothing. Imported practitioners join the check queue (`check_queue`) and show as "not
yet verified" until a refresh checks them on their register.

Rows naming the same practice (name and postcode) describe one practice: a blank cell keeps
what an earlier row, or an earlier import, said; a cell holding only the word CLEAR empties
that field (for the address, CLEAR in any address column with no other line given). A folder
holding the sample directory (finder demo) takes no real data unless asked to replace it.

Columns (header row required, any order, names case-insensitive):

    practitioner_name   required
    profession          required: physiotherapist, osteopath or chiropractor
    register            optional: hcpc, gosc or gcc; must match the profession
    registration_number required: PH123456 (HCPC), 9123 (GOsC), 04567 (GCC)
    practice_name       required
    address_1..address_3, town   optional address lines
    postcode            required: a full UK postcode
    phone, email, website        optional
    features            optional, separated by ';': home_visits, wheelchair_access,
                        language:Welsh or language:cy (one per language; a language the
                        search knows is stored by its English name, finder.vocabulary)
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

import sqlite_utils
from sqlite_utils import Migrations

from finder import registrations, times
from finder.db import transaction
from finder.directory import demo
from finder.directory import practices as directory
from finder.errors import FinderError, InvalidInput
from finder.places import postcodes
from finder.vocabulary import LANGUAGES, NUMBER_EXAMPLES, REGISTER_OF_PROFESSION, language_code

MIGRATIONS = Migrations("finder.importer")

REQUIRED_COLUMNS = (
    "practitioner_name",
    "profession",
    "registration_number",
    "practice_name",
    "postcode",
)
OPTIONAL_COLUMNS = (
    "register",
    "address_1",
    "address_2",
    "address_3",
    "town",
    "phone",
    "email",
    "website",
    "features",
)
ADDRESS_COLUMNS = ("address_1", "address_2", "address_3", "town")
FLAG_FEATURES = ("home_visits", "wheelchair_access")
MAX_ROWS = 100_000
SOURCE = "import"
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE = re.compile(r"^\+?[0-9 ()-]{10,20}$")
WEBSITE = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
# A cell holding only this word (any case) empties its field; a blank cell keeps the field.
CLEAR = "CLEAR"
# A practice's fields a row may leave blank: None in a row's practice means "keep".
PRACTICE_DETAILS = ("address", "phone", "email", "website", "features")


@MIGRATIONS()
def create_check_queue(db: sqlite_utils.Database) -> None:
    # Practitioners waiting for a check on their register; a refresh of that register drains it.
    db.execute(
        """create table check_queue (
            register text not null,
            registration_number text not null,
            name text,
            queued_at text not null,
            reason text not null,
            primary key (register, registration_number)
        )"""
    )


@dataclass
class RowError:
    line: int
    message: str

    def to_dict(self) -> dict:
        return {"line": self.line, "message": self.message}


@dataclass
class ImportReport:
    rows: int = 0
    loaded: int = 0
    practitioners: dict[str, int] = field(
        default_factory=lambda: {"added": 0, "updated": 0, "unchanged": 0}
    )
    practices: dict[str, int] = field(
        default_factory=lambda: {"added": 0, "updated": 0, "unchanged": 0}
    )
    queued: int = 0
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = False
    sample_practices_removed: int = 0

    def to_dict(self) -> dict:
        return {
            "rows": self.rows,
            "loaded": self.loaded,
            "practitioners": dict(self.practitioners),
            "practices": dict(self.practices),
            "queued_for_check": self.queued,
            "errors": [error.to_dict() for error in self.errors],
            "dry_run": self.dry_run,
            "sample_practices_removed": self.sample_practices_removed,
        }


def read_rows(data: bytes) -> list[tuple[int, dict[str, str]]]:
    """(line number, row) pairs from CSV bytes; InvalidInput for a file that is not usable."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(
            "The file is not UTF-8 text: save it as CSV UTF-8 and try again.", code="not_utf8"
        ) from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if not reader.fieldnames:
        raise InvalidInput("The file is empty: it needs a header row and rows.", code="empty")
    reader.fieldnames = [(name or "").strip().lower() for name in reader.fieldnames]
    missing = [name for name in REQUIRED_COLUMNS if name not in reader.fieldnames]
    if missing:
        raise InvalidInput(
            f"The file lacks the column(s) {', '.join(missing)}; the header row must name "
            f"{', '.join(REQUIRED_COLUMNS)} (optional: {', '.join(OPTIONAL_COLUMNS)}).",
            code="missing_columns",
        )
    rows = []
    for row in reader:
        if len(rows) >= MAX_ROWS:
            raise InvalidInput(
                f"The file has more than {MAX_ROWS:,} rows: split it.", code="too_many_rows"
            )
        values = {key: (value or "").strip() for key, value in row.items() if key}
        if any(values.values()):  # skip blank lines
            rows.append((reader.line_num, values))
    return rows


def validate_row(row: dict[str, str], table: postcodes.PostcodeTable) -> tuple[dict, dict]:
    """The practitioner and the practice a row describes; InvalidInput saying what is wrong."""
    problems = [f"{name} is empty" for name in REQUIRED_COLUMNS if not row.get(name)]
    problems += [  # CLEAR empties an optional field; these cannot be empty
        f"{name} cannot be CLEAR"
        for name in REQUIRED_COLUMNS
        if (row.get(name) or "").strip().upper() == CLEAR
    ]
    if problems:
        raise InvalidInput("; ".join(problems))
    profession = row["profession"].lower()
    if profession not in REGISTER_OF_PROFESSION:
        raise InvalidInput(
            f"profession {row['profession']!r} is not one of {', '.join(REGISTER_OF_PROFESSION)}"
        )
    register = REGISTER_OF_PROFESSION[profession]
    if row.get("register") and row["register"].lower() != register:
        raise InvalidInput(f"a {profession} is on the {register.upper()} register, not "
                           f"{row['register']!r}")  # fmt: skip
    try:
        # The same rule as checks use, so nothing imported can fail every refresh later.
        number = registrations.normalise_number(register, row["registration_number"])
    except InvalidInput:
        raise InvalidInput(
            f"{row['registration_number']!r} is not a {register.upper()} registration number "
            f"(like {NUMBER_EXAMPLES[register]})"
        ) from None
    practice = _practice(row, table)
    practitioner = {
        "register": register,
        "registration_number": number,
        "name": " ".join(row["practitioner_name"].split()),
        "profession": profession,
        "source": SOURCE,
    }
    return practitioner, practice


def _practice(row: dict[str, str], table: postcodes.PostcodeTable) -> dict:
    try:
        location = table.lookup(row["postcode"])
    except FinderError as error:
        raise InvalidInput(f"postcode: {error.message}") from None
    if location.precision != "postcode" and location.note is None:
        raise InvalidInput(f"postcode {row['postcode']!r} is not a full postcode, like LS6 2AB")
    cells = {name: _cell(row, name) for name in ("phone", "email", "website", "features")}
    if (cells["website"] or "").lower().startswith("www."):  # as people type it
        cells["website"] = "https://" + cells["website"]
    for name, pattern in (("phone", PHONE), ("email", EMAIL), ("website", WEBSITE)):
        if cells[name] not in (None, CLEAR) and not pattern.match(cells[name]):
            raise InvalidInput(f"{name} {cells[name]!r} does not look like one")
    if cells["features"] not in (None, CLEAR):
        cells["features"] = parse_features(cells["features"])
    name = " ".join(row["practice_name"].split())
    postcode = postcodes.parse(row["postcode"]).text
    return {
        "key": directory.practice_key(SOURCE, name, postcode),
        "name": name,
        "address": _address(row),
        "postcode": postcode,
        "latitude": location.latitude,
        "longitude": location.longitude,
        **cells,
        "source": SOURCE,
    }


def _cell(row: dict[str, str], column: str) -> str | None:
    """A cell's text; None when blank (keep the field), CLEAR when it asks to empty it."""
    value = row.get(column) or None
    return CLEAR if value and value.upper() == CLEAR else value


def _address(row: dict[str, str]) -> list[str] | str | None:
    """The address lines given; None when none is (keep the address), CLEAR to empty it."""
    cells = [_cell(row, column) for column in ADDRESS_COLUMNS]
    lines = [cell for cell in cells if cell not in (None, CLEAR)]
    return lines or (CLEAR if CLEAR in cells else None)


def merge_rows(earlier: dict, later: dict) -> dict:
    """One practice from two of its rows: the later row's values, except where it left a cell
    blank."""
    return {
        name: earlier[name] if name in PRACTICE_DETAILS and value is None else value
        for name, value in later.items()
    }


def with_stored(practice: dict, stored: dict | None) -> dict:
    """The practice to write: what was left blank keeps its stored value (or is empty for a
    new practice), what says CLEAR is emptied."""
    empty = {"address": [], "phone": None, "email": None, "website": None}
    empty["features"] = parse_features("")
    row = dict(practice)
    for name in PRACTICE_DETAILS:
        if practice[name] is None and stored is not None:
            row[name] = stored[name]
        elif practice[name] is None or practice[name] == CLEAR:
            row[name] = empty[name]
    return row


def parse_features(text: str) -> dict:
    """'home_visits; language:Welsh' -> the features dict the directory stores."""
    features: dict = {flag: False for flag in FLAG_FEATURES}
    features["languages"] = []
    for token in (part.strip() for part in text.split(";")):
        if not token:
            continue
        if token.lower() in FLAG_FEATURES:
            features[token.lower()] = True
        elif token.lower().startswith("language:") and token.split(":", 1)[1].strip():
            # One spelling a language, so the search's language filter finds it.
            name = token.split(":", 1)[1].strip()
            code = language_code(name)
            name = LANGUAGES[code] if code else name
            if name not in features["languages"]:
                features["languages"].append(name)
        else:
            raise InvalidInput(
                f"feature {token!r} is not one of {', '.join(FLAG_FEATURES)}, language:NAME"
            )
    return features


def import_csv(
    db: sqlite_utils.Database,
    data: bytes,
    table: postcodes.PostcodeTable,
    *,
    dry_run: bool = False,
    replace_sample: bool = False,
) -> ImportReport:
    """Validate every row, load the good ones in one transaction, report the bad ones.

    Each practitioner and each practice is written once, from all its rows together, so the
    counts say what changed. A folder holding the sample directory is refused
    (SampleDataPresent) unless `replace_sample`: the sample is then removed in the same
    transaction."""
    if directory.sample_present(db) and not replace_sample:
        raise directory.SampleDataPresent(
            "This folder holds the sample directory: run `finder demo --remove` first, "
            "or add --replace-sample."
        )
    report = ImportReport(dry_run=dry_run)
    rows = read_rows(data)
    report.rows = len(rows)
    valid = []
    for line, row in rows:
        try:
            valid.append(validate_row(row, table))
        except InvalidInput as error:
            report.errors.append(RowError(line, error.message))
    people: dict[tuple[str, str], dict] = {}  # the last row's name wins
    places: dict[str, dict] = {}  # each practice merged from its rows, in file order
    for practitioner, practice in valid:
        people[(practitioner["register"], practitioner["registration_number"])] = practitioner
        key = practice["key"]
        places[key] = merge_rows(places[key], practice) if key in places else practice
    with transaction(db, commit=not dry_run) as tx:
        if replace_sample:
            report.sample_practices_removed = demo.remove_sample(tx).practices
        for practitioner in people.values():
            report.practitioners[directory.add_or_update_practitioner(tx, practitioner)] += 1
        for key, practice in places.items():
            row = with_stored(practice, directory.stored_practice(tx, key))
            report.practices[directory.add_or_update_practice(tx, row)] += 1
        for practitioner, practice in valid:
            pair = (practitioner["register"], practitioner["registration_number"])
            directory.link_practitioner(tx, practice["key"], *pair)
            report.queued += queue_check(tx, *pair, practitioner["name"], "imported")
            report.loaded += 1
    return report


def queue_check(db, register: str, number: str, name: str | None, reason: str) -> int:
    """Queue a practitioner never checked on their register; 1 if newly queued, else 0."""
    cursor = db.conn.execute(
        """insert or ignore into check_queue
            select ?, ?, ?, ?, ? where not exists (select 1 from registrations
                where register = ? and registration_number = ?)""",
        (register, number, name, times.now_iso(), reason, register, number),
    )
    return cursor.rowcount


def queued_checks(db, register: str) -> list[tuple[str, str | None]]:
    """(number, name) of the practitioners waiting for their first check on `register`."""
    return db.execute(
        "select registration_number, name from check_queue where register = ? "
        "order by registration_number",
        (register,),
    ).fetchall()


def unqueue_check(db, register: str, number: str) -> None:
    """Take a number off the queue once it has been checked (inside the caller's transaction,
    if any)."""
    db.conn.execute(
        "delete from check_queue where register = ? and registration_number = ?",
        (register, number),
    )
