"""`finder check`, `finder registers parse` and `finder keys` against the fake registers."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from fakeregister import fake_register

from finder.cli import cli

FILES = Path(__file__).parent / "files"


@pytest.fixture
def fake(monkeypatch):
    with fake_register() as fake:
        fake.add_hcpc("PH123456", "Ellis Example")
        fake.add_gcc("04567", "Robin Example", status="Non-practising")
        for register in ("hcpc", "gosc", "gcc"):
            monkeypatch.setenv(f"FINDER_{register.upper()}_URL", fake.base_url(register))
        monkeypatch.setenv("FINDER_REQUEST_INTERVAL", "0")
        yield fake


def test_check_prints_the_outcome_and_the_evidence(runner, fake):
    result = runner.invoke(cli, ["check", "hcpc", "ph123456", "--name", "Dr E Example"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[:4] == [
        "HCPC PH123456: registered",
        "  Status on the register: Registered",
        "  Name on the register:   Ellis Example",
        "  Name you gave:          Dr E Example (probable, score 85.0)",
    ]
    assert [line.split(":")[0].strip() for line in lines[4:]] == [
        "Checked at",
        "Source",
        "Evidence (SHA-256)",
    ]


def test_check_json_is_the_api_answer(runner, fake):
    result = runner.invoke(cli, ["check", "gcc", "4567", "--json"])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.output)
    assert {k: answer[k] for k in ("registration_number", "outcome", "status_raw", "stale")} == {
        "registration_number": "04567",
        "outcome": "inactive",
        "status_raw": "Non-practising",
        "stale": False,
    }


def test_check_when_the_register_is_down_says_unknown_and_why(runner, fake):
    fake.fault("redesigned", register="hcpc")
    result = runner.invoke(cli, ["check", "hcpc", "PH123456", "--json"])
    answer = json.loads(result.output)
    assert (answer["outcome"], answer["reason"]) == (
        "unknown",
        "register page not understood (layout changed?): HCPC detail page: no table rows "
        "labelled Name, Registration number, Status",
    )


def test_check_exits_3_when_the_outcome_is_unknown_and_0_for_a_definite_answer(runner, fake):
    fake.fault("redesigned", register="hcpc")
    unknown = runner.invoke(cli, ["check", "hcpc", "PH123456"])
    assert (unknown.exit_code, unknown.output.splitlines()[0]) == (3, "HCPC PH123456: unknown")
    as_json = runner.invoke(cli, ["check", "hcpc", "PH123456", "--json"])
    assert (as_json.exit_code, json.loads(as_json.output)["outcome"]) == (3, "unknown")

    inactive = runner.invoke(cli, ["check", "gcc", "04567"])
    assert (inactive.exit_code, inactive.output.splitlines()[0]) == (0, "GCC 04567: inactive")


def test_check_of_a_stale_but_definite_answer_exits_0(runner, fake):
    assert runner.invoke(cli, ["check", "hcpc", "PH123456"]).exit_code == 0
    fake.fault("redesigned", register="hcpc")
    stale = runner.invoke(cli, ["check", "hcpc", "PH123456", "--refresh", "--json"])
    answer = json.loads(stale.output)
    assert (stale.exit_code, answer["outcome"], answer["stale"]) == (0, "registered", True)


def test_check_help_documents_the_exit_statuses(runner):
    help_text = " ".join(runner.invoke(cli, ["check", "--help"]).output.split())
    assert "0 for a definite answer" in help_text
    assert "3 when the outcome is unknown" in help_text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["check", "hcpc", "PH12A"],
            "Error: 'PH12A' is not valid: HCPC numbers are PH followed by up to 6 digits, "
            "like PH123456",
        ),
        (["check", "nhs", "1"], "Error: 'nhs' is not a register: use hcpc, gosc or gcc"),
        (
            ["check"],
            "Error: Give REGISTER and NUMBER (e.g. hcpc PH123456), or --csv FILE.",
        ),
    ],
)
def test_check_with_bad_input_says_what_is_wrong_in_one_line(runner, args, message):
    result = runner.invoke(cli, args)
    assert result.exit_code != 0
    assert result.output.strip().splitlines()[-1] == message


def test_check_csv_writes_one_result_row_per_input_row(runner, fake, tmp_path):
    source = tmp_path / "insured.csv"
    source.write_text(
        "policy,register,registration_number,name\n"
        "A1,hcpc,PH123456,Ellis Example\n"
        "A2,gcc,04567,\n"
        "A3,hcpc,PH12A,\n",
        encoding="utf-8",
    )
    out = tmp_path / "checked.csv"
    result = runner.invoke(cli, ["check", "--csv", str(source), "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [(r["policy"], r["outcome"], r["name_match"], r["error"]) for r in rows] == [
        ("A1", "registered", "exact", ""),
        ("A2", "inactive", "", ""),
        (
            "A3",
            "",
            "",
            "'PH12A' is not valid: HCPC numbers are PH followed by up to 6 digits, like PH123456",
        ),
    ]
    assert result.output.splitlines()[-1] == "3 rows checked: 1 error, 1 inactive, 1 registered"


def test_check_csv_of_a_spreadsheet_not_saved_as_utf8_is_refused(runner, tmp_path):
    source = tmp_path / "insured.csv"
    source.write_bytes("register,registration_number,name\nhcpc,PH900001,Zoë\n".encode("cp1252"))
    result = runner.invoke(cli, ["check", "--csv", str(source), "--out", "-"])
    assert result.exit_code == 1
    assert result.output.strip() == (
        "Error: The file is not UTF-8 text: in Excel, save it as CSV UTF-8 (Comma delimited) "
        "and upload it again."
    )


def test_registers_parse_prints_what_the_parser_understood(runner):
    result = runner.invoke(cli, ["registers", "parse", "hcpc", str(FILES / "hcpc_not_found.html")])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["type"] == "NotFound"


def test_registers_parse_of_an_unrecognised_page_fails_in_one_line(runner):
    result = runner.invoke(cli, ["registers", "parse", "gcc", str(FILES / "gcc_redesigned.html")])
    assert result.exit_code == 1
    assert result.output.startswith("Error: page layout not recognised: ")
    assert len(result.output.strip().splitlines()) == 1


def test_keys_are_created_listed_and_revoked(runner):
    created = runner.invoke(cli, ["keys", "create", "Acme Insurance"])
    assert created.exit_code == 0, created.output
    assert created.output.splitlines()[0].startswith("fk_")
    assert runner.invoke(cli, ["keys", "revoke", "Acme Insurance"]).output == (
        "Revoked the API key 'Acme Insurance'.\n"
    )
    listed = runner.invoke(cli, ["keys", "list"]).output.split("\t")
    assert (listed[0], listed[1], listed[3].split()[0]) == (
        "Acme Insurance", "owner Acme Insurance", "revoked")  # fmt: skip
    missing = runner.invoke(cli, ["keys", "revoke", "Nobody"])
    assert (missing.exit_code, missing.output) == (
        1,
        "Error: There is no API key called 'Nobody'.\n",
    )


def test_a_key_is_made_for_an_owner(runner, main_db):
    from finder.registrations import apikeys

    made = runner.invoke(cli, ["keys", "create", "Claims team", "--owner", "Acme Insurance"])
    assert made.exit_code == 0, made.output
    key = made.output.splitlines()[0]
    assert apikeys.holder(main_db, key) == apikeys.KeyHolder("Claims team", "Acme Insurance")
    assert "owner Acme Insurance" in runner.invoke(cli, ["keys", "list"]).output
    blank = runner.invoke(cli, ["keys", "create", "Other", "--owner", " "])
    assert (blank.exit_code, blank.output) == (
        1, "Error: A key's owner needs a name, such as the insurer.\n")  # fmt: skip


def test_check_csv_refuses_an_out_folder_that_does_not_exist_before_checking_anything(
    runner, fake, tmp_path
):
    source = tmp_path / "insured.csv"
    source.write_text("register,registration_number\nhcpc,PH123456\n", encoding="utf-8")
    out = tmp_path / "missing" / "checked.csv"
    result = runner.invoke(cli, ["check", "--csv", str(source), "--out", str(out)])
    assert result.exit_code == 2
    assert result.output.strip().splitlines()[-1] == (
        f"Error: Invalid value for '--out': the folder {str(out.parent)!r} does not exist: "
        "create it first."
    )
    assert fake.requests_for("hcpc") == []


def test_a_database_that_is_not_one_is_one_line_not_a_traceback(runner, data_dir):
    (data_dir / "finder.db").write_text("not a database, just some text " * 4, encoding="utf-8")
    result = runner.invoke(cli, ["keys", "list"])
    assert result.exit_code == 1
    assert result.output.strip() == "Error: Database error: file is not a database"


def test_a_data_folder_that_cannot_be_made_is_one_line_not_a_traceback(
    runner, tmp_path, monkeypatch
):
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv("FINDER_DATA_DIR", str(blocker / "data"))
    result = runner.invoke(cli, ["keys", "list"])
    assert result.exit_code == 1
    assert len(result.output.strip().splitlines()) == 1
    assert result.output.startswith("Error: ") and str(blocker) in result.output
    assert not isinstance(result.exception, OSError)
