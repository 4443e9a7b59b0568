"""Refresh under faults, HCPC re-checks, the check queue, and readers during a refresh."""

from __future__ import annotations

import socket
import threading

import pytest
from faketime import FakeTime
from refresh_world import (
    GCC_CHIROPRACTORS,
    GOSC_PRACTICES,
    directory_tables,
    leeds_centres,
    run_refresh,
)

from finder import db, registrations, search
from finder.directory import importer
from scrapers import paging


def test_429_and_500_answers_are_retried_and_the_refresh_completes(data_dir, postcode_table, world):
    world.fault("429", register="gosc", path="/register-search/practices/", times=2)
    world.fault("500", register="gcc", times=2)

    summary = run_refresh(data_dir, world, postcode_table)

    assert summary["state"] == "finished"
    assert [summary["registers"][r]["errors"] for r in ("gosc", "gcc")] == [[], []]
    assert summary["registers"]["gosc"]["practices"]["added"] == GOSC_PRACTICES
    assert summary["registers"]["gcc"]["practices"]["added"] == GCC_CHIROPRACTORS


def test_a_centre_search_that_keeps_failing_is_reported_and_nothing_is_retired(
    data_dir, postcode_table, world
):
    run_refresh(data_dir, world, postcode_table, registers=("gosc",))
    before = directory_tables(db.open_main(data_dir))
    world.gosc_practices.remove(world.gosc_practices[0])  # gone, but the walk is incomplete
    world.fault("500", register="gosc", path="/register-search/practices/", times=4)

    summary = run_refresh(
        data_dir, world, postcode_table, registers=("gosc",), whole_register=False
    )

    report = summary["registers"]["gosc"]
    assert report["state"] == "done_with_errors"
    assert [error["message"] for error in report["errors"]] == [
        "register unavailable: HTTP 500 after 4 attempts "
        f"({world.base_url('gosc')}/register-search/practices/?location="
        f"{report['errors'][0]['where'].split()[0]}&radius=10&surname=&registration=&p=1)"
    ]
    assert report["practices"]["retired"] == 0
    assert directory_tables(db.open_main(data_dir)) == before


def test_a_redesigned_page_stops_the_register_without_harm_and_resume_completes(
    tmp_path, data_dir, postcode_table, world
):
    clean_dir = tmp_path / "clean"
    clean_dir.mkdir()
    db.postcodes_db_path(clean_dir).symlink_to(db.postcodes_db_path(data_dir).resolve())
    run_refresh(clean_dir, world, postcode_table, registers=("gcc",))
    pages = []

    def redesign_after_three_pages(update) -> None:
        if update.pages == 3 and not pages:
            pages.append(update)
            world.fault("redesigned", register="gcc")

    stopped = run_refresh(
        data_dir, world, postcode_table, registers=("gcc",), progress=redesign_after_three_pages
    )

    report = stopped["registers"]["gcc"]
    assert (stopped["state"], report["state"], report["pages"]) == ("stopped", "failed", 3)
    assert report["errors"][0]["message"].startswith("page layout not recognised: ")
    partial = directory_tables(db.open_main(data_dir))
    complete = directory_tables(db.open_main(clean_dir))
    assert set(partial["practices"]) < set(complete["practices"])  # intact, only fewer
    assert set(partial["links"]) < set(complete["links"])

    world.clear_faults()
    resumed = run_refresh(data_dir, world, postcode_table, resume=True)

    assert resumed["state"] == "finished"
    assert directory_tables(db.open_main(data_dir)) == complete


PROVIDERS = (
    "practitioner_name,profession,registration_number,practice_name,postcode\n"
    "Ash Example801,physiotherapist,PH910001,Roundhay Physio,LS6 2AB\n"
    "Kit Example802,physiotherapist,PH910002,Roundhay Physio,LS6 2AB\n"
    "Nobody Madeup,physiotherapist,PH919999,Roundhay Physio,LS6 2AB\n"
    "Queued Osteo,osteopath,99999,Roundhay Physio,LS6 2AB\n"
)


def test_hcpc_refresh_checks_every_physiotherapist_and_retires_those_not_found(
    data_dir, postcode_table, world, main_db
):
    importer.import_csv(main_db, PROVIDERS.encode(), postcode_table)

    summary = run_refresh(data_dir, world, postcode_table, registers=("hcpc", "gosc"))

    hcpc = summary["registers"]["hcpc"]
    assert (hcpc["state"], hcpc["pages"], hcpc["practitioners"]) == (
        "done",
        3,
        {"added": 0, "updated": 2, "unchanged": 0, "retired": 1},
    )
    assert main_db.execute(
        "select registration_number, retired_at is not null, retired_reason from practitioners "
        "where source = 'import' order by 1"
    ).fetchall() == [
        ("99999", 1, "GOSC: not found on the register"),
        ("PH910001", 0, None),
        ("PH910002", 0, None),
        ("PH919999", 1, "HCPC: not found on the register"),
    ]
    assert main_db.execute(
        "select register, registration_number, outcome from registrations "
        "where register = 'hcpc' order by 2"
    ).fetchall() == [
        ("hcpc", "PH910001", "registered"),
        ("hcpc", "PH910002", "registered"),
        ("hcpc", "PH919999", "not_found"),
    ]
    assert main_db.execute("select count(*) from check_queue").fetchone() == (0,)
    found = search.search_near(main_db, 53.8222, -1.5723, 2, ["physiotherapist"])
    assert [
        [p.registration_number for p in hit.practitioners]
        for hit in found.hits
        if hit.practice.name == "Roundhay Physio"
    ] == [["PH910001", "PH910002"]]

    again = run_refresh(data_dir, world, postcode_table, registers=("hcpc",))
    assert again["registers"]["hcpc"]["practitioners"] == {
        "added": 0,
        "updated": 0,
        "unchanged": 3,
        "retired": 0,
    }


def test_one_hcpc_outage_pauses_the_walk_instead_of_failing_it(
    data_dir, postcode_table, world, main_db
):
    """After a register fails, it is left alone for a minute. The walk waits that minute out
    rather than fail the next checks at once (which counted as failures and stopped it)."""
    importer.import_csv(main_db, PROVIDERS.encode(), postcode_table)
    world.fault("500", register="hcpc", times=4)  # one check's every attempt
    time = FakeTime()
    summary = run_refresh(
        data_dir, world, postcode_table, registers=("hcpc",), interval=0.001, time=time
    )
    hcpc = summary["registers"]["hcpc"]
    assert hcpc["state"] == "done_with_errors"
    assert hcpc["pages"] == 2  # the two checks after the pause asked the register
    assert max(time.sleeps) == pytest.approx(60.0, abs=1.0)


def test_one_outage_of_a_centre_walk_pauses_the_walk_instead_of_failing_it(
    data_dir, postcode_table, world
):
    """The walk asks for pages through the same clients as every check: after a failed page
    the register is left alone for a minute, and the walk waits that out before the next
    search rather than fail the following searches at once."""
    world.fault("500", register="gosc", path="/register-search/practices/", times=4)
    time = FakeTime()
    summary = run_refresh(
        data_dir, world, postcode_table, registers=("gosc",), whole_register=False,
        interval=0.001, time=time,
    )  # fmt: skip
    gosc = summary["registers"]["gosc"]
    assert gosc["state"] == "done_with_errors"
    assert [error["message"].split(" (")[0] for error in gosc["errors"]] == [
        "register unavailable: HTTP 500 after 4 attempts"
    ]
    assert max(time.sleeps) == pytest.approx(60.0, abs=1.0)


def test_search_keeps_answering_consistently_while_a_refresh_writes(
    data_dir, postcode_table, world
):
    db.open_main(data_dir).close()  # migrated before the reader starts
    done = threading.Event()
    seen, problems = [], []

    def read_while_writing() -> None:
        reader = db.connect(db.main_db_path(data_dir))
        reader.conn.isolation_level = None  # explicit snapshots below
        while not done.is_set():
            try:
                reader.execute("begin")
                practices = reader.execute(
                    "select count(*) from practices where source = 'gosc'"
                ).fetchone()[0]
                recorded = reader.execute(
                    "select count(*) from refresh_seen where kind = 'practice' "
                    "and register = 'gosc'"
                ).fetchone()[0]
                hits = search.search_near(reader, 53.80, -1.55, 30, ["osteopath"]).total
                reader.execute("commit")
            except Exception as error:  # noqa: BLE001 - any failure is the finding
                problems.append(repr(error))
                break
            seen.append((practices, recorded, hits))
        reader.close()

    thread = threading.Thread(target=read_while_writing)
    thread.start()
    try:
        run_refresh(data_dir, world, postcode_table, registers=("gosc",))
    finally:
        done.set()
        thread.join()

    assert problems == []
    # Each page's practices and its run record arrive together: never half a page.
    assert all(practices == recorded for practices, recorded, _ in seen)
    assert any(0 < practices < GOSC_PRACTICES for practices, _, _ in seen)
    assert max(hits for _, _, hits in seen) <= GOSC_PRACTICES


def test_a_centre_search_cut_off_by_the_page_cap_is_reported_and_nothing_is_retired(
    data_dir, postcode_table, world, monkeypatch
):
    run_refresh(data_dir, world, postcode_table, registers=("gosc",))
    before = directory_tables(db.open_main(data_dir))
    world.gosc_practices.remove(world.gosc_practices[0])  # gone, but the walk is cut short
    monkeypatch.setattr(paging, "MAX_PAGES_PER_SEARCH", 1)

    summary = run_refresh(
        data_dir, world, postcode_table, registers=("gosc",), whole_register=False
    )

    report = summary["registers"]["gosc"]
    assert report["state"] == "done_with_errors"
    assert report["errors"] and all(
        error["message"].startswith("search stopped after 1 pages without reaching the last page")
        and error["where"].endswith(" page 1")
        for error in report["errors"]
    )
    assert report["practices"]["retired"] == 0
    assert directory_tables(db.open_main(data_dir)) == before


def closed_port_url() -> str:
    """A URL on this machine where nothing listens: every connection is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def cli_without_waiting(runner, monkeypatch, postcode_table, world):
    """`finder refresh` against the fake registers over Leeds, on a clock that only pretends
    to wait (pauses after an outage last a minute)."""
    for register in ("hcpc", "gosc", "gcc"):
        monkeypatch.setenv(f"FINDER_{register.upper()}_URL", world.base_url(register))
    monkeypatch.setenv("FINDER_REQUEST_INTERVAL", "0")
    monkeypatch.setattr(
        "finder.refresh.centres.plan_for", lambda table, register: leeds_centres(table)[register]
    )
    time = FakeTime()
    make_clients = registrations.clients_from_config
    monkeypatch.setattr(
        registrations,
        "clients_from_config",
        lambda config: make_clients(config, sleep=time.sleep, clock=time.clock),
    )
    return runner


def headline(result) -> str:
    """The summary's first line (a progress bar's label may come before it)."""
    return next(line for line in result.stdout.splitlines() if line.startswith(("Dry", "Ref")))


RAW_LIBRARY_TEXT = ("Traceback", "HTTPConnectionPool", "urllib3", "Errno", "Error(", "<class")


def test_a_dry_run_while_a_register_is_down_says_why_as_it_goes_and_suggests_no_resume(
    cli_without_waiting, monkeypatch, data_dir
):
    monkeypatch.setenv("FINDER_GOSC_URL", closed_port_url())
    from finder.cli import cli

    result = cli_without_waiting.invoke(cli, ["refresh", "gosc", "--dry-run"])

    assert result.exit_code == 1
    notices = [line for line in result.stderr.splitlines() if line]
    reason = "register unavailable: robots.txt unreachable"
    assert [line.removeprefix("GOsC: whole register page 1: ") for line in notices] == [
        f"{reason}; waiting out the register's pause, then asking for the same page again "
        f"({n} of 5 failures in a row)"
        for n in range(1, 5)
    ] + [f"{reason}; 5 failures in a row, so this register is left for now"]
    assert headline(result) == (
        "Dry run (nothing was changed) stopped: GOsC stopped on the errors below."
    )
    assert "--resume" not in result.output
    assert not [text for text in RAW_LIBRARY_TEXT if text in result.output]
    assert db.open_main(data_dir).execute("select count(*) from refresh_runs").fetchone() == (0,)


def test_a_refresh_stopped_by_a_register_says_which_and_how_to_go_on(
    cli_without_waiting, monkeypatch
):
    monkeypatch.setenv("FINDER_GOSC_URL", closed_port_url())
    from finder.cli import cli

    result = cli_without_waiting.invoke(cli, ["refresh", "gosc"])

    assert result.exit_code == 1
    assert headline(result) == (
        "Refresh 1 stopped before the end (GOsC stopped on the errors below): "
        "run `finder refresh --resume` to continue."
    )
    assert len(result.stderr.splitlines()) == 5  # one line for each failure
    assert not [text for text in RAW_LIBRARY_TEXT if text in result.output]


def test_a_dry_run_cut_short_by_the_page_budget_suggests_no_resume(cli_without_waiting):
    from finder.cli import cli

    result = cli_without_waiting.invoke(cli, ["refresh", "gcc", "--dry-run", "--max-pages", "2"])

    assert (result.exit_code, result.stderr) == (0, "")
    assert headline(result) == (
        "Dry run (nothing was changed) stopped: the page budget (--max-pages) ran out."
    )
    assert "--resume" not in result.output
