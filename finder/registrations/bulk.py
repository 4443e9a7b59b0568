"""Bulk registration checks: CSV or JSON rows in, one checked row out per row in, in order.

Cached answers are read in a few batched queries (no per-row query, fetch or commit). Rows
that need the register are asked one thread per register, each register's session polite;
from the web, through finder.registrations.background. A bad row never stops the batch.
"""

from __future__ import annotations

import csv
import io
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from finder import db as database
from finder.errors import FinderError, InvalidInput
from finder.registrations.check import (
    CheckResult,
    fetch_and_record,
    name_match,
    result_from_row,
    sample_result,
)
from finder.registrations.policy import is_fresh, row_key
from finder.registrations.store import read_current, sample_numbers

MAX_BULK_ROWS = 10_000
# A web request checks at most this many registrations that are not fresh in the cache (each
# one asks a register, politely spaced); more belong in `finder check --csv` or smaller batches.
MAX_WEB_FETCHES = 100
REQUIRED_COLUMNS = ("register", "registration_number")
OPTIONAL_COLUMNS = ("name",)
# The result's columns, in the one order of every results file (single check and bulk alike).
RESULT_COLUMNS = (
    "register", "registration_number", "outcome", "status_raw", "name_on_register",
    "name_match", "name_match_score", "checked_at", "source_url", "evidence_sha256", "stale",
    "changed", "reason", "error",
)  # fmt: skip
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class BadRow(dict):
    """A row already known to be bad (say, a JSON list where text belongs): check_many gives
    it `message` as its error, without checking it, and goes on with the others."""

    def __init__(self, row: dict, message: str) -> None:
        super().__init__(row)
        self.message = message


def read_csv(data: bytes) -> list[dict]:
    """Rows of an uploaded CSV as dicts, columns in file order (extra columns kept).

    Header names are matched case-insensitively and renamed to `register`,
    `registration_number` and `name`; a UTF-8 byte-order mark (Excel's "CSV UTF-8") is fine.
    """
    if not data or not data.strip():
        raise InvalidInput(
            "The file is empty: it needs a header line register,registration_number,name "
            "and one line per registration.",
            code="empty_file",
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(
            "The file is not UTF-8 text: in Excel, save it as CSV UTF-8 (Comma delimited) "
            "and upload it again.",
            code="not_utf8",
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
        lines = [line for line in reader if any(cell.strip() for cell in line)]
    except csv.Error as error:
        raise InvalidInput(f"The file is not a CSV we can read: {error}.", code="bad_csv") from None
    header, lines = _drop_empty_unnamed([_canonical(column) for column in header], lines)
    header, lines = _drop_old_results(header, lines)
    _check_header(header)
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    if missing:
        found = ", ".join(column for column in header if column) or "nothing"
        raise InvalidInput(
            f"The file needs the columns register and registration_number (name is optional); "
            f"missing: {', '.join(missing)}. Its first line has: {found}.",
            code="missing_columns",
        )
    if not lines:
        raise InvalidInput(
            "The file has a header line but no registrations to check.", code="empty_file"
        )
    if len(lines) > MAX_BULK_ROWS:
        raise too_many_rows(len(lines))
    return [_csv_row(header, line) for line in lines]


def _drop_empty_unnamed(header: list[str], lines: list[list[str]]):
    """(header, lines) without the columns that have no name and nothing in them, which a
    spreadsheet leaves as trailing commas."""

    def used(at: int) -> bool:
        return any(at < len(line) and line[at].strip() for line in lines)

    return _only(header, lines, [at for at, column in enumerate(header) if column or used(at)])


def _drop_old_results(header: list[str], lines: list[list[str]]):
    """(header, lines) without the result columns of an earlier results file, uploaded again
    to check it again: they are filled in afresh."""
    ours = set(RESULT_COLUMNS[2:])
    if not ours <= set(header):
        return header, lines
    return _only(header, lines, [at for at, column in enumerate(header) if column not in ours])


def _only(header: list[str], lines: list[list[str]], keep: list[int]):
    """(header, lines) with only the columns at `keep`; cells past the header stay at the end
    of their line, where _csv_row finds them."""
    if len(keep) == len(header):
        return header, lines
    width = len(header)
    trimmed = [[line[at] if at < len(line) else "" for at in keep] + line[width:] for line in lines]
    return [header[at] for at in keep], trimmed


def _check_header(header: list[str]) -> None:
    """Every column comes back in the results, so each needs a name of its own, and none may
    be one the results fill in (its values would be overwritten)."""
    seen: set[str] = set()
    for column in header:
        if column in seen:
            raise InvalidInput(
                (
                    f"The column {column!r} appears twice"
                    if column
                    else "Two columns with values have no name"
                )
                + " in the first line: give each column a name of its own.",
                code="duplicate_columns",
            )
        seen.add(column)
    taken = [c for c in header if c in RESULT_COLUMNS and c not in REQUIRED_COLUMNS]
    if taken:
        raise InvalidInput(
            f"The results add a column called {taken[0]!r}, and the file has one already: "
            f"rename it. The results add: {', '.join(RESULT_COLUMNS[2:])} (a whole results "
            "file can be uploaded again as it is).",
            code="reserved_columns",
        )


def _csv_row(header: list[str], line: list[str]) -> dict:
    """A line as a dict; short lines padded with empty cells. A line with more filled cells
    than the header has columns is that row's error: nothing in it is dropped unseen."""
    row = dict(zip(header, (line + [""] * len(header))[: len(header)], strict=True))
    extra = [cell for cell in line[len(header) :] if cell.strip()]
    if extra:
        return BadRow(
            row,
            "This line has more cells than the first line has column names: name the other "
            "columns in the first line, or remove the extra cells.",
        )
    return row


def too_many_rows(count: int, *, in_file: bool = True) -> InvalidInput:
    """More rows than one batch takes, told in the words of a file upload or of a request."""
    message = (
        f"The file has {count:,} rows; one upload can check at most {MAX_BULK_ROWS:,}. Split "
        "it into smaller files."
        if in_file
        else f"That is {count:,} rows; one request takes at most {MAX_BULK_ROWS:,}. Split the "
        "rows into several requests."
    )
    return InvalidInput(message, code="too_many_rows", status=413)


def too_many_fetches(count: int, limit: int) -> InvalidInput:
    return InvalidInput(
        f"{count:,} of these registrations are not fresh in the cache and need their register; "
        f"one request can ask the registers about at most {limit:,}. Send them in "
        "smaller batches (rows already checked recently are answered from the cache, up to "
        f"{MAX_BULK_ROWS:,} a request), or ask the service's operator to run "
        "`finder check --csv`.",
        code="too_many_register_checks",
        status=422,
    )


@dataclass
class Plan:
    """Rows split by what they need: `out` holds the rows answered already (bad rows, fresh
    cached answers; None where the register must be asked), `to_fetch` register -> number ->
    the (row index, name given) that want it, and `cached` the stored states read."""

    rows: list
    out: list[dict | None]
    to_fetch: dict[str, dict[str, list[tuple[int, str | None]]]]
    cached: dict[tuple[str, str], dict]

    @property
    def fetches(self) -> int:
        return sum(len(numbers) for numbers in self.to_fetch.values())

    def answer(self, register: str, number: str, result: CheckResult) -> None:
        """Fill in every row that wanted (register, number), each with its own name match."""
        for index, name in self.to_fetch[register][number]:
            self.out[index] = result_row(
                self.rows[index],
                replace(result, name_match=name_match(name, result.name_on_register)),
            )

    def results(self) -> list[dict]:
        return [row for row in self.out if row is not None]


def plan(
    db_path: str | os.PathLike,
    rows: list[dict],
    *,
    max_age: timedelta | None = None,
    refresh: bool = False,
    max_fetches: int | None = None,
    now: datetime | None = None,
) -> Plan:
    """Check every row's register and number, and answer from the cache what is fresh there.
    With `max_fetches`, more numbers to ask a register about than that is too_many_fetches,
    before any is asked: a web request must not hold the registers for long."""
    if len(rows) > MAX_BULK_ROWS:
        raise too_many_rows(len(rows))
    now = now or datetime.now(UTC)
    out: list[dict | None] = [None] * len(rows)
    wanted: list[tuple[int, str, str, str | None]] = []  # (index, register, number, name)
    for index, row in enumerate(rows):
        try:
            register, number = row_key(row)
        except FinderError as error:
            out[index] = error_row(dict(row) if isinstance(row, dict) else {}, error.message)
            continue
        wanted.append((index, register, number, _text(row.get("name"))))

    connection = database.connect(db_path)
    try:
        cached = read_current(connection, [(r, n) for _, r, n, _ in wanted])
        samples = sample_numbers(connection, [(r, n) for _, r, n, _ in wanted])
    finally:
        connection.close()
    to_fetch: dict[str, dict[str, list[tuple[int, str | None]]]] = {}
    for index, register, number, name in wanted:
        row = cached.get((register, number))
        if (register, number) in samples:  # made up: never asked of a register
            out[index] = result_row(rows[index], sample_result(register, number, row, name))
        elif row is not None and not refresh and is_fresh(row, max_age, now):
            out[index] = result_row(rows[index], result_from_row(row, name))
        else:
            to_fetch.setdefault(register, {}).setdefault(number, []).append((index, name))
    planned = Plan(rows, out, to_fetch, cached)
    if max_fetches is not None and planned.fetches > max_fetches:
        raise too_many_fetches(planned.fetches, max_fetches)
    return planned


def check_many(
    db_path: str | os.PathLike,
    rows: list[dict],
    *,
    clients: Any,
    max_age: timedelta | None = None,
    refresh: bool = False,
    max_fetches: int | None = None,
    progress: Callable[[int], None] | None = None,
    now: datetime | None = None,
) -> list[dict]:
    """One result dict per input row, in input order: the row's own columns, then the result
    (RESULT_COLUMNS; `error` says why a row could not be checked). Numbers not fresh in the
    cache are asked of their register here, a thread a register (the CLI's way: a web request
    goes through finder.registrations.background instead). `progress(n)` is called as n more
    rows are done (from worker threads)."""
    now = now or datetime.now(UTC)
    planned = plan(
        db_path, rows, max_age=max_age, refresh=refresh, max_fetches=max_fetches, now=now
    )
    report = _locked(progress)
    report(sum(1 for row in planned.out if row is not None))

    def work(register: str, numbers: dict[str, list[tuple[int, str | None]]]) -> None:
        connection = database.connect(db_path)
        try:
            for number, targets in numbers.items():
                try:
                    result = fetch_and_record(
                        connection,
                        register,
                        number,
                        None,
                        clients=clients,
                        cached=planned.cached.get((register, number)),
                        now=now,
                    )
                except Exception as error:  # one row's surprise must not stop the others
                    for index, _ in targets:
                        planned.out[index] = error_row(rows[index], f"could not check: {error}")
                else:
                    planned.answer(register, number, result)
                report(len(targets))
        finally:
            connection.close()

    threads = [
        threading.Thread(target=work, args=item, name=f"check-{item[0]}")
        for item in planned.to_fetch.items()
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return planned.results()


def write_csv(rows: list[dict]) -> str:
    """Rows as CSV text: every column any row has, in first-seen order; booleans as
    true/false; cells that a spreadsheet would run as a formula are prefixed with ', the
    header's too (its names are the uploader's own columns)."""
    columns: dict[str, None] = {}
    for row in rows:
        columns.update(dict.fromkeys(row))
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([_cell(column) for column in columns])
    for row in rows:
        writer.writerow([_cell(row.get(column)) for column in columns])
    return buffer.getvalue()


def _canonical(column: str) -> str:
    key = column.strip()
    folded = key.lower().replace(" ", "_")
    return folded if folded in REQUIRED_COLUMNS + OPTIONAL_COLUMNS else key


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def flat_result(result: CheckResult) -> dict:
    """A check as one CSV row, its columns in the order of a bulk file's (RESULT_COLUMNS but
    the bulk-only `error`): name_match as its verdict, then name_match_score."""
    data = result.to_dict()
    match = data["name_match"]
    data["name_match"] = match["verdict"] if match else None
    data["name_match_score"] = match["score"] if match else None
    return {column: data[column] for column in RESULT_COLUMNS if column != "error"}


def result_row(row: dict, result: CheckResult) -> dict:
    out = dict(row)
    out.update(flat_result(result), error=None)
    return out


def error_row(row: dict, message: str) -> dict:
    out = dict(row)
    for column in RESULT_COLUMNS:
        if column not in ("register", "registration_number") or column not in out:
            out[column] = None
    out.update(stale=False, changed=False, error=message)
    return out


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def _locked(progress: Callable[[int], None] | None) -> Callable[[int], None]:
    lock = threading.Lock()

    def report(done: int) -> None:
        if progress is not None and done:
            with lock:
                progress(done)

    return report
