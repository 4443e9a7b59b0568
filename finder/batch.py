"""One transaction around many directory writes, so readers see all of them or none.

finder.directory's upsert functions each commit (`with db.conn:`). A refresh page or an import
must land as a whole, so `transaction(db)` opens one write transaction and hands back a view of
the database whose `with db.conn:` joins it instead of committing. Readers on other connections
(WAL) keep seeing the state before it until it commits.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlite_utils


class _JoinedConnection:
    """The real connection, except that `with conn:` neither commits nor rolls back."""

    def __init__(self, conn) -> None:
        self._conn = conn

    def __getattr__(self, name: str):
        return getattr(self._conn, name)

    def __enter__(self) -> _JoinedConnection:
        return self

    def __exit__(self, *exc_info: object) -> bool:
        return False  # the outer transaction decides


class _InTransaction:
    """A stand-in for the Database whose `conn` joins the open transaction."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self._db = db
        self.conn = _JoinedConnection(db.conn)

    def __getattr__(self, name: str):
        return getattr(self._db, name)


@contextmanager
def transaction(db: sqlite_utils.Database, *, commit: bool = True) -> Iterator:
    """Run the block in one write transaction; `commit=False` rolls it back (a dry run)."""
    if db.conn.in_transaction:
        db.conn.commit()  # an implicit transaction left open by a plain statement
    db.conn.execute("begin immediate")
    try:
        yield _InTransaction(db)
    except BaseException:
        db.conn.rollback()
        raise
    if commit:
        db.conn.commit()
    else:
        db.conn.rollback()


def changed(db, run) -> bool:
    """True when `run()` (one upsert) wrote a row: SQLite's total_changes moved."""
    before = db.conn.total_changes
    run()
    return db.conn.total_changes != before
