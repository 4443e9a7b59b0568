"""`finder import FILE.csv`: provider lists into the directory, row by row, idempotently."""

from __future__ import annotations

import json

import pytest

from finder import db, directory, search
from finder.cli import cli
from finder.directory import importer
from finder.errors import InvalidInput

HEADER = (
    "practitioner_name,profession,register,registration_number,practice_name,"
    "address_1,address_2,town,postcode,phone,email,website,features\n"
)
GOOD_ROWS = (
    "Ellis Example,physiotherapist,hcpc,PH123456,Headingley Physio,1 Example Road,,Leeds,"
    "LS6 2AB,0113 496 0000,hello@headingley.example,https://headingley.example,"
    "home_visits;language:Welsh\n"
    "Robin Sample,physiotherapist,,ph 999999,Headingley Physio,1 Example Road,,Leeds,"
    "ls62ab,0113 496 0000,hello@headingley.example,https://headingley.example,"
    "home_visits;language:Welsh\n"
    "Sam Placeholder,osteopath,gosc,9123,Cardiff Bay Osteopaths,2 Sample Street,,Cardiff,"
    "CF10 1EP,,,,wheelchair_access\n"
)
BAD_ROWS = (
    "Kim Nobody,dentist,,12345,Nowhere Dental,,,,LS6 2AB,,,,\n"
    "Alex Wrong,chiropractor,hcpc,04567,Wrong Register,,,,M1 1AE,,,,\n"
    "Jo Typo,osteopath,gosc,99124,Typo Osteo,,,,ZZ9 9ZZ,,,,\n"
    ",physiotherapist,hcpc,PH923457,No Name,,,,LS1 4AP,,,,\n"
    "Lee Badnumber,physiotherapist,hcpc,XX1,Bad Number,,,,LS1 4AP,,,,\n"
    "Pat Email,chiropractor,gcc,4567,Email Clinic,,,,G1 1AB,,not-an-email,,\n"
)


@pytest.fixture
def provider_csv(tmp_path):
    path = tmp_path / "providers.csv"
    path.write_text(HEADER + GOOD_ROWS + BAD_ROWS, encoding="utf-8")
    return path


def directory_state(db) -> dict:
    return {
        "practitioners": db.execute(
            "select register, registration_number, name, profession, source, retired_at "
            "from practitioners order by 1, 2"
        ).fetchall(),
        "practices": db.execute(
            "select key, name, address, postcode, latitude, longitude, phone, email, website, "
            "features, source, retired_at from practices order by name"
        ).fetchall(),
        "links": db.execute(
            "select p.name, l.register, l.registration_number from practice_practitioners l "
            "join practices p on p.id = l.practice_id order by 1, 2, 3"
        ).fetchall(),
        "queue": db.execute(
            "select register, registration_number, name, reason from check_queue order by 1, 2"
        ).fetchall(),
        "updated": db.execute(
            "select max(updated_at) from (select updated_at from practices "
            "union all select updated_at from practitioners)"
        ).fetchone(),
    }


def test_import_loads_good_rows_and_reports_bad_rows_with_line_numbers(
    main_db, postcode_table, provider_csv
):
    report = importer.import_csv(main_db, provider_csv.read_bytes(), postcode_table)

    assert report.to_dict() == {
        "rows": 9,
        "loaded": 3,
        "practitioners": {"added": 3, "updated": 0, "unchanged": 0},
        "practices": {"added": 2, "updated": 0, "unchanged": 0},
        "queued_for_check": 3,
        "errors": [
            {
                "line": 5,
                "message": "profession 'dentist' is not one of physiotherapist, osteopath, "
                "chiropractor",
            },
            {"line": 6, "message": "a chiropractor is on the GCC register, not 'hcpc'"},
            {
                "line": 7,
                "message": "postcode: We cannot find the postcode ZZ9 9ZZ. Check it is right: "
                "no postcodes start ZZ9 either.",
            },
            {"line": 8, "message": "practitioner_name is empty"},
            {"line": 9, "message": "'XX1' is not a HCPC registration number (like PH123456)"},
            {"line": 10, "message": "email 'not-an-email' does not look like one"},
        ],
        "dry_run": False,
        "sample_practices_removed": 0,
    }
    state = directory_state(main_db)
    assert state["practitioners"] == [
        ("gosc", "9123", "Sam Placeholder", "osteopath", "import", None),
        ("hcpc", "PH123456", "Ellis Example", "physiotherapist", "import", None),
        ("hcpc", "PH999999", "Robin Sample", "physiotherapist", "import", None),
    ]
    assert [row[1:] for row in state["practices"]] == [
        (
            "Cardiff Bay Osteopaths",
            '["2 Sample Street", "Cardiff"]',
            "CF10 1EP",
            51.475764,
            -3.179209,
            None,
            None,
            None,
            '{"home_visits": false, "languages": [], "wheelchair_access": true}',
            "import",
            None,
        ),
        (
            "Headingley Physio",
            '["1 Example Road", "Leeds"]',
            "LS6 2AB",
            53.82221,
            -1.572257,
            "0113 496 0000",
            "hello@headingley.example",
            "https://headingley.example",
            '{"home_visits": true, "languages": ["Welsh"], "wheelchair_access": false}',
            "import",
            None,
        ),
    ]
    assert state["links"] == [
        ("Cardiff Bay Osteopaths", "gosc", "9123"),
        ("Headingley Physio", "hcpc", "PH123456"),
        ("Headingley Physio", "hcpc", "PH999999"),
    ]
    assert state["queue"] == [
        ("gosc", "9123", "Sam Placeholder", "imported"),
        ("hcpc", "PH123456", "Ellis Example", "imported"),
        ("hcpc", "PH999999", "Robin Sample", "imported"),
    ]


def test_reimporting_the_same_file_changes_nothing(main_db, postcode_table, provider_csv):
    importer.import_csv(main_db, provider_csv.read_bytes(), postcode_table)
    before = directory_state(main_db)

    again = importer.import_csv(main_db, provider_csv.read_bytes(), postcode_table)

    assert directory_state(main_db) == before
    assert (again.loaded, again.practitioners, again.practices, again.queued) == (
        3,
        {"added": 0, "updated": 0, "unchanged": 3},
        {"added": 0, "updated": 0, "unchanged": 2},
        0,
    )


def test_a_dry_run_validates_and_counts_but_stores_nothing(main_db, postcode_table, provider_csv):
    report = importer.import_csv(main_db, provider_csv.read_bytes(), postcode_table, dry_run=True)

    assert (report.loaded, len(report.errors), report.practices["added"]) == (3, 6, 2)
    assert directory_state(main_db) == {
        "practitioners": [],
        "practices": [],
        "links": [],
        "queue": [],
        "updated": (None,),
    }


def test_imported_physiotherapists_are_found_by_postcode_as_not_yet_verified(
    main_db, postcode_table, provider_csv
):
    importer.import_csv(main_db, provider_csv.read_bytes(), postcode_table)

    page = search.search_near(main_db, 53.8222, -1.5723, 5, ["physiotherapist"])

    assert [
        (hit.practice.name, [(p.name, p.registration.outcome) for p in hit.practitioners])
        for hit in page.hits
    ] == [("Headingley Physio", [("Ellis Example", None), ("Robin Sample", None)])]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty: it needs a header row and rows."),
        (
            b"name,postcode\nA,LS6 2AB\n",
            "The file lacks the column(s) practitioner_name, profession, registration_number, "
            "practice_name; the header row must name practitioner_name, profession, "
            "registration_number, practice_name, postcode (optional: register, address_1, "
            "address_2, address_3, town, phone, email, website, features).",
        ),
        (b"\xff\xfe\x00", "The file is not UTF-8 text: save it as CSV UTF-8 and try again."),
    ],
)
def test_an_unusable_file_is_refused_with_a_clear_message(
    main_db, postcode_table, content, message
):
    with pytest.raises(InvalidInput) as raised:
        importer.import_csv(main_db, content, postcode_table)
    assert raised.value.message == message


def test_cli_import_prints_the_report_and_exits_1_when_rows_were_bad(runner, provider_csv):
    result = runner.invoke(cli, ["import", str(provider_csv)])

    assert result.exit_code == 1
    assert result.output.splitlines()[:4] == [
        "Loaded 3 of 9 rows from providers.csv.",
        "Practitioners: 3 added, 0 updated, 0 unchanged.",
        "Practices: 2 added, 0 updated, 0 unchanged.",
        "Queued for a registration check: 3.",
    ]
    assert result.output.splitlines()[4:6] == [
        "6 rows not loaded:",
        "  line 5: profession 'dentist' is not one of physiotherapist, osteopath, chiropractor",
    ]


def test_cli_import_of_a_clean_file_exits_0_with_json(runner, tmp_path):
    path = tmp_path / "clean.csv"
    path.write_text(HEADER + GOOD_ROWS, encoding="utf-8")

    result = runner.invoke(cli, ["import", str(path), "--json"])

    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["loaded"] == 3


@pytest.mark.parametrize("number", ["OT912345", "PH١٢٣"])
def test_an_hcpc_number_that_is_not_a_physiotherapists_is_a_bad_row(
    main_db, postcode_table, number
):
    data = (
        "practitioner_name,profession,registration_number,practice_name,postcode\n"
        f"Alex Placeholder,physiotherapist,{number},Headingley Physio,LS6 2AB\n"
    ).encode()
    report = importer.import_csv(main_db, data, postcode_table)
    assert (report.loaded, [e.to_dict() for e in report.errors]) == (
        0,
        [{"line": 2, "message": f"{number!r} is not a HCPC registration number (like PH123456)"}],
    )


@pytest.mark.parametrize(
    ("website", "stored", "error"),
    [
        ("www.headingley.example", "https://www.headingley.example", None),
        ("http://headingley.example", "http://headingley.example", None),
        ("javascript:alert(1)", None, "website 'javascript:alert(1)' does not look like one"),
        (
            "ftp://headingley.example",
            None,
            "website 'ftp://headingley.example' does not look like one",
        ),
    ],
)
def test_a_website_is_stored_as_an_http_address_or_is_a_bad_row(
    main_db, postcode_table, website, stored, error
):
    data = (
        "practitioner_name,profession,registration_number,practice_name,postcode,website\n"
        f"Alex Placeholder,physiotherapist,PH123456,Headingley Physio,LS6 2AB,{website}\n"
    ).encode()
    report = importer.import_csv(main_db, data, postcode_table)
    assert [e.message for e in report.errors] == ([error] if error else [])
    rows = main_db.execute("select website from practices").fetchall()
    assert rows == ([(stored,)] if stored else [])


# Two rows of one practice; the second leaves phone, email, website and features blank.
SHARED_PRACTICE = (
    "practitioner_name,profession,registration_number,practice_name,address_1,town,postcode,"
    "phone,email,website,features\n"
    "Ellis Example,physiotherapist,PH123456,Headingley Physio,1 Example Road,Leeds,LS6 2AB,"
    "0113 496 0000,hello@headingley.example,https://headingley.example,home_visits\n"
    "Robin Example,physiotherapist,PH999999,Headingley Physio,,,LS6 2AB,,,,\n"
)


def practice_details(db) -> list[tuple]:
    return db.execute(
        "select name, address, phone, email, website, features from practices order by name"
    ).fetchall()


HEADINGLEY = (
    "Headingley Physio",
    '["1 Example Road", "Leeds"]',
    "0113 496 0000",
    "hello@headingley.example",
    "https://headingley.example",
    '{"home_visits": true, "languages": [], "wheelchair_access": false}',
)


def test_a_blank_cell_keeps_what_an_earlier_row_of_the_same_practice_gave(main_db, postcode_table):
    report = importer.import_csv(main_db, SHARED_PRACTICE.encode(), postcode_table)

    assert (report.loaded, report.practices) == (2, {"added": 1, "updated": 0, "unchanged": 0})
    assert practice_details(main_db) == [HEADINGLEY]


def test_reimporting_a_file_whose_rows_share_a_practice_reports_nothing_changed(
    main_db, postcode_table
):
    importer.import_csv(main_db, SHARED_PRACTICE.encode(), postcode_table)

    again = importer.import_csv(main_db, SHARED_PRACTICE.encode(), postcode_table)

    assert (again.practitioners, again.practices) == (
        {"added": 0, "updated": 0, "unchanged": 2},
        {"added": 0, "updated": 0, "unchanged": 1},
    )
    assert practice_details(main_db) == [HEADINGLEY]


def test_a_later_import_with_blank_cells_keeps_the_stored_values(main_db, postcode_table):
    importer.import_csv(main_db, SHARED_PRACTICE.encode(), postcode_table)
    names_only = (
        "practitioner_name,profession,registration_number,practice_name,postcode,phone,features\n"
        "Ellis Example,physiotherapist,PH123456,Headingley Physio,LS6 2AB,,\n"
    )

    report = importer.import_csv(main_db, names_only.encode(), postcode_table)

    assert report.practices == {"added": 0, "updated": 0, "unchanged": 1}
    assert practice_details(main_db) == [HEADINGLEY]


def test_a_later_rows_value_replaces_an_earlier_one(main_db, postcode_table):
    moved = SHARED_PRACTICE + (
        "Sam Example,physiotherapist,PH923457,Headingley Physio,,,LS6 2AB,0113 496 0999,,,"
        "wheelchair_access;language:Welsh\n"
    )

    importer.import_csv(main_db, moved.encode(), postcode_table)

    assert practice_details(main_db) == [
        (
            *HEADINGLEY[:2],
            "0113 496 0999",
            *HEADINGLEY[3:5],
            '{"home_visits": false, "languages": ["Welsh"], "wheelchair_access": true}',
        )
    ]


def test_a_cell_saying_clear_empties_its_field_and_a_reimport_then_changes_nothing(
    main_db, postcode_table
):
    importer.import_csv(main_db, SHARED_PRACTICE.encode(), postcode_table)
    clearing = (
        b"practitioner_name,profession,registration_number,practice_name,address_1,postcode,"
        b"phone,email,website,features\n"
        b"Ellis Example,physiotherapist,PH123456,Headingley Physio,CLEAR,LS6 2AB,"
        b"CLEAR,clear,,Clear\n"
    )

    report = importer.import_csv(main_db, clearing, postcode_table)
    again = importer.import_csv(main_db, clearing, postcode_table)

    assert (report.practices["updated"], again.practices["updated"]) == (1, 0)
    assert practice_details(main_db) == [
        (
            "Headingley Physio",
            "[]",
            None,
            None,
            "https://headingley.example",  # blank: kept
            '{"home_visits": false, "languages": [], "wheelchair_access": false}',
        )
    ]


def test_the_import_help_says_how_to_empty_a_field(runner):
    help_text = " ".join(runner.invoke(cli, ["import", "--help"]).output.split())
    assert "A blank cell never overwrites what an earlier row or import gave" in help_text
    assert "to empty a field, write CLEAR in its cell" in help_text


# --- the sample directory and real data -----------------------------------------------------


def test_importing_into_a_folder_holding_the_sample_is_refused_with_what_to_do(
    runner, data_dir, provider_csv
):
    assert runner.invoke(cli, ["demo", "--size", "20"]).exit_code == 0

    result = runner.invoke(cli, ["import", str(provider_csv)])

    assert (result.exit_code, result.output) == (
        1,
        "Error: This folder holds the sample directory: run `finder demo --remove` first, "
        "or add --replace-sample.\n",
    )
    database = db.open_main(data_dir)
    try:
        sources = database.execute("select distinct source from practices").fetchall()
    finally:
        database.close()
    assert sources == [("sample",)]


def test_replace_sample_removes_the_sample_and_imports_in_one_go(runner, data_dir, tmp_path):
    assert runner.invoke(cli, ["demo", "--size", "20"]).exit_code == 0
    path = tmp_path / "clean.csv"
    path.write_text(HEADER + GOOD_ROWS, encoding="utf-8")

    dry = runner.invoke(cli, ["import", str(path), "--replace-sample", "--dry-run"])
    result = runner.invoke(cli, ["import", str(path), "--replace-sample"])

    assert dry.output.splitlines()[:2] == [
        "Would remove the sample directory (20 practices).",
        "Would load 3 of 3 rows from clean.csv.",
    ]
    assert (result.exit_code, result.output.splitlines()[:2]) == (
        0,
        ["Removed the sample directory (20 practices).", "Loaded 3 of 3 rows from clean.csv."],
    )
    database = db.open_main(data_dir)
    try:
        assert database.execute(
            "select source, count(*) from practices group by source"
        ).fetchall() == [("import", 2)]
        assert database.execute(
            "select source, count(*) from practitioners group by source"
        ).fetchall() == [("import", 3)]
        assert database.execute("select count(*) from registrations").fetchone() == (0,)
        assert directory.has_sample_data(database) is False
    finally:
        database.close()


def test_clear_in_a_column_that_cannot_be_empty_is_that_rows_error(main_db, postcode_table):
    data = (
        b"practitioner_name,profession,registration_number,practice_name,postcode\n"
        b"CLEAR,physiotherapist,PH123456,Headingley Physio,LS6 2AB\n"
    )
    report = importer.import_csv(main_db, data, postcode_table)
    assert [e.message for e in report.errors] == ["practitioner_name cannot be CLEAR"]
    assert main_db["practitioners"].count == 0


def test_an_imported_language_is_stored_one_way_and_found_by_the_language_filter(
    main_db, postcode_table
):
    spelled = SHARED_PRACTICE + (
        "Sam Example,physiotherapist,PH923457,Headingley Physio,,,LS6 2AB,,,,"
        "language:cymraeg;language:CY;language:Polish;language:Klingon\n"
    )

    importer.import_csv(main_db, spelled.encode(), postcode_table)

    [(features,)] = main_db.execute("select features from practices").fetchall()
    assert json.loads(features)["languages"] == ["Welsh", "Polish", "Klingon"]
    here = postcode_table.lookup("LS6 2AB")
    for code, found in (("cy", 1), ("pl", 1), ("ur", 0)):
        filters = search.SearchFilters(language=code)
        result = search.search_near(main_db, here.latitude, here.longitude, 1, None, 1, 20, filters)
        assert result.total == found, code
