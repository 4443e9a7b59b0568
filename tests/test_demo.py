"""`finder demo`: a clearly labelled, fictional sample directory at real postcodes."""

from __future__ import annotations

import re
import sqlite3

import pytest

from finder import db
from finder.cli import cli
from finder.places import areas


def rows(data_dir, sql):
    database = db.open_main(data_dir)
    try:
        return database.execute(sql).fetchall()
    finally:
        database.close()


def test_demo_fills_an_empty_directory_across_all_four_nations(runner, data_dir):
    result = runner.invoke(cli, ["demo", "--size", "120", "--seed", "1"])
    assert result.exit_code == 0, result.output
    assert re.fullmatch(
        r"Loaded 120 sample practices and \d+ practitioners \(England \d+, Northern Ireland \d+, "
        r"Scotland \d+, Wales \d+\) in [\d.]+ s\.\n",
        result.output,
    )
    places = rows(data_dir, "select postcode, latitude, longitude from practices")
    table = sqlite3.connect(db.postcodes_db_path(data_dir))
    located = {
        row[0]: row[1:]
        for row in table.execute("select postcode, latitude, longitude from postcodes")
    }
    assert all(located[postcode] == (lat, lon) for postcode, lat, lon in places)  # real places
    lads = dict(table.execute("select postcode, lad from postcodes").fetchall())
    assert {areas.nation_of(lads[p]) for p, *_ in places} == {
        "england",
        "scotland",
        "wales",
        "northern_ireland",
    }


def test_every_sample_row_is_marked_and_every_number_is_made_up(runner, data_dir):
    assert runner.invoke(cli, ["demo", "--size", "80"]).exit_code == 0
    assert rows(data_dir, "select distinct source from practices") == [("sample",)]
    assert rows(data_dir, "select distinct source from practitioners") == [("sample",)]
    patterns = {"hcpc": r"PH9\d{5}", "gosc": r"9\d{4}", "gcc": r"0[5-9]\d{3}"}
    numbers = rows(data_dir, "select register, registration_number from practitioners")
    assert [n for r, n in numbers if not re.fullmatch(patterns[r], n)] == []
    statuses = rows(data_dir, "select distinct status_raw from registrations")
    assert all(s.endswith("(sample data)") for (s,) in statuses)
    contacts = rows(data_dir, "select phone, email, website from practices")
    assert all(
        re.fullmatch(r"(01632 960|07700 900)\d{3}", phone)
        and email.endswith(".example")
        and website.endswith(".example")
        for phone, email, website in contacts
    )


def test_demo_refuses_a_directory_that_has_data(runner):
    assert runner.invoke(cli, ["demo", "--size", "10"]).exit_code == 0
    again = runner.invoke(cli, ["demo", "--size", "10"])
    assert (again.exit_code, again.output) == (
        1,
        "Error: The directory already holds 10 practices; the sample only fills an empty "
        "directory.\n",
    )
    quiet = runner.invoke(cli, ["demo", "--if-empty"])
    assert (quiet.exit_code, quiet.output) == (
        0,
        "The directory already has 10 practices: no sample loaded.\n",
    )


def test_the_sample_directory_can_be_searched_from_the_command_line(runner):
    assert runner.invoke(cli, ["demo", "--size", "300"]).exit_code == 0
    result = runner.invoke(
        cli, ["search", "--postcode", "LS6 2AB", "--radius-km", "100", "--per-page", "2"]
    )
    assert result.exit_code == 0, result.output
    notice, first = result.output.splitlines()[:2]
    assert notice.startswith("Sample data: ")
    assert re.fullmatch(
        r"\d+ practices within 100 km of LS6 2AB, nearest first; page 1 of \d+:", first
    )


@pytest.mark.parametrize(
    ("words", "error"),
    [
        (["--radius-km", "500"], "--radius-km must be a number from more than 0 to 100."),
        (["--radius-km", "nan"], "--radius-km must be a number from more than 0 to 100."),
        (["--per-page", "0"], "--per-page must be a number from 1 to 100."),
        (["--page", "1_0"], "--page must be a whole number from 1 to 10000."),
        (["--profession", "dentist"], "Invalid value for '--profession': 'dentist' is not one"),
        (["2AB"], "Got unexpected extra argument (2AB). Put a value that has spaces in quotes."),
    ],
)
def test_search_on_the_command_line_explains_bad_input_in_one_line(runner, words, error):
    result = runner.invoke(cli, ["search", "--postcode", "LS6 2AB", *words])
    assert result.exit_code == 2
    assert len(result.output.splitlines()) == 1
    assert result.output.startswith(f"Error: {error}")


def test_search_on_the_command_line_says_sample_data_and_counts_in_words(runner, data_dir):
    assert runner.invoke(cli, ["demo", "--size", "300", "--seed", "1"]).exit_code == 0
    database = db.open_main(data_dir)
    [(postcode,)] = database.execute(
        "select postcode from practices group by postcode having count(*) = 1 limit 1"
    ).fetchall()
    database.close()
    alone = runner.invoke(cli, ["search", "--postcode", postcode, "--radius-km", "0.001"])
    assert alone.exit_code == 0, alone.output
    assert alone.output.splitlines()[:2] == [
        "Sample data: these practices and people are fictional, made up for demonstration.",
        f"1 practice within 0.001 km of {postcode}, nearest first; page 1 of 1:",
    ]
    beyond = runner.invoke(
        cli, ["search", "--postcode", postcode, "--radius-km", "0.001", "--page", "2"]
    )
    assert beyond.output.splitlines()[-1] == (
        f"1 practice within 0.001 km of {postcode}; there is only 1 page."
    )
    any_case = runner.invoke(cli, ["search", "--postcode", postcode, "--profession", "OSTEOPATH"])
    assert any_case.exit_code == 0, any_case.output
