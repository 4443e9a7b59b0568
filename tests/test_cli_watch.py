"""`finder watch list` and `finder watch events`: an operator reads watchlists and their events."""

from __future__ import annotations

import csv
import io

import pytest

from finder import watch
from finder.cli import cli


@pytest.fixture
def clinicians(main_db, data_dir):
    watchlist, _ = watch.create_watchlist(main_db, "Acme Insurance", "Clinicians", None,
                                          config={"DATA_DIR": str(data_dir)})  # fmt: skip
    rows = [{"register": "hcpc", "registration_number": "PH900001", "name": "Ellis Example"}]
    watch.replace_entries(main_db, "Acme Insurance", watchlist["id"], rows)
    return watchlist


def event(main_db, status: str, at: str, conditions=None) -> dict:
    entry = next(iter(main_db.query("select * from watch_entries")))
    return watch.record_event(
        main_db, entry, "status_changed",
        {"outcome": "registered", "status_raw": "Registered"},
        {"outcome": "restricted", "status_raw": status, "conditions": conditions},
        checked_at=at, source_url="https://register.example/x", evidence_sha256="cd" * 32,
        now=at,
    )  # fmt: skip


def test_watch_list_shows_each_watchlist(runner, clinicians):
    result = runner.invoke(cli, ["watch", "list"])
    assert result.exit_code == 0, result.output
    assert result.output == f"{clinicians['id']}\tAcme Insurance\tClinicians\t1 entry\tno webhook\n"
    assert "No watchlists yet" in runner.invoke(cli, ["watch", "list", "--owner", "Brill"]).output


def test_watch_events_prints_one_line_an_event_or_csv(runner, main_db, clinicians):
    first = event(main_db, "Conditions of practice", "2026-11-30T09:00:00Z", ["No home visits"])
    second = event(main_db, "=Suspended", "2026-12-02T09:00:00Z")
    result = runner.invoke(cli, ["watch", "events", "Clinicians"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "2026-11-30T09:00:00Z  status_changed  hcpc PH900001 (Ellis Example): registered "
        f'"Registered" -> restricted "Conditions of practice"  [{first["id"]}]',
        "2026-12-02T09:00:00Z  status_changed  hcpc PH900001 (Ellis Example): registered "
        f'"Registered" -> restricted "=Suspended"  [{second["id"]}]',
    ]
    as_csv = runner.invoke(cli, ["watch", "events", "Clinicians", "--since", "2026-12-01",
                                 "--csv"])  # fmt: skip
    rows = list(csv.DictReader(io.StringIO(as_csv.output)))
    assert [(r["id"], r["status_raw_after"]) for r in rows] == [(second["id"], "'=Suspended")]
    assert list(rows[0]) == list(watch.EVENT_CSV_COLUMNS)
    everything = list(csv.DictReader(io.StringIO(
        runner.invoke(cli, ["watch", "events", "Clinicians", "--csv"]).output)))  # fmt: skip
    assert everything[0]["conditions_after"] == "No home visits"


def test_watch_events_with_none_yet(runner, clinicians):
    assert runner.invoke(cli, ["watch", "events", "Clinicians"]).output == (
        "No events for 'Clinicians'.\n")  # fmt: skip
    empty = runner.invoke(cli, ["watch", "events", "Clinicians", "--csv"]).output
    assert empty == ",".join(watch.EVENT_CSV_COLUMNS) + "\n"


@pytest.mark.parametrize(
    "args, message",
    [
        (["Nobody"], "Error: There is no watchlist called 'Nobody'."),
        (["Clinicians", "--since", "last week"], "Error: 'since' must be a date like 2026-12-01"),
        (["Clinicians", "--owner", "Brill"], "Error: There is no watchlist called 'Clinicians'."),
    ],
)
def test_watch_events_refuses_in_one_line(runner, clinicians, args, message):
    result = runner.invoke(cli, ["watch", "events", *args])
    assert result.exit_code == 1
    assert result.output.startswith(message) and len(result.output.splitlines()) == 1


def test_a_name_two_owners_use_needs_the_owner(runner, main_db, data_dir, clinicians):
    watch.create_watchlist(main_db, "Brill Cover", "Clinicians", None,
                           config={"DATA_DIR": str(data_dir)})  # fmt: skip
    result = runner.invoke(cli, ["watch", "events", "Clinicians"])
    assert result.exit_code == 1 and "say which with --owner" in result.output
    mine = runner.invoke(cli, ["watch", "events", "Clinicians", "--owner", "Acme Insurance"])
    assert mine.exit_code == 0, mine.output


def test_names_from_an_upload_cannot_drive_the_operators_terminal(runner, main_db, clinicians):
    """An API key holder chooses entry names: escape sequences must not reach the terminal."""
    rows = [{"register": "hcpc", "registration_number": "PH900001",
             "name": "Ellis\x1b]0;owned\x07 Example\u202e"}]  # fmt: skip
    watch.replace_entries(main_db, "Acme Insurance", clinicians["id"], rows)
    event(main_db, "Suspended", "2026-12-02T09:00:00Z")
    result = runner.invoke(cli, ["watch", "events", "Clinicians"])
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert "\u202e" not in result.output
    assert "(Ellis\ufffd]0;owned\ufffd Example\ufffd)" in result.output
