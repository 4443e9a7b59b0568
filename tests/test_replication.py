"""Replication set-up without running Litestream for long: the generated config, the
commands' refusals and messages, and a restore from a file replica."""

from __future__ import annotations

import subprocess
import time
from datetime import UTC, datetime

import pytest

from finder import db as database
from finder import replication
from finder.cli import cli
from finder.registrations import apikeys
from finder.replication import litestream


def settings(tmp_path, **more) -> dict:
    return {
        "DATA_DIR": str(tmp_path / "data"),
        "REPLICA_URL": (tmp_path / "replica").as_uri(),
        "REPLICA_SYNC_INTERVAL": 1.0,
        **more,
    }


def test_the_config_streams_finder_db_alone_within_the_sync_interval(tmp_path):
    text = replication.config_yaml(tmp_path / "data" / "finder.db", settings(tmp_path))
    assert f'  - path: "{tmp_path}/data/finder.db"' in text
    assert f'      url: "file://{tmp_path}/replica"' in text
    # Noticing a commit and uploading it each take a third of the interval; the last third is
    # left for the upload itself.
    assert text.count("interval: 333ms") == 2
    assert "postcodes.db" not in text


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("", "No replica is set: set FINDER_REPLICA_URL"),
        ("ftp://host/finder", "expected a URL starting with one of file://, s3://"),
        ("file://backups/finder", "three slashes"),
        ("s3:///finder", "the bucket or host is missing"),
    ],
)
def test_a_missing_or_wrong_replica_url_is_one_line(runner, tmp_path, monkeypatch, url, words):
    monkeypatch.setenv("FINDER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("FINDER_REPLICA_URL", url)
    result = runner.invoke(cli, ["replicate"])
    assert result.exit_code == 1
    assert words in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "data" / "finder.db").exists()  # nothing started


def test_print_config_and_the_systemd_unit(runner, tmp_path, monkeypatch):
    monkeypatch.setenv("FINDER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("FINDER_REPLICA_URL", "s3://example-bucket/finder")
    monkeypatch.setenv("FINDER_REPLICA_SYNC_INTERVAL", "3")
    config = runner.invoke(cli, ["replicate", "--print-config"])
    assert config.exit_code == 0
    assert 'url: "s3://example-bucket/finder"' in config.output
    assert "sync-interval: 1000ms" in config.output
    unit = runner.invoke(cli, ["replicate", "--systemd"])
    assert unit.exit_code == 0
    assert "Environment=FINDER_REPLICA_URL=s3://example-bucket/finder" in unit.output
    assert "/finder replicate\nRestart=always" in unit.output


def test_the_litestream_binary_is_installed_with_finder():
    assert replication.binary().endswith("/litestream")


def test_restore_refuses_to_overwrite_a_database(runner, tmp_path, monkeypatch):
    monkeypatch.setenv("FINDER_REPLICA_URL", (tmp_path / "replica").as_uri())
    folder = tmp_path / "live"
    database.open_main(folder).close()
    before = database.main_db_path(folder).read_bytes()
    result = runner.invoke(cli, ["restore", "--to", str(folder)])
    assert result.exit_code == 1
    assert "finder.db exists: finder restore never overwrites a database" in result.output
    assert database.main_db_path(folder).read_bytes() == before


def test_restore_from_an_empty_replica_or_at_a_bad_time_says_why(runner, tmp_path, monkeypatch):
    monkeypatch.setenv("FINDER_REPLICA_URL", (tmp_path / "replica").as_uri())
    empty = runner.invoke(cli, ["restore", "--to", str(tmp_path / "new")])
    assert empty.exit_code == 1
    assert "Litestream could not restore: the replica" in empty.output
    assert "holds no copy of finder.db yet" in empty.output
    bad = runner.invoke(cli, ["restore", "--to", str(tmp_path / "new"), "--timestamp", "Tuesday"])
    assert bad.exit_code == 1
    assert "--timestamp 'Tuesday' is not a time" in bad.output
    # an empty value (a script's unset variable) is refused, not taken as "the newest copy"
    blank = runner.invoke(cli, ["restore", "--to", str(tmp_path / "new"), "--timestamp", ""])
    assert blank.exit_code == 1
    assert "--timestamp '' is not a time" in blank.output


def test_a_snapshot_restores_with_its_heartbeat_and_row_counts(runner, tmp_path, monkeypatch):
    """`litestream replicate -once` takes a snapshot; the restore says what the copy holds."""
    config = settings(tmp_path)
    db = database.open_main(config["DATA_DIR"])
    replication.beat(db, now=1796655600.0)  # 2026-12-07T15:00:00Z
    db.close()
    config_file = tmp_path / "litestream.yml"
    db_path = database.main_db_path(config["DATA_DIR"])
    config_file.write_text(replication.config_yaml(db_path, config))
    subprocess.run(
        [litestream.binary(), "replicate", "-once", "-config", str(config_file)],
        check=True,
        capture_output=True,
    )
    monkeypatch.setenv("FINDER_REPLICA_URL", config["REPLICA_URL"])
    result = runner.invoke(cli, ["restore", "--to", str(tmp_path / "restored")])
    assert result.exit_code == 0, result.output
    assert "Last transaction: at or after 2026-12-07T15:00:00Z" in result.output
    assert "  replication_heartbeat            1" in result.output
    assert "  registrations                    0" in result.output
    assert not list((tmp_path / "restored").glob("finder.db?*"))  # no -wal or leftovers


def test_follow_takes_no_timestamp_and_refuses_a_writers_folder(runner, tmp_path, monkeypatch):
    monkeypatch.setenv("FINDER_REPLICA_URL", (tmp_path / "replica").as_uri())
    folder = tmp_path / "writer"
    database.open_main(folder).close()
    timed = runner.invoke(cli, ["restore", "--follow", "--to", str(folder), "--timestamp", "x"])
    assert timed.exit_code == 2
    assert "--follow keeps the newest copy" in timed.output
    writer = runner.invoke(cli, ["restore", "--follow", "--to", str(folder)])
    assert writer.exit_code == 1
    assert "is a writer's database (WAL mode)" in writer.output


def key_names(folder) -> list[str]:
    db = database.open_main(folder)
    try:
        return [key["name"] for key in apikeys.list_keys(db)]
    finally:
        db.close()


def test_a_timestamp_restores_the_database_as_it_was_then(runner, tmp_path, monkeypatch):
    config = settings(tmp_path)
    db = database.open_main(config["DATA_DIR"])
    config_file = tmp_path / "litestream.yml"
    config_file.write_text(
        replication.config_yaml(database.main_db_path(config["DATA_DIR"]), config)
    )
    sync = [litestream.binary(), "replicate", "-once", "-config", str(config_file)]
    apikeys.create(db, "Before Insurance")
    subprocess.run(sync, check=True, capture_output=True)
    time.sleep(1.1)
    between = datetime.now(UTC)
    time.sleep(1.1)
    apikeys.create(db, "After Insurance")
    subprocess.run(sync, check=True, capture_output=True)
    db.close()
    monkeypatch.setenv("FINDER_REPLICA_URL", config["REPLICA_URL"])
    for folder, when in (("then", between.isoformat()), ("now", None)):
        options = ["--timestamp", when] if when else []
        result = runner.invoke(cli, ["restore", "--to", str(tmp_path / folder), *options])
        assert result.exit_code == 0, result.output
    names = {folder: key_names(tmp_path / folder) for folder in ("then", "now")}
    assert names == {
        "then": ["Before Insurance"],
        "now": ["Before Insurance", "After Insurance"],
    }
    # Litestream 0.5 finds no copy for a time after the replica's last write either: the
    # message must not claim there is none before it, and must say how to get the newest.
    later = datetime.now(UTC).replace(year=2099).isoformat()
    result = runner.invoke(cli, ["restore", "--to", str(tmp_path / "later"), "--timestamp", later])
    assert result.exit_code == 1
    assert "at or before" not in result.output
    assert "leave out --timestamp" in result.output
