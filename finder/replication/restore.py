"""`finder restore`: a copy of finder.db from the replica, checked before anyone uses it.

The copy is restored beside its final name, checked (PRAGMA integrity_check), brought up to
this version's schema (the migrations), and only then renamed to finder.db: a restore that
fails half-way leaves no finder.db that looks whole.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from finder import db as database
from finder import times
from finder.replication import heartbeat, litestream

SIDE_FILES = ("", "-wal", "-shm", "-journal")


@dataclass
class Restored:
    path: Path
    txid: str
    last_beat: str | None  # the writer's newest heartbeat in the copy (ISO 8601), if any
    migrations_applied: list[str] = field(default_factory=list)
    row_counts: dict[str, int] = field(default_factory=dict)


def parse_timestamp(text: str) -> datetime:
    """`--timestamp`: ISO 8601, UTC unless it says otherwise (2026-12-07T10:30:00Z)."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise litestream.ReplicationError(
            f"--timestamp {text!r} is not a time: write it like 2026-12-07T10:30:00Z."
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def refuse_existing(folder: Path) -> None:
    target = database.main_db_path(folder)
    for suffix in SIDE_FILES:
        if Path(f"{target}{suffix}").exists():
            raise litestream.ReplicationError(
                f"{target}{suffix} exists: finder restore never overwrites a database. Restore "
                "into an empty folder, then move the copy in with the service stopped "
                "(docs/operations.md)."
            )


def restore_to(config: dict, folder: str | os.PathLike, timestamp: datetime | None = None):
    """Restore the replica's newest copy (or the one at `timestamp`) into `folder`."""
    url = litestream.replica_url(config)
    folder = Path(folder).expanduser()
    refuse_existing(folder)
    folder.mkdir(parents=True, exist_ok=True)
    target = database.main_db_path(folder)
    incoming = target.with_name(target.name + ".restoring")
    for suffix in SIDE_FILES:  # what an earlier, interrupted restore left
        Path(f"{incoming}{suffix}").unlink(missing_ok=True)
    summary = litestream.restore(url, incoming, timestamp)
    try:
        restored = _check_and_migrate(incoming, str(summary.get("txid", "")))
    except BaseException:
        for suffix in SIDE_FILES:
            Path(f"{incoming}{suffix}").unlink(missing_ok=True)
        raise
    os.replace(incoming, target)
    restored.path = target
    return restored


def _check_and_migrate(path: Path, txid: str) -> Restored:
    db = database.connect(path)
    try:
        problems = [row[0] for row in db.execute("pragma integrity_check").fetchall()]
        if problems != ["ok"]:
            raise litestream.ReplicationError(
                "The restored copy is damaged (PRAGMA integrity_check: "
                + "; ".join(problems[:3])
                + "); it was not kept. Try an earlier --timestamp."
            )
        before = _applied(db)
        database.migrate(db)
        migrations = [name for name in _applied(db) if name not in before]
        beat = heartbeat.last_beat(db)
        counts = {
            name: db.execute(f"select count(*) from [{name}]").fetchone()[0]
            for name in sorted(db.table_names())
            if not name.startswith(("sqlite_", "_litestream"))
        }
        db.execute("pragma journal_mode = delete")  # one file to rename: no -wal beside it
    finally:
        db.close()
    stamp = times.iso(datetime.fromtimestamp(beat, UTC)) if beat is not None else None
    return Restored(path, txid, stamp, migrations, counts)


def _applied(db) -> list[str]:
    if not db["_sqlite_migrations"].exists():
        return []
    return [f"{row[0]}.{row[1]}" for row in db.execute(
        "select migration_set, name from _sqlite_migrations").fetchall()]  # fmt: skip
