"""The writer's machine dies (SIGKILL to the service and to `finder replicate`, and so to
Litestream) while it records checks; a restore into a new folder holds every check the
service acknowledged more than one sync interval before the kill, in an intact database."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from fakeregister import fake_register

SYNC_INTERVAL = 0.5
FINDER = str(Path(sys.executable).parent / "finder")
NUMBERS = [f"PH9{index:05d}" for index in range(2000)]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start(command: list[str], log: Path, env: dict) -> subprocess.Popen:
    with log.open("wb") as output:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, env=env)


def wait_for(condition, what: str, logs: dict[str, Path], timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.05)
    said = "\n".join(f"--- {name}:\n{path.read_text()[-3000:]}" for name, path in logs.items())
    raise AssertionError(f"timed out waiting for {what}\n{said}")


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@pytest.fixture
def fake():
    with fake_register() as fake:
        for number in NUMBERS:
            fake.add_hcpc(number, "Ellis Example")
        yield fake


def test_a_restore_after_the_writer_is_killed_holds_every_acknowledged_check(
    data_dir, tmp_path, fake
):
    replica = tmp_path / "replica"
    port = free_port()
    env = {
        **os.environ,
        "FINDER_DATA_DIR": str(data_dir),
        "FINDER_REPLICA_URL": replica.as_uri(),
        "FINDER_REPLICA_SYNC_INTERVAL": str(SYNC_INTERVAL),
        "FINDER_HCPC_URL": fake.base_url("hcpc"),
        "FINDER_REQUEST_INTERVAL": "0",
        "FINDER_PUBLIC_RATE_LIMIT": "0",
        "FINDER_SECRET_KEY": "test",
        "FINDER_CONTACT": "tests <tests@finder.example>",
    }
    logs = {name: tmp_path / f"{name}.log" for name in ("service", "replicator")}
    service = start([FINDER, "serve", "--port", str(port)], logs["service"], env)
    replicator = start([FINDER, "replicate"], logs["replicator"], env)
    base = f"http://127.0.0.1:{port}"
    acknowledged: list[tuple[float, str]] = []
    try:
        wait_for(lambda: answers(f"{base}/healthz"), "the service", logs)
        wait_for(lambda: list(replica.rglob("*.ltx")), "Litestream's first snapshot", logs)
        started = time.monotonic()
        for number in NUMBERS:
            url = f"{base}/api/v1/registrations/hcpc/{number}"
            with urllib.request.urlopen(url, timeout=10) as response:
                body = json.load(response)
            assert (response.status, body["outcome"]) == (200, "registered")
            acknowledged.append((time.monotonic(), number))
            if time.monotonic() - started > 4 * SYNC_INTERVAL:
                break
        killed_at = time.monotonic()
        replicator.send_signal(signal.SIGKILL)  # Litestream dies with it (PR_SET_PDEATHSIG)
        service.send_signal(signal.SIGKILL)
    finally:
        for process in (replicator, service):
            process.kill()
            process.wait()

    restored = tmp_path / "restored"
    env["FINDER_DATA_DIR"] = str(tmp_path / "unused")
    done = subprocess.run(
        [FINDER, "restore", "--to", str(restored)], capture_output=True, text=True, env=env
    )
    assert done.returncode == 0, done.stderr
    assert "Integrity check: ok." in done.stdout
    with sqlite3.connect(restored / "finder.db") as db:
        assert db.execute("pragma integrity_check").fetchone() == ("ok",)
        recorded = {row[0] for row in db.execute("select registration_number from registrations")}
    due = [number for at, number in acknowledged if at < killed_at - SYNC_INTERVAL]
    assert len(due) >= 10  # enough writes landed before the kill for the check to mean something
    assert [number for number in due if number not in recorded] == []
    counts = dict(line.split()[:2] for line in done.stdout.splitlines() if line.startswith("  "))
    assert int(counts["registrations"].replace(",", "")) == len(recorded)
