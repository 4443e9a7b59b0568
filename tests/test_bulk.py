"""Bulk checks: reading the insurer's CSV, checking every row, writing the results CSV."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from stubregisters import EveryoneRegistered

from finder import db, registrations
from finder.errors import InvalidInput
from finder.registrations.bulk import RESULT_COLUMNS

NOW = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def test_a_csv_is_read_with_its_extra_columns_in_order():
    data = b"Policy,Register,Registration Number,Name,Notes\nP1,hcpc,PH123456,Ellis Example,x\n"
    assert registrations.read_csv(data) == [
        {
            "Policy": "P1",
            "register": "hcpc",
            "registration_number": "PH123456",
            "name": "Ellis Example",
            "Notes": "x",
        }
    ]


def test_excels_byte_order_mark_blank_lines_short_rows_and_empty_columns_are_fine():
    data = (
        "\ufeffregister,registration_number,name,,\r\ngcc,04567\r\n\r\n,,\r\ngosc,9123,Alex,,\r\n"
    )
    rows = registrations.read_csv(data.encode("utf-8"))
    assert rows == [
        {"register": "gcc", "registration_number": "04567", "name": ""},
        {"register": "gosc", "registration_number": "9123", "name": "Alex"},
    ]
    assert [getattr(row, "message", None) for row in rows] == [None, None]


def test_a_results_file_can_be_checked_again_as_it_is(db_path):
    rows = [{"policy": "P1", "register": "gosc", "registration_number": "9123"}]
    first = registrations.check_many(db_path, rows, clients=EveryoneRegistered(), now=NOW)
    again = registrations.read_csv(registrations.write_csv(first).encode())
    assert again == rows  # the old results are dropped, to be filled in afresh


def test_a_line_longer_than_the_header_is_that_rows_error_not_silently_cut(db_path):
    data = b"register,registration_number,policy\ngosc,9123,P1,EXTRA\ngcc,04567,P2\n"
    results = registrations.check_many(
        db_path, registrations.read_csv(data), clients=EveryoneRegistered(), now=NOW
    )
    assert [(r["policy"], r["outcome"], r["error"]) for r in results] == [
        (
            "P1",
            None,
            "This line has more cells than the first line has column names: name the other "
            "columns in the first line, or remove the extra cells.",
        ),
        ("P2", "registered", None),
    ]


def test_accented_names_survive_the_round_trip():
    rows = registrations.read_csv(
        "register,registration_number,name\nhcpc,PH900001,Zoë Ñúñez\n".encode()
    )
    assert registrations.read_csv(registrations.write_csv(rows).encode()) == rows


@pytest.mark.parametrize(
    ("data", "code", "status", "message"),
    [
        (
            b"",
            "empty_file",
            400,
            "The file is empty: it needs a header line register,registration_number,name "
            "and one line per registration.",
        ),
        (
            b"register,registration_number\n",
            "empty_file",
            400,
            "The file has a header line but no registrations to check.",
        ),
        (
            b"reg,number,name\nhcpc,PH123456,E\n",
            "missing_columns",
            400,
            "The file needs the columns register and registration_number (name is optional); "
            "missing: register, registration_number. Its first line has: reg, number, name.",
        ),
        (
            "register,registration_number,name\nhcpc,PH900001,Zoë\n".encode("cp1252"),
            "not_utf8",
            400,
            "The file is not UTF-8 text: in Excel, save it as CSV UTF-8 (Comma delimited) "
            "and upload it again.",
        ),
        (
            b"register,registration_number\n" + b"gcc,04567\n" * 10_001,
            "too_many_rows",
            413,
            "The file has 10,001 rows; one upload can check at most 10,000. "
            "Split it into smaller files.",
        ),
        (
            b"register,registration_number,note,Note,note\nhcpc,PH1,a,b,c\n",
            "duplicate_columns",
            400,
            "The column 'note' appears twice in the first line: give each column a name of its "
            "own.",
        ),
        (
            b"register,registration_number,,\nhcpc,PH1,a,b\n",
            "duplicate_columns",
            400,
            "Two columns with values have no name in the first line: give each column a name "
            "of its own.",
        ),
        (
            b"register,registration_number,reason\nhcpc,PH1,renewal\n",
            "reserved_columns",
            400,
            "The results add a column called 'reason', and the file has one already: rename "
            "it. The results add: outcome, status_raw, name_on_register, name_match, "
            "name_match_score, checked_at, source_url, evidence_sha256, stale, changed, "
            "reason, error (a whole results file can be uploaded again as it is).",
        ),
    ],
    ids=[
        "empty",
        "header-only",
        "missing-columns",
        "not-utf8",
        "10001-rows",
        "same-name-twice",
        "two-unnamed-with-values",
        "a-result-column",
    ],
)
def test_a_csv_that_cannot_be_checked_gets_a_message_saying_what_to_do(data, code, status, message):
    with pytest.raises(InvalidInput) as caught:
        registrations.read_csv(data)
    assert (caught.value.code, caught.value.status, caught.value.message) == (
        code,
        status,
        message,
    )


def test_exactly_ten_thousand_rows_are_accepted():
    data = b"register,registration_number\n" + b"gcc,04567\n" * 10_000
    assert len(registrations.read_csv(data)) == 10_000


def test_results_csv_has_every_column_and_disarms_spreadsheet_formulas():
    text = registrations.write_csv(
        [
            {"policy": "=HYPERLINK(1)", "stale": True, "changed": False, "reason": None},
            {"policy": "P2", "stale": False, "changed": True, "reason": "x", "error": "bad"},
        ]
    )
    assert list(csv.reader(io.StringIO(text))) == [
        ["policy", "stale", "changed", "reason", "error"],
        ["'=HYPERLINK(1)", "true", "false", "", ""],
        ["P2", "false", "true", "x", "bad"],
    ]


@pytest.fixture
def db_path(data_dir):
    db.open_main(data_dir).close()
    return db.main_db_path(data_dir)


def test_bad_rows_get_their_own_error_and_the_rest_are_checked(db_path):
    rows = [
        {"ref": "1", "register": "hcpc", "registration_number": "PH123456", "name": "E Example"},
        {"ref": "2", "register": "nhs", "registration_number": "1", "name": ""},
        {"ref": "3", "register": "gcc", "registration_number": "4567x", "name": ""},
    ]
    results = registrations.check_many(db_path, rows, clients=EveryoneRegistered(), now=NOW)
    assert [(r["ref"], r["outcome"], r["name_match"], r["error"]) for r in results] == [
        ("1", "registered", "probable", None),
        ("2", None, None, "'nhs' is not a register: use hcpc, gosc or gcc"),
        ("3", None, None, "'4567x' is not valid: GCC numbers are up to 5 digits, like 04567"),
    ]
    assert list(results[0]) == [
        "ref",
        "register",
        "registration_number",
        "name",
        "outcome",
        "status_raw",
        "name_on_register",
        "name_match",
        "name_match_score",
        "checked_at",
        "source_url",
        "evidence_sha256",
        "stale",
        "changed",
        "reason",
        "error",
    ]
    assert list(results[1]) == list(results[0])


def test_the_same_number_twice_is_asked_once_and_cached_rows_not_at_all(db_path):
    clients = EveryoneRegistered()
    rows = [
        {"register": "gcc", "registration_number": "4567"},
        {"register": "gcc", "registration_number": "04567", "name": "Ellis Example"},
    ]
    first = registrations.check_many(db_path, rows, clients=clients, now=NOW)
    assert [(r["registration_number"], r["name_match"]) for r in first] == [
        ("04567", None),
        ("04567", "exact"),
    ]
    again = registrations.check_many(db_path, rows, clients=clients, now=NOW)
    assert again == first
    assert clients.asked == [("gcc", "04567")]


def test_a_register_that_is_down_does_not_stop_the_others(db_path):
    rows = [
        {"register": "hcpc", "registration_number": "PH900001"},
        {"register": "gosc", "registration_number": "9123"},
    ]
    results = registrations.check_many(
        db_path, rows, clients=EveryoneRegistered(down={"hcpc"}), now=NOW
    )
    assert [(r["outcome"], r["reason"]) for r in results] == [
        ("unknown", "register unavailable: HTTP 503 after 4 attempts"),
        ("registered", None),
    ]


def test_json_rows_may_hold_numbers_and_non_objects(db_path):
    rows = [{"register": "gosc", "registration_number": 9123}, ["gosc", "9123"]]
    results = registrations.check_many(db_path, rows, clients=EveryoneRegistered(), now=NOW)
    assert [(r["registration_number"], r["outcome"], r["error"]) for r in results] == [
        ("9123", "registered", None),
        (None, None, "Each row must be an object with register and number."),
    ]


def test_more_than_ten_thousand_rows_are_refused_before_anything_is_checked(db_path):
    clients = EveryoneRegistered()
    rows = [{"register": "gcc", "registration_number": "04567"}] * 10_001
    with pytest.raises(InvalidInput) as caught:
        registrations.check_many(db_path, rows, clients=clients)
    assert (caught.value.code, caught.value.status) == ("too_many_rows", 413)
    assert clients.asked == []


def test_the_uploaders_own_column_names_are_disarmed_in_the_header_too(db_path):
    upload = b'register,registration_number,=HYPERLINK("http://x.example"),@SUM(1)\ngosc,9123,a,b\n'
    rows = registrations.read_csv(upload)
    results = registrations.check_many(db_path, rows, clients=EveryoneRegistered(), now=NOW)
    header = next(csv.reader(io.StringIO(registrations.write_csv(results))))
    assert header[:4] == [
        "register",
        "registration_number",
        '\'=HYPERLINK("http://x.example")',
        "'@SUM(1)",
    ]


def test_a_single_check_and_a_bulk_file_have_their_columns_in_one_order(db_path):
    rows = [{"register": "gosc", "registration_number": "9123", "name": "Ellis Example"}]
    [bulk_row] = registrations.check_many(db_path, rows, clients=EveryoneRegistered(), now=NOW)
    [cached] = registrations.check_many(db_path, rows[:1], clients=EveryoneRegistered(), now=NOW)
    connection = db.connect(db_path)
    single = registrations.flat_result(
        registrations.check(
            connection, "gosc", "9123", "Ellis Example", clients=EveryoneRegistered()
        )
    )
    connection.close()
    result_columns = [column for column in bulk_row if column != "name"]
    assert list(single) + ["error"] == result_columns == list(RESULT_COLUMNS)
    assert list(cached) == list(bulk_row)
    bulk_header = next(csv.reader(io.StringIO(registrations.write_csv([bulk_row]))))
    single_header = next(csv.reader(io.StringIO(registrations.write_csv([single]))))
    assert single_header == [column for column in bulk_header if column not in ("name", "error")]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            b"[" * 100_000 + b"]" * 100_000,
            "The body is nested more than 8 levels deep: send a list of rows, each an object of "
            'text, like [{"register": "hcpc", "registration_number": "PH123456", "name": "Ellis '
            'Example"}].',
        ),
        (
            b'[{"register": "gosc", "registration_number": "9123", "ref": '
            + b"[" * 20
            + b"]" * 20
            + b"}]",
            "The body is nested more than 8 levels deep: send a list of rows, each an object of "
            'text, like [{"register": "hcpc", "registration_number": "PH123456", "name": "Ellis '
            'Example"}].',
        ),
        (
            b'[{"register": "gosc", "registration_number": "9123", "name": "A \\ud800"}]',
            "The body holds the escape \\ud800, half of a character (a lone surrogate): send "
            "the text itself as UTF-8, or escape both halves of the character.",
        ),
        (
            b'[{"register": "gosc", "registration_number": "9123", "\\udfff": "x"}]',
            "The body holds the escape \\udfff, half of a character (a lone surrogate): send "
            "the text itself as UTF-8, or escape both halves of the character.",
        ),
    ],
    ids=["deep-body", "deep-value", "lone-surrogate-value", "lone-surrogate-key"],
)
def test_json_too_deep_or_with_half_a_character_is_refused_with_a_message(body, message):
    with pytest.raises(InvalidInput) as caught:
        registrations.read_json_rows(body)
    assert (caught.value.code, caught.value.message) == ("invalid_json", message)


def test_json_with_a_whole_character_escaped_in_two_halves_is_fine():
    body = b'[{"register": "gosc", "registration_number": "9123", "name": "\\ud83d\\ude00 A"}]'
    assert registrations.read_json_rows(body) == [
        {"register": "gosc", "registration_number": "9123", "name": "\U0001f600 A"}
    ]
