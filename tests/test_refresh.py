"""`finder refresh` against the fake registers: complete, duplicate-free, resumable."""

from __future__ import annotations

import json
import logging
import re

import pytest
from refresh_world import (
    GCC_CHIROPRACTORS,
    GOSC_PRACTICES,
    UNKNOWN_POSTCODE,
    directory_tables,
    leeds_centres,
    run_refresh,
)

from finder import db, directory, refresh


def expected_links(fake) -> set:
    links = set()
    for osteopath in fake.gosc:
        for practice in osteopath.practices:
            links.add((f"gosc:{practice.id}", "gosc", osteopath.number))
    for chiro in fake.gcc:
        for practice in chiro.practices:
            links.add((practice.name, "gcc", chiro.number))
    return links


def test_the_search_centres_overlap_and_cover_every_district(postcode_table):
    plans = leeds_centres(postcode_table)

    # Every LS district lies within the planned spacing of a centre, several centres per
    # register, and each search circle reaches into its neighbours'.
    assert 3 <= len(plans["gosc"]) < 32 and 1 <= len(plans["gcc"]) <= len(plans["gosc"])
    assert [c.label for c in plans["gosc"]] == [c.label for c in leeds_centres(postcode_table)[
        "gosc"]]  # fmt: skip


def test_a_full_refresh_lists_every_practice_once_with_its_practitioners(
    data_dir, postcode_table, world
):
    summary = run_refresh(data_dir, world, postcode_table)

    database = db.open_main(data_dir)
    tables = directory_tables(database)
    gosc_keys = sorted(f"gosc:{p.id}" for p in world.gosc_practices)
    assert [row[0] for row in tables["practices"] if row[0].startswith("gosc:")] == gosc_keys
    gcc_names = sorted({p.name for c in world.gcc for p in c.practices})
    assert sorted(row[1] for row in tables["practices"] if row[0].startswith("gcc:")) == gcc_names
    names_by_key = {row[0]: row[1] for row in tables["practices"]}
    found_links = {
        (key if key.startswith("gosc:") else names_by_key[key], register, number)
        for key, register, number in tables["links"]
    }
    assert found_links == expected_links(world)
    assert [row[:5] for row in tables["practitioners"]] == sorted(
        [("gcc", c.number, c.name, "chiropractor", "gcc") for c in world.gcc]
        + [("gosc", o.number, o.name, "osteopath", "gosc") for o in world.gosc]
    )
    assert tables["located"] == (GOSC_PRACTICES + GCC_CHIROPRACTORS - 1,)  # all but one
    assert len(tables["registrations"]) == len(world.gcc) + len(world.gosc)

    gosc = summary["registers"]["gosc"]
    assert summary["state"] == "finished"
    assert (gosc["state"], gosc["practices"], gosc["practitioners"], gosc["errors"]) == (
        "done",
        {"added": GOSC_PRACTICES, "updated": 0, "unchanged": 0, "retired": 0},
        {"added": len(world.gosc), "updated": 0, "unchanged": 0, "retired": 0},
        [],
    )
    assert gosc["unlocated"] == [
        {
            "practice": f"gosc:{world.gosc_practices[7].id}",
            "reason": f"postcode {UNKNOWN_POSTCODE}: We cannot find the postcode "
            f"{UNKNOWN_POSTCODE}. Check it is right, or search with just the first part (LS99).",
        }
    ]
    gcc = summary["registers"]["gcc"]
    assert (gcc["practices"]["added"], gcc["practitioners"]["added"], gcc["errors"]) == (
        GCC_CHIROPRACTORS,
        GCC_CHIROPRACTORS,
        [],
    )
    # Both registers list themselves whole: each results page read once.
    assert (gosc["walk"], gosc["walk_note"], gosc["pages"]) == (
        "whole:0", None, GOSC_PRACTICES // world.page_size
    )  # fmt: skip
    assert (gcc["walk"], gcc["walk_note"], gcc["pages"]) == (
        "whole:0", None, GCC_CHIROPRACTORS // 10
    )  # fmt: skip


def test_a_second_refresh_reports_everything_unchanged(data_dir, postcode_table, world):
    run_refresh(data_dir, world, postcode_table)
    database = db.open_main(data_dir)
    before = directory_tables(database)

    summary = run_refresh(data_dir, world, postcode_table)

    assert directory_tables(database) == before
    for register, count in (("gosc", GOSC_PRACTICES), ("gcc", GCC_CHIROPRACTORS)):
        report = summary["registers"][register]
        assert report["practices"] == {"added": 0, "updated": 0, "unchanged": count, "retired": 0}
        assert report["practitioners"]["added"] == report["practitioners"]["updated"] == 0


def test_a_refresh_killed_half_way_then_resumed_equals_an_uninterrupted_one(
    tmp_path, data_dir, postcode_table, world
):
    uninterrupted_dir = tmp_path / "uninterrupted"
    uninterrupted_dir.mkdir()
    db.postcodes_db_path(uninterrupted_dir).symlink_to(db.postcodes_db_path(data_dir).resolve())
    expected = run_refresh(uninterrupted_dir, world, postcode_table)

    calls = []

    def crash_half_way(update: refresh.Progress) -> None:
        calls.append(update)
        if len(calls) == 10:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_refresh(data_dir, world, postcode_table, progress=crash_half_way)
    half = directory_tables(db.open_main(data_dir))
    assert 0 < len(half["practices"]) < GOSC_PRACTICES

    resumed = run_refresh(data_dir, world, postcode_table, resume=True)

    assert directory_tables(db.open_main(data_dir)) == directory_tables(
        db.open_main(uninterrupted_dir)
    )
    strip = ("seconds",)
    for register in ("gosc", "gcc"):
        got = {k: v for k, v in resumed["registers"][register].items() if k not in strip}
        want = {k: v for k, v in expected["registers"][register].items() if k not in strip}
        assert got == want


def test_a_page_budget_stops_early_and_resume_finishes(data_dir, postcode_table, world):
    first = run_refresh(data_dir, world, postcode_table, registers=("gcc",), max_pages=3)
    assert (first["state"], first["registers"]["gcc"]["pages"]) == ("stopped", 3)

    second = run_refresh(data_dir, world, postcode_table, resume=True)

    assert second["run"] == first["run"] and second["state"] == "finished"
    assert second["registers"]["gcc"]["practices"]["added"] == GCC_CHIROPRACTORS


def test_practices_and_practitioners_no_longer_listed_are_retired_not_deleted(
    data_dir, postcode_table, world
):
    run_refresh(data_dir, world, postcode_table)
    closed = world.gosc_practices[3]
    leaver = next(o for o in world.gosc if closed not in o.practices and len(o.practices) == 1)
    world.gosc_practices.remove(closed)
    for osteopath in world.gosc:
        if closed in osteopath.practices:
            osteopath.practices.remove(closed)
    world.gosc.remove(leaver)

    summary = run_refresh(data_dir, world, postcode_table, registers=("gosc",))

    database = db.open_main(data_dir)
    reason = f"no longer listed by GOSC (refresh run {summary['run']})"
    assert database.execute(
        "select name, retired_at is not null, retired_reason from practices where key = ?",
        (f"gosc:{closed.id}",),
    ).fetchall() == [(closed.name, 1, reason)]
    assert database.execute(
        "select retired_at is not null, retired_reason from practitioners "
        "where register = 'gosc' and registration_number = ?",
        (leaver.number,),
    ).fetchall() == [(1, reason)]
    assert summary["registers"]["gosc"]["practices"]["retired"] == 1
    assert summary["registers"]["gosc"]["practitioners"]["retired"] >= 1
    # The leaver keeps the record of the practice they worked at (#17).
    assert database.execute(
        "select p.key from practice_practitioners l join practices p on p.id = l.practice_id "
        "where l.register = 'gosc' and l.registration_number = ?",
        (leaver.number,),
    ).fetchall() == [(f"gosc:{leaver.practices[0].id}",)]
    assert database.execute(
        "select count(*) from practice_points where id = (select id from practices where key = ?)",
        (f"gosc:{closed.id}",),
    ).fetchone() == (0,)


def test_only_one_refresh_runs_at_a_time(data_dir):
    second = refresh.RefreshLock(data_dir)
    with refresh.RefreshLock(data_dir), pytest.raises(refresh.RefreshLocked) as raised:
        second.__enter__()
    assert raised.value.message.startswith("Another refresh is running (pid ")
    with refresh.RefreshLock(data_dir):  # freed again
        pass


def test_a_dry_run_reports_but_changes_nothing(data_dir, postcode_table, world):
    summary = run_refresh(data_dir, world, postcode_table, registers=("gcc",), dry_run=True)

    assert summary["dry_run"] is True
    assert summary["registers"]["gcc"]["practices"]["added"] == GCC_CHIROPRACTORS
    database = db.open_main(data_dir)
    assert database.execute("select count(*) from practices").fetchone() == (0,)
    assert database.execute("select count(*) from refresh_runs").fetchone() == (0,)


def test_resume_with_nothing_unfinished_says_so(runner):
    from finder.cli import cli

    result = runner.invoke(cli, ["refresh", "--resume"])

    assert (result.exit_code, result.output) == (
        1,
        "Error: There is no unfinished refresh to resume: run `finder refresh`.\n",
    )


def test_cli_refresh_prints_a_json_summary(runner, monkeypatch, postcode_table, world):
    for register in ("hcpc", "gosc", "gcc"):
        monkeypatch.setenv(f"FINDER_{register.upper()}_URL", world.base_url(register))
    monkeypatch.setenv("FINDER_REQUEST_INTERVAL", "0")
    monkeypatch.setattr(
        "finder.refresh.centres.plan_for", lambda table, register: leeds_centres(table)[register]
    )
    from finder.cli import cli

    result = runner.invoke(cli, ["refresh", "gcc", "--json"])

    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert (report["state"], report["registers"]["gcc"]["practices"]["added"]) == (
        "finished",
        GCC_CHIROPRACTORS,
    )


def test_a_number_no_register_knows_is_that_numbers_error_and_the_refresh_goes_on(
    data_dir, postcode_table, world, main_db
):
    # As an older import let in: an HCPC number with another profession's code.
    directory.upsert_practitioners(
        main_db,
        [
            {
                "register": "hcpc",
                "registration_number": number,
                "name": name,
                "profession": "physiotherapist",
                "source": "import",
            }  # fmt: skip
            for number, name in (("OT912345", "Alex Placeholder"), ("PH910001", "Ash Example"))
        ],
    )

    summary = run_refresh(data_dir, world, postcode_table, registers=("hcpc",))

    hcpc = summary["registers"]["hcpc"]
    assert hcpc["state"] == "done_with_errors"
    assert hcpc["errors"] == [
        {
            "where": "OT912345",
            "message": "'OT912345' is not valid: HCPC numbers are PH followed by up to 6 digits, "
            "like PH123456",
        }
    ]
    assert main_db.execute(
        "select registration_number, outcome from registrations where register = 'hcpc'"
    ).fetchall() == [("PH910001", "registered")]


def test_each_refresh_page_is_logged_in_one_line(data_dir, postcode_table, world, caplog):
    with caplog.at_level(logging.INFO, logger="finder.refresh"):
        summary = run_refresh(data_dir, world, postcode_table, registers=("gcc",), max_pages=3)

    lines = [r.getMessage() for r in caplog.records if r.name == "finder.refresh"]
    assert len(lines) == summary["registers"]["gcc"]["pages"] == 3
    assert all(
        re.fullmatch(
            rf"refresh run {summary['run']} gcc whole register page \d+: \d+ practices, "
            r"\d+ practitioners, \d+ without a location",
            line,
        )
        for line in lines
    ), lines


@pytest.mark.parametrize("command", [["refresh", "gcc", "--json"], ["serve"]])
def test_serve_and_refresh_log_one_line_per_event_at_info(
    runner, monkeypatch, postcode_table, world, command
):
    for register in ("hcpc", "gosc", "gcc"):
        monkeypatch.setenv(f"FINDER_{register.upper()}_URL", world.base_url(register))
    monkeypatch.setenv("FINDER_REQUEST_INTERVAL", "0")
    monkeypatch.setenv("FINDER_PORT", "0")
    monkeypatch.setattr(
        "finder.refresh.centres.plan_for", lambda table, register: leeds_centres(table)[register]
    )
    monkeypatch.setattr("waitress.serve", lambda app, **kwargs: None)
    configured = []
    monkeypatch.setattr(logging, "basicConfig", lambda **kwargs: configured.append(kwargs))
    from finder.cli import cli

    result = runner.invoke(cli, command)

    assert result.exit_code == 0, result.output
    assert [c["level"] for c in configured] == [logging.INFO]
    record = logging.LogRecord("finder.x", logging.INFO, "", 0, "a message", None, None)
    line = logging.Formatter(configured[0]["format"]).format(record)
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO finder\.x: a message", line)


@pytest.fixture
def folder_with_the_sample(data_dir, postcode_db_path, main_db):
    """`finder demo`'s sample, and one real physiotherapist from before the two were kept
    apart."""
    from finder.directory import demo

    demo.load_sample(main_db, postcode_db_path, size=30, seed=7)
    directory.upsert_practitioners(
        main_db,
        [{"register": "hcpc", "registration_number": "PH910001", "name": "Ash Example",
          "profession": "physiotherapist", "source": "import"}],
    )  # fmt: skip
    sample_numbers = {
        number
        for (number,) in main_db.execute(
            "select registration_number from practitioners where source = 'sample' "
            "and register = 'hcpc'"
        )
    }
    assert sample_numbers
    return sample_numbers


def test_a_refresh_into_a_folder_holding_the_sample_is_refused_and_asks_no_register(
    runner, monkeypatch, data_dir, world, folder_with_the_sample
):
    from finder.cli import cli

    for register in ("hcpc", "gosc", "gcc"):
        monkeypatch.setenv(f"FINDER_{register.upper()}_URL", world.base_url(register))

    result = runner.invoke(cli, ["refresh", "hcpc"])

    assert (result.exit_code, result.output) == (
        1,
        "Error: This folder holds the sample directory: run `finder demo --remove` first, "
        "or add --replace-sample.\n",
    )
    assert world.requests == []
    assert directory.sample_present(db.open_main(data_dir))


def test_replace_sample_removes_it_and_asks_the_register_only_about_real_numbers(
    data_dir, postcode_table, world, folder_with_the_sample
):
    summary = run_refresh(data_dir, world, postcode_table, registers=("hcpc",), replace_sample=True)

    asked = {r.query.get("query") for r in world.requests_for("hcpc")}
    assert (summary["state"], asked) == ("finished", {"PH910001"})
    assert summary["sample_practices_removed"] == 30
    database = db.open_main(data_dir)
    assert not directory.sample_present(database)
    assert database.execute("select registration_number, source from practitioners").fetchall() == [
        ("PH910001", "import")
    ]


def test_a_walk_that_no_longer_finds_a_third_of_a_register_retires_nothing_and_says_so(
    data_dir, postcode_table, world
):
    run_refresh(data_dir, world, postcode_table, registers=("gosc",))
    gone = world.gosc_practices[: GOSC_PRACTICES // 3]
    for practice in gone:
        world.gosc_practices.remove(practice)
        for osteopath in world.gosc:
            if practice in osteopath.practices:
                osteopath.practices.remove(practice)

    summary = run_refresh(data_dir, world, postcode_table, registers=("gosc",))
    report = summary["registers"]["gosc"]
    assert report["practices"]["retired"] == 0
    assert [e["message"] for e in report["errors"]] == [
        f"the walk no longer found {len(gone)} of the {GOSC_PRACTICES} GOSC practices listed "
        "here: more than a refresh should retire at once, so none was retired. If the register "
        "really lists that many fewer, run the refresh again with --retire-any-share."
    ]
    with db.open_main(data_dir) as database:
        listed = database.execute(
            "select count(*) from practices where source = 'gosc' and retired_at is null"
        ).fetchone()[0]
    assert listed == GOSC_PRACTICES

    allowed = run_refresh(
        data_dir, world, postcode_table, registers=("gosc",), max_retire_share=1.0
    )
    assert allowed["registers"]["gosc"]["practices"]["retired"] == len(gone)


def test_a_walk_that_no_longer_finds_a_third_of_the_osteopaths_retires_none_of_them(
    data_dir, postcode_table, world
):
    run_refresh(data_dir, world, postcode_table, registers=("gosc",))
    listed = len(world.gosc)
    gone = world.gosc[: listed // 3]
    for osteopath in gone:
        world.gosc.remove(osteopath)

    report = run_refresh(data_dir, world, postcode_table, registers=("gosc",))["registers"]
    assert report["gosc"]["practitioners"]["retired"] == 0
    assert [e["message"] for e in report["gosc"]["errors"]] == [
        f"the walk no longer found {len(gone)} of the {listed} GOSC practitioners listed "
        "here: more than a refresh should retire at once, so none was retired. If the register "
        "really lists that many fewer, run the refresh again with --retire-any-share."
    ]
