"""A refresh killed (SIGKILL) right after a page is saved, then resumed, ends exactly where an
uninterrupted refresh ends: the same directory, the same registration checks, the same summary.

Each refresh runs in a child process (tests/refresh_world.py) against the fake registers served
from this process; the child kills itself right after the page (HCPC: the check) the test
chooses, through the refresh's `on_saved` hook, which only tests set.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from refresh_world import directory_tables, leeds_world, registration_tables

from finder import db
from finder.directory import importer

WORLD_SCRIPT = Path(__file__).with_name("refresh_world.py")

PHYSIOTHERAPISTS = (
    "practitioner_name,profession,registration_number,practice_name,postcode\n"
    + "".join(
        f"Physio Example{n},physiotherapist,PH91000{n},Roundhay Physio,LS6 2AB\n"
        for n in range(1, 7)
    )
    + "Nobody Madeup,physiotherapist,PH919999,Roundhay Physio,LS6 2AB\n"
)


@pytest.fixture(scope="module")
def world(postcode_db_path):
    from finder.places import postcodes

    table = postcodes.PostcodeTable(postcode_db_path)
    with leeds_world(table) as fake:
        yield fake
    table.close()


def new_data_dir(tmp_path: Path, name: str, postcode_db_path: Path, register: str) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    db.postcodes_db_path(folder).symlink_to(postcode_db_path)
    if register == "hcpc":  # HCPC is refreshed by re-checking the directory's physios
        from finder.places import postcodes

        table = postcodes.PostcodeTable(postcode_db_path)
        database = db.open_main(folder)
        importer.import_csv(database, PHYSIOTHERAPISTS.encode(), table)
        database.close()
        table.close()
    return folder


def refresh_in_child(folder: Path, world, register: str, kill_after: int, mode: str):
    urls = json.dumps({r: world.base_url(r) for r in ("hcpc", "gosc", "gcc")})
    return subprocess.run(
        [sys.executable, str(WORLD_SCRIPT), str(folder), urls, register, str(kill_after), mode],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def what_a_user_sees(folder: Path, summary: dict) -> dict:
    database = db.connect(db.main_db_path(folder))
    try:
        tables = {**directory_tables(database), **registration_tables(database)}
    finally:
        database.close()
    reports = {
        register: {k: v for k, v in report.items() if k != "seconds"}
        for register, report in summary["registers"].items()
    }
    return {"state": summary["state"], "registers": reports, "tables": tables}


def uninterrupted(tmp_path, postcode_db_path, world, register) -> tuple[int, dict]:
    folder = new_data_dir(tmp_path, "uninterrupted", postcode_db_path, register)
    done = refresh_in_child(folder, world, register, 0, "new")
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    return answer["pages"], what_a_user_sees(folder, answer["summary"])


def kill_points(pages: int) -> list[int]:
    """The first page, the last, and a spread in between: a kill right after each."""
    return sorted({1, pages // 2, pages - 1, pages} - {0})


@pytest.mark.parametrize("register", ["gosc", "gcc", "hcpc"])
def test_a_refresh_killed_after_any_page_then_resumed_ends_as_if_never_killed(
    tmp_path, postcode_db_path, world, register
):
    pages, expected = uninterrupted(tmp_path, postcode_db_path, world, register)
    assert pages >= 5  # enough pages for the kill points to differ
    assert expected["tables"]["checks"]  # the registers' answers were recorded

    for kill_after in kill_points(pages):
        folder = new_data_dir(tmp_path, f"killed-{kill_after}", postcode_db_path, register)
        killed = refresh_in_child(folder, world, register, kill_after, "new")
        assert killed.returncode == -signal.SIGKILL, killed.stderr
        resumed = refresh_in_child(folder, world, register, 0, "resume")
        assert resumed.returncode == 0, resumed.stderr
        answer = json.loads(resumed.stdout)
        assert answer["pages"] == pages - kill_after  # nothing read twice, nothing skipped
        assert (kill_after, what_a_user_sees(folder, answer["summary"])) == (
            kill_after,
            expected,
        )
