"""One database handle per request, opened on first use and closed at teardown."""

from __future__ import annotations

import sqlite_utils
from flask import Flask, current_app, g

from finder import db as database
from finder.postcodes import PostcodeTable


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
