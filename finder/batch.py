"""One transaction around many directory writes, so readers see all of them or none.

A refresh page or an import must land as a whole. `transaction(db)` opens one write
transaction; finder.directory's writes (through `finder.db.atomic`) join it instead of
committing on their own. Readers on other connections (WAL) keep seeing the state before it
until it commits. Inside it, write with SQL or finder.directory, not sqlite-utils table methods:
those commit.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlite_utils


@contextmanager
def transaction(db: sqlite_utils.Database, *, commit: bool = True) -> Iterator:
    """Run the block in one write transaction; `commit=False` rolls it back (a dry run)."""
    if db.conn.in_transaction:
        db.conn.commit()  # an implicit transaction left open by a plain statement
    db.conn.execute("begin immediate")
    try:
        yield db
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
