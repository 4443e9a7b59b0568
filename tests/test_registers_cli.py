"""`finder registers selftest` and `finder registers capture` against the fake registers, and
the register states they leave for /healthz."""

from __future__ import annotations

import json

import pytest
from fakeregister import fake_register

from finder import db
from finder.cli import cli
from finder.registrations import health

CANARIES = "hcpc:PH123456,gosc:9123,gcc:04567"


@pytest.fixture
def fake(monkeypatch):
    with fake_register() as fake:
        fake.add_hcpc("PH123456", "Ellis Example")
        fake.add_gosc("9123", "Alex Example")
        fake.add_gcc("04567", "Robin Example")
        for register in ("hcpc", "gosc", "gcc"):
            monkeypatch.setenv(f"FINDER_{register.upper()}_URL", fake.base_url(register))
        monkeypatch.setenv("FINDER_REQUEST_INTERVAL", "0")
        monkeypatch.setenv("FINDER_CANARY_NUMBERS", CANARIES)
        yield fake


def states(data_dir) -> dict:
    with db.open_main(data_dir) as database:
        return health.states(database)


def test_selftest_passes_on_the_fake_registers_with_one_line_each(runner, fake, data_dir):
    result = runner.invoke(cli, ["registers", "selftest"])
    assert (result.exit_code, result.output.splitlines()) == (
        0,
        [
            "hcpc: ok (1 number understood)",
            "gosc: ok (1 number understood)",
            "gcc: ok (1 number understood)",
        ],
    )
    assert {name: state["state"] for name, state in states(data_dir).items()} == {
        "hcpc": "ok",
        "gosc": "ok",
        "gcc": "ok",
    }


def test_selftest_fails_with_a_one_line_reason_after_a_redesign(runner, fake, data_dir):
    assert runner.invoke(cli, ["registers", "selftest", "gcc"]).exit_code == 0
    fake.redesign("gcc")
    result = runner.invoke(cli, ["registers", "selftest", "gcc"])
    assert (result.exit_code, result.output) == (
        1,
        "gcc: layout changed: GCC results page: no div.card.chiro_card and no "
        "'Sorry, there are no results'\n",
    )
    gcc = states(data_dir)["gcc"]
    assert (gcc["state"], gcc["reason"]) == (
        "layout_changed",
        "GCC results page: no div.card.chiro_card and no 'Sorry, there are no results'",
    )


def test_selftest_says_unavailable_for_an_outage_and_does_not_fail(runner, fake):
    fake.fault("outage", register="hcpc")
    result = runner.invoke(cli, ["registers", "selftest", "hcpc"])
    assert (result.exit_code, result.output) == (0, "hcpc: unavailable: outage banner\n")


def test_selftest_without_canary_numbers_says_so(runner, fake, monkeypatch):
    monkeypatch.setenv("FINDER_CANARY_NUMBERS", "gcc:04567")
    result = runner.invoke(cli, ["registers", "selftest", "gosc"])
    assert (result.exit_code, result.output) == (
        0,
        "gosc: no canary numbers set (FINDER_CANARY_NUMBERS)\n",
    )


def test_selftest_of_a_known_number_the_register_does_not_list_fails(runner, fake, monkeypatch):
    monkeypatch.setenv("FINDER_CANARY_NUMBERS", "gcc:09999")
    result = runner.invoke(cli, ["registers", "selftest", "gcc"])
    assert (result.exit_code, result.output) == (
        1,
        "gcc: canary not found: 09999 (the page was understood: is it still a registered "
        "number?)\n",
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("hcpc PH123456", "Error: FINDER_CANARY_NUMBERS: 'hcpc PH123456' is not register:number"),
        ("nmc:12A3456E", "Error: 'nmc' is not a register: use hcpc, gosc or gcc"),
        ("gcc:12ab", "Error: '12ab' is not valid"),
    ],
)
def test_selftest_with_bad_canary_numbers_says_which_in_one_line(
    runner, fake, monkeypatch, value, message
):
    monkeypatch.setenv("FINDER_CANARY_NUMBERS", value)
    result = runner.invoke(cli, ["registers", "selftest"])
    assert result.exit_code == 1
    assert len(result.output.splitlines()) == 1
    assert result.output.startswith(message), result.output


def test_capture_saves_each_page_with_its_address_status_and_headers(runner, fake, tmp_path):
    out = tmp_path / "capture"
    result = runner.invoke(cli, ["registers", "capture", "gosc", "9123", "--out", str(out)])
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "capture.json").read_text())
    assert (manifest["register"], manifest["outcome"]) == ("gosc", "registered")
    assert [(p["file"], p["status"]) for p in manifest["pages"]] == [
        ("page-1.html", 200),
        ("page-2.html", 200),
    ]
    search, registrant = manifest["pages"]
    assert search["url"].endswith(
        "/register-search/registrants/?location=&radius=&surname=&registration=9123&p=1"
    )
    assert "/register-search/registrants/" in registrant["url"]
    assert search["headers"]["Content-Type"].startswith("text/html")
    assert "Alex Example" in (out / "page-2.html").read_text()


def test_a_captured_page_parses_with_the_command_the_capture_printed(runner, fake, tmp_path):
    out = tmp_path / "capture"
    result = runner.invoke(cli, ["registers", "capture", "hcpc", "PH123456", "--out", str(out)])
    command = result.output.splitlines()[1].split()
    assert command[:3] == ["finder", "registers", "parse"]
    parsed = runner.invoke(cli, ["registers", "parse", "hcpc", str(out / "page-1.html")])
    assert json.loads(parsed.output)["registration_number"] == "PH123456"


def test_capture_keeps_the_page_the_parser_no_longer_understands(runner, fake, tmp_path):
    fake.redesign("hcpc")
    out = tmp_path / "capture"
    result = runner.invoke(cli, ["registers", "capture", "hcpc", "PH123456", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0].startswith(
        "1 page(s) saved in " + str(out) + "; the parser says: error: page layout not recognised"
    )
    assert "result-card" in (out / "page-1.html").read_text()


def test_capture_of_a_malformed_number_is_one_line_and_saves_nothing(runner, fake, tmp_path):
    out = tmp_path / "capture"
    result = runner.invoke(cli, ["registers", "capture", "gcc", "12ab", "--out", str(out)])
    assert result.exit_code == 1
    assert len(result.output.splitlines()) == 1
    assert not out.exists()


def test_capture_of_a_register_that_answers_nothing_fails_in_one_line(runner, fake, tmp_path):
    fake.fault("500", register="gcc")
    out = tmp_path / "capture"
    result = runner.invoke(cli, ["registers", "capture", "gcc", "04567", "--out", str(out)])
    assert result.exit_code == 1
    assert result.output.startswith("Error: Nothing was captured from GCC (")
    assert (out / "capture.json").exists()
