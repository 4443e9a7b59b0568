"""The database handles requests use.

- get_db() and get_postcodes(): one handle per request, opened on first use and closed at
  teardown. For writes (checks, API keys) and the health check.
- reader_db() and reader_postcodes(): this thread's handles, kept open across requests, for
  reading on every page and search. Opening SQLite costs more than most pages' own queries:
  about 2 ms for the main database, whose triggers are parsed on first use, then a cold page
  cache, and a WAL checkpoint when the last connection closes. A WAL reader kept open still
  sees every new commit. A handle is opened again when
  the data folder changes or its file is replaced (`finder postcodes build` renames a new
  table into place), which is looked at at most once a RECHECK_SECONDS, not on every request.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import sqlite_utils
from flask import Flask, current_app, g

from finder import db as database
from finder.postcodes import PostcodeTable

RECHECK_SECONDS = 1.0  # a replaced file is noticed within this long


def get_db() -> sqlite_utils.Database:
    if "db" not in g:
        g.db = database.connect(database.main_db_path(current_app.config["DATA_DIR"]))
    return g.db


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


class _Kept(NamedTuple):
    path: str
    inode: int
    handle: Any  # closed when replaced
    recheck_at: float  # time.monotonic() after which the file's inode is looked at again


_threads = threading.local()


def _kept(slot: str, path: Path, open_handle: Callable[[Path], Any]) -> Any | None:
    """This thread's handle on `path`, opened or reopened as needed; None if there is no file
    (the path is built without making folders: this runs on every request)."""
    kept = getattr(_threads, slot, None)
    now = time.monotonic()
    if kept is not None and kept.path == str(path) and now < kept.recheck_at:
        return kept.handle
    try:
        inode = os.stat(path).st_ino
    except FileNotFoundError:
        return None
    if kept is not None and (kept.path, kept.inode) == (str(path), inode):
        handle = kept.handle
    else:
        if kept is not None:
            kept.handle.close()
        handle = open_handle(path)
    setattr(_threads, slot, _Kept(str(path), inode, handle, now + RECHECK_SECONDS))
    return handle


def reader_db() -> sqlite_utils.Database:
    """This thread's connection to the main database, for reads."""
    path = Path(current_app.config["DATA_DIR"]).expanduser() / database.MAIN_DB_NAME
    return _kept("main", path, database.connect) or get_db()


def reader_postcodes() -> PostcodeTable:
    """This thread's postcode table; without one, get_postcodes() raises the error that says
    how to build it."""
    path = database.postcodes_db_file(current_app.config["DATA_DIR"])
    return _kept("postcodes", path, PostcodeTable) or get_postcodes()


def reader_handles() -> tuple[sqlite_utils.Database, PostcodeTable]:
    """(main database, postcode table) for a search, both this thread's."""
    return reader_db(), reader_postcodes()
