"""`finder replicate`: Litestream streaming finder.db to the replica, and the heartbeat.

The command runs Litestream as its child and rewrites the heartbeat while it runs, so every
copy of the database says how old it is. If this process dies, even by SIGKILL, the kernel
stops Litestream too (Linux), so no orphan keeps streaming a database no one watches.
"""

from __future__ import annotations

import ctypes
import shlex
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from finder import db as database
from finder.replication import heartbeat, litestream

SETTINGS_IN_UNIT = ("DATA_DIR", "REPLICA_URL", "REPLICA_SYNC_INTERVAL")


def _die_with_parent() -> None:  # runs in the child between fork and exec
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


class _Stop(Exception):
    pass


def _stop(_signum, _frame) -> None:
    raise _Stop


def replicate(config: dict) -> int:
    """Stream finder.db until Litestream stops or this process is told to (SIGTERM, Ctrl-C);
    returns Litestream's exit status (0 after a clean stop, when its last sync is done)."""
    db = database.open_main(config["DATA_DIR"])  # the writer's database, migrated
    text = litestream.config_yaml(database.main_db_path(config["DATA_DIR"]), config)
    command = litestream.binary()
    with tempfile.TemporaryDirectory(prefix="finder-litestream-") as folder:
        config_path = Path(folder) / "litestream.yml"
        config_path.write_text(text)
        heartbeat.beat(db)
        child = subprocess.Popen(
            [command, "replicate", "-config", str(config_path)], preexec_fn=_die_with_parent
        )
        previous = signal.signal(signal.SIGTERM, _stop)
        try:
            while True:
                try:
                    return child.wait(timeout=heartbeat.HEARTBEAT_SECONDS)
                except subprocess.TimeoutExpired:
                    heartbeat.beat(db)
        except (_Stop, KeyboardInterrupt):
            child.send_signal(signal.SIGTERM)  # Litestream syncs what it has, then exits
            return child.wait()
        finally:
            signal.signal(signal.SIGTERM, previous)
            if child.poll() is None:
                child.kill()
            db.close()


def systemd_unit(config: dict) -> str:
    """A unit that runs `finder replicate` beside the service, restarting it if it stops."""
    litestream.replica_url(config)  # a unit for a missing or wrong URL helps no one
    finder = Path(sys.executable).parent / "finder"  # this virtual environment's command
    environment = [
        f"Environment={shlex.quote(f'FINDER_{name}={config[name]}')}" for name in SETTINGS_IN_UNIT
    ]
    return "\n".join(
        [
            "[Unit]",
            "Description=finder: stream finder.db to its replica (Litestream)",
            "After=network-online.target",
            "Wants=network-online.target",
            "",
            "[Service]",
            *environment,
            "# S3 and other stores: put their credentials in an EnvironmentFile=, not here.",
            f"ExecStart={finder} replicate",
            "Restart=always",
            "RestartSec=5",
            "",
            "[Install]",
            "WantedBy=multi-user.target",
            "",
        ]
    )
