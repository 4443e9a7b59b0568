"""A reader node's copy of finder.db, kept current from the replica by restore-and-swap.

`follow` restores the replica's newest copy beside the served one every FINDER_READER_REFRESH
seconds, turns it into a single-file database (rollback journal, no WAL), and renames it over
`finder.db`. The rename is atomic: a reader has the old file or the new one, never half of
either. A file, once renamed into place, is never written again, so readers open it immutable
(no locks, no journal) and open the new one when its inode changes (finder.web.requests_db).

Why not Litestream's own `restore -f`: it writes pages into the served file in place, and its
first copy is left in WAL mode, where SQLite readers would not see those writes; restoring
whole copies costs a full restore a refresh, which a reader node can afford at finder.db's size
(docs/operations.md gives the figures and when to lengthen the interval).
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
from pathlib import Path
from urllib.parse import quote

import sqlite_utils

from finder import db as database
from finder.replication import heartbeat, litestream

log = logging.getLogger(__name__)

WAL_HEADER = b"\x02\x02"  # bytes 18 and 19 of a database in WAL mode (SQLite file format)


class NotACopy(litestream.ReplicationError):
    """The folder holds a writer's database, which a reader's copy must never replace."""


def open_copy(path: str | os.PathLike) -> sqlite_utils.Database:
    """A reader's copy, read-only and immutable: it never changes once in place."""
    uri = f"file:{quote(str(Path(path).resolve()))}?mode=ro&immutable=1"
    return sqlite_utils.Database(sqlite3.connect(uri, uri=True))


def is_writer_database(path: Path) -> bool:
    """A database in WAL mode is a writer's (a reader's copy keeps a rollback journal)."""
    with open(path, "rb") as file:
        header = file.read(20)
    return header[18:20] == WAL_HEADER


def refresh_copy(config: dict, folder: str | os.PathLike) -> float | None:
    """Put the replica's newest copy in place as `folder`/finder.db; return its lag (seconds
    since the writer's heartbeat in it), None if it holds no heartbeat."""
    url = litestream.replica_url(config)
    folder = Path(folder).expanduser()
    target = database.main_db_path(folder)
    if target.exists() and is_writer_database(target):
        raise NotACopy(
            f"{target} is a writer's database (WAL mode): a reader's copy never replaces one. "
            "Give the reader a folder of its own."
        )
    folder.mkdir(parents=True, exist_ok=True)
    incoming = target.with_name(target.name + ".incoming")
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{incoming}{suffix}").unlink(missing_ok=True)
    litestream.restore(url, incoming)
    db = sqlite_utils.Database(incoming)
    try:
        db.execute("pragma journal_mode = delete")  # one file, no WAL: safe to rename and share
        lag = heartbeat.lag_seconds(db)
    finally:
        db.close()
    os.replace(incoming, target)
    return lag


def copy_lag(path: str | os.PathLike) -> float | None:
    """How far the copy at `path` trails the writer, by its heartbeat (None: none)."""
    db = open_copy(path)
    try:
        return heartbeat.lag_seconds(db)
    finally:
        db.close()


def follow(config: dict, folder: str | os.PathLike, stop: threading.Event | None = None, *,
           report=None) -> None:  # fmt: skip
    """Refresh the copy every FINDER_READER_REFRESH seconds until `stop` is set. A failed
    refresh (replica unreachable) keeps the last copy served; its lag shows on /healthz."""
    stop = stop or threading.Event()
    interval = float(config["READER_REFRESH"])
    if interval <= 0:
        raise litestream.ReplicationError(
            f"FINDER_READER_REFRESH={interval}: expected seconds above 0."
        )
    while not stop.is_set():
        started = time.monotonic()
        try:
            lag = refresh_copy(config, folder)
            if report:
                report(lag, time.monotonic() - started, None)
        except NotACopy:
            raise
        except litestream.ReplicationError as error:
            log.warning("reader copy not refreshed: %s", error.message)
            if report:
                report(None, time.monotonic() - started, error.message)
        stop.wait(max(0.0, interval - (time.monotonic() - started)))
