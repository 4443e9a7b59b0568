"""`finder demo`: a clearly labelled, fictional sample directory at real postcodes."""

from __future__ import annotations

import re
import sqlite3

import pytest

from finder import db, directory
from finder.cli import cli
from finder.places import areas
from finder.registrations import store


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


def test_the_same_seed_gives_the_same_sample(runner, data_dir):
    def sample():
        assert runner.invoke(cli, ["demo", "--size", "60", "--seed", "4"]).exit_code == 0
        made = rows(data_dir, "select name, postcode from practices order by name, postcode")
        assert runner.invoke(cli, ["demo", "--remove"]).exit_code == 0
        return made

    first = sample()
    assert len(first) == 60
    assert sample() == first


def test_demo_refuses_a_directory_that_has_data(runner):
    assert runner.invoke(cli, ["demo", "--size", "10"]).exit_code == 0
    again = runner.invoke(cli, ["demo", "--size", "10"])
    assert (again.exit_code, again.output) == (
        1,
        "Error: The directory already holds 10 practices; the sample only fills an empty "
        "directory (`finder demo --remove` takes an earlier sample out; --if-empty does nothing "
        "here).\n",
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


SAMPLE_TABLES = (
    "practices",
    "practitioners",
    "practice_practitioners",
    "practice_listings",
    "practice_points",
    "registrations",
)


def counts(data_dir) -> dict[str, int]:
    return {table: rows(data_dir, f"select count(*) from {table}")[0][0] for table in SAMPLE_TABLES}


def add_real_practice(data_dir) -> None:
    """A real practice and practitioner beside the sample, as a folder mixed before the two
    were kept apart holds, with a real check of one of the sample's numbers."""
    database = db.open_main(data_dir)
    try:
        directory.upsert_practitioners(database, [REAL_PERSON])
        directory.upsert_practice(database, REAL_PRACTICE, [("gosc", "9123")])
        [(register, number)] = database.execute(
            "select register, registration_number from practitioners join registrations "
            "using (register, registration_number) "
            "where source = 'sample' and register = 'hcpc' limit 1"
        ).fetchall()
        store.record_good_check(
            database,
            {
                "register": register,
                "registration_number": number,
                "checked_at": "2026-01-05T10:00:00Z",
                "outcome": "not_found",
                "status_raw": None,
                "name_on_register": None,
                "profession": None,
                "source_url": "https://register.example/",
                "evidence_sha256": "0" * 64,
                "reason": None,
                "changed": 0,
            },
        )
    finally:
        database.close()


REAL_PERSON = {
    "register": "gosc",
    "registration_number": "9123",
    "name": "Ada Example",
    "profession": "osteopath",
    "source": "gosc",
}
REAL_PRACTICE = {
    "key": "gosc:77",
    "name": "Real Osteopaths",
    "address": ["1 Test Street"],
    "postcode": "LS6 2AB",
    "latitude": 53.82221,
    "longitude": -1.572257,
    "source": "gosc",
}


def test_demo_remove_takes_out_every_sample_row_and_nothing_else(runner, data_dir):
    assert runner.invoke(cli, ["demo", "--size", "40", "--seed", "2"]).exit_code == 0
    loaded = counts(data_dir)
    add_real_practice(data_dir)

    result = runner.invoke(cli, ["demo", "--remove"])

    assert result.exit_code == 0, result.output
    states = loaded["registrations"]
    assert result.output == (
        f"Removed the sample: 40 practices, {loaded['practitioners']} practitioners and "
        f"{states - 1} registration states.\n"  # the real check of a sample number stays
    )
    assert counts(data_dir) == {
        "practices": 1,
        "practitioners": 1,
        "practice_practitioners": 1,
        "practice_listings": 1,
        "practice_points": 1,
        "registrations": 1,
    }
    assert rows(data_dir, "select name, source from practices") == [("Real Osteopaths", "gosc")]
    assert rows(data_dir, "select outcome, source_url from registrations") == [
        ("not_found", "https://register.example/")
    ]
    again = runner.invoke(cli, ["demo", "--remove"])
    assert (again.exit_code, again.output) == (
        0,
        "The directory holds no sample data: nothing removed.\n",
    )


def test_the_sample_gone_a_search_finds_nothing_of_it(runner, data_dir):
    assert runner.invoke(cli, ["demo", "--size", "300", "--seed", "1"]).exit_code == 0
    assert runner.invoke(cli, ["demo", "--remove"]).exit_code == 0
    result = runner.invoke(cli, ["search", "--postcode", "LS6 2AB", "--radius-km", "100"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "No physiotherapists, osteopaths or chiropractors within 100 km of LS6 2AB. There are "
        "none in the directory yet."
    ]


def test_demo_if_empty_never_adds_the_sample_to_real_data_even_retired(runner, data_dir):
    add_real_practice_only(data_dir, retired=True)
    quiet = runner.invoke(cli, ["demo", "--if-empty"])
    assert (quiet.exit_code, quiet.output) == (
        0,
        "The directory already has 1 practice: no sample loaded.\n",
    )
    assert rows(data_dir, "select count(*) from practices where source = 'sample'") == [(0,)]


def add_real_practice_only(data_dir, *, retired: bool) -> None:
    database = db.open_main(data_dir)
    try:
        directory.upsert_practitioners(database, [REAL_PERSON])
        directory.upsert_practice(database, REAL_PRACTICE, [("gosc", "9123")])
        if retired:
            directory.retire_practices(database, [REAL_PRACTICE["key"]], "test")
    finally:
        database.close()


def test_a_new_users_path_never_mixes_sample_and_real_rows(runner, data_dir, tmp_path):
    """`make run` (the sample into an empty folder), then a real provider list, then `make
    run` again: the folder holds one or the other, never both."""
    assert runner.invoke(cli, ["demo", "--if-empty"]).exit_code == 0
    providers = tmp_path / "providers.csv"
    providers.write_text(
        "practitioner_name,profession,registration_number,practice_name,postcode\n"
        "Ellis Example,physiotherapist,PH123456,Headingley Physio,LS6 2AB\n",
        encoding="utf-8",
    )
    refused = runner.invoke(cli, ["import", str(providers)])
    assert refused.exit_code == 1
    assert rows(data_dir, "select distinct source from practices") == [("sample",)]

    assert runner.invoke(cli, ["demo", "--remove"]).exit_code == 0
    assert runner.invoke(cli, ["import", str(providers)]).exit_code == 0
    assert runner.invoke(cli, ["demo", "--if-empty"]).exit_code == 0

    assert rows(data_dir, "select distinct source from practices") == [("import",)]
    assert rows(data_dir, "select distinct source from practitioners") == [("import",)]
    assert rows(data_dir, "select count(*) from registrations") == [(0,)]


def test_remove_and_if_empty_together_is_a_one_line_usage_error(runner):
    result = runner.invoke(cli, ["demo", "--remove", "--if-empty"])
    assert (result.exit_code, result.output) == (
        2,
        "Error: --remove and --if-empty do not go together: choose one.\n",
    )


def test_no_check_ever_asks_a_register_about_a_sample_number(runner, data_dir, app):
    """A made-up number may be a real person's: the page, the API, bulk and the CLI answer it
    as sample data and never ask the register."""
    from stubregisters import StubRegisters

    from finder import registrations

    assert runner.invoke(cli, ["demo", "--size", "20", "--seed", "3"]).exit_code == 0
    register, number, outcome = rows(
        data_dir,
        "select p.register, p.registration_number, r.outcome from practitioners p "
        "left join registrations r using (register, registration_number) "
        "where p.source = 'sample' order by r.outcome is null limit 1",
    )[0]
    stub = StubRegisters()
    app.extensions["register_clients"] = stub
    client = app.test_client()
    body = client.get(f"/api/v1/registrations/{register}/{number}").get_json()
    assert (body["outcome"], body["reason_code"]) == (outcome, "sample")
    page = client.get(f"/check?register={register}&number={number}").get_data(as_text=True)
    assert "This is sample data: a made-up number, never checked with the" in page
    with db.open_main(data_dir) as main:
        [row] = registrations.check_many(
            db.main_db_path(data_dir),
            [{"register": register, "registration_number": number}],
            clients=stub,
        )
        assert row["reason"].startswith("sample data")
        assert registrations.check(main, register, number, clients=stub).outcome == outcome
    assert stub.lookups == []
