"""The database handles requests use.

- get_db() and get_postcodes(): one handle per request, opened on first use and closed at
  teardown. For writes (checks, API keys) and the health check.
- reader_db() and reader_postcodes(): this thread's handles, kept open across requests, for
  reading on every page and search. Opening SQLite costs more than most pages' own queries:
  about 2 ms for the main database, whose triggers are parsed on first use, then a cold page
  cache, and a WAL checkpoint when the last connection closes. A WAL reader kept open still
  sees every new commit. Both are opened again when the data folder changes, and the postcode
  table when it is rebuilt (looked at at most once a RECHECK_SECONDS, not on every request).
  On a reader node (FINDER_ROLE=reader) the main database is the node's read-only copy, opened
  again the same way when `finder restore --follow` renames a fresh one into place.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlite_utils
from flask import Flask, current_app, g

from finder import db as database
from finder import replication
from finder.errors import DataMissing
from finder.places.postcodes import PostcodeTable

RECHECK_SECONDS = 1.0  # a rebuilt postcode table is noticed within this long


def get_db() -> sqlite_utils.Database:
    if "db" not in g:
        g.db = _open_main(database.main_db_path(current_app.config["DATA_DIR"]))
    return g.db


def _open_main(path: Path) -> sqlite_utils.Database:
    """The main database; on a reader node (FINDER_ROLE=reader) its read-only copy, which
    `finder restore --follow` replaces by renaming a new one into place."""
    if current_app.config.get("ROLE") != "reader":
        return database.connect(path)
    if not path.exists():
        raise DataMissing(
            "This reader has no copy of finder.db yet: run `finder restore --follow --to "
            "FINDER_DATA_DIR` beside it (docs/operations.md)."
        )
    return replication.open_copy(path)


def get_postcodes() -> PostcodeTable:
    if "postcodes" not in g:
        g.postcodes = PostcodeTable(database.postcodes_db_path(current_app.config["DATA_DIR"]))
    return g.postcodes


def _close(_error: BaseException | None = None) -> None:
    for name in ("db", "postcodes"):
        handle = g.pop(name, None)
        if handle is not None:
            handle.close()


def init_app(app: Flask) -> None:
    app.teardown_appcontext(_close)


_threads = threading.local()


def _kept(slot: str, key: object, open_handle: Callable[[], Any]) -> Any:
    """This thread's handle in `slot`, opened again when `key` (what it was opened on) moves."""
    kept = getattr(_threads, slot, None)
    if kept is not None and kept[0] == key:
        return kept[1]
    if kept is not None:
        delattr(_threads, slot)  # never hand out a closed handle, even if opening fails
        kept[1].close()
    handle = open_handle()
    setattr(_threads, slot, (key, handle))
    return handle


def reader_db() -> sqlite_utils.Database:
    """This thread's connection to the main database, for reads. Kept while the data folder
    is the same: finder.db is never replaced under a running service (renaming a file over a
    WAL database that is open corrupts it; docs/operations.md says how to restore one)."""
    path = Path(current_app.config["DATA_DIR"]).expanduser() / database.MAIN_DB_NAME
    if current_app.config.get("ROLE") == "reader":  # a copy swapped in whole: follow its inode
        seen = _inode("main_seen", path)
        return _kept("main", seen or str(path), lambda: _open_main(path))
    return _kept("main", str(path), lambda: database.connect(path))


def reader_postcodes() -> PostcodeTable:
    """This thread's postcode table, opened again when `finder postcodes build` has renamed a
    new one into place (its inode changes; the table is read-only and keeps no WAL). Without
    a table, get_postcodes() raises the error that says how to build it."""
    path = database.postcodes_db_path(current_app.config["DATA_DIR"])
    seen = _inode("postcodes_seen", path)
    if seen is None:  # missing, or not ours to read
        return get_postcodes()
    return _kept("postcodes", seen, lambda: PostcodeTable(path))


def _inode(slot: str, path: Path) -> tuple[str, int] | None:
    """(path, inode) of a file replaced by renaming, looked at at most once a RECHECK_SECONDS
    by this thread; None when it is missing."""
    seen = getattr(_threads, slot, None)  # (path, inode, look again after)
    now = time.monotonic()
    if seen is None or seen[0] != str(path) or now >= seen[2]:
        try:
            inode = os.stat(path).st_ino
        except OSError:
            return None
        seen = (str(path), inode, now + RECHECK_SECONDS)
        setattr(_threads, slot, seen)
    return seen[:2]


def reader_handles() -> tuple[sqlite_utils.Database, PostcodeTable]:
    """(main database, postcode table) for a search, both this thread's."""
    return reader_db(), reader_postcodes()
