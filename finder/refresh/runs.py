"""Refresh runs: their options, the lock, the run and checkpoint rows, the page budget,
errors, and the summary."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from finder import times
from finder.db import transaction
from finder.errors import FinderError
from finder.places.postcodes import PostcodeTable
from finder.processlock import ProcessLock
from finder.refresh.centres import Centre
from finder.registrations import RegisterClients


class RefreshLocked(FinderError):
    code = "refresh_running"
    status = 409


class RefreshStopped(Exception):
    """The page budget (--max-pages) ran out; the checkpoint is saved."""


@dataclass(frozen=True)
class Progress:
    register: str
    done: int  # pages of a whole-register walk, or search centres walked (HCPC: checks)
    total: int  # a whole-register walk: pages expected, from the last walk or the directory
    pages: int  # pages (HCPC: checks) so far in this run
    reason: str | None = None  # why the register did not answer, and what the refresh does now


@dataclass
class Options:
    clients: RegisterClients
    postcodes: PostcodeTable
    centres: dict[str, list[Centre]] | None = None  # planned from postcodes when None
    # GOsC and GCC: list the whole register where it allows that, else search the centres.
    # False walks the centres straight away (the bench compares the two).
    whole_register: bool = True
    max_pages: int | None = None  # page budget for this invocation
    # A complete walk that no longer lists more than this share of a register's practices is
    # more likely a register listing fewer than it should (a filter ignored, a page cut short)
    # than that many closures: it retires nothing and says so. 1.0 lets any share go.
    max_retire_share: float = 0.2
    progress: Callable[[Progress], None] | None = None
    # Called with the register after each page (HCPC: check) is saved. Only tests set it: the
    # crash test kills the process there, at a point it chooses.
    on_saved: Callable[[str], None] | None = None


class RefreshLock(ProcessLock):
    """Only one refresh at a time per data folder."""

    def __init__(self, data_dir: str | os.PathLike) -> None:
        super().__init__(Path(data_dir) / "refresh.lock")

    def busy(self, holder: str) -> RefreshLocked:
        return RefreshLocked(
            f"Another refresh is running ({holder}): wait for it to finish, or stop it "
            "and run `finder refresh --resume`."
        )


def start_run(db: sqlite_utils.Database, registers: list[str]) -> int:
    with transaction(db) as tx:
        tx.conn.execute(
            "update refresh_runs set state = 'abandoned' where state in ('running', 'stopped')"
        )
        run_id = tx.conn.execute(
            "insert into refresh_runs (registers, started_at, state) values (?, ?, 'running')",
            (json.dumps(registers), times.now_iso()),
        ).lastrowid
        tx.conn.executemany(
            "insert into refresh_progress (run_id, register) values (?, ?)",
            [(run_id, register) for register in registers],
        )
    return run_id


def unfinished_run(db: sqlite_utils.Database) -> int | None:
    row = db.execute(
        "select id from refresh_runs where state in ('running', 'stopped') order by id desc"
    ).fetchone()
    return row[0] if row else None


def progress_row(db, run_id: int, register: str) -> dict:
    cursor = db.execute(
        "select * from refresh_progress where run_id = ? and register = ?", (run_id, register)
    )
    names = [d[0] for d in cursor.description]
    return dict(zip(names, cursor.fetchone(), strict=True))


class PageBudget:
    """How many more pages (HCPC: checks) this invocation may ask for (--max-pages)."""

    def __init__(self, pages: int | None) -> None:
        self.left = pages  # None: no limit

    def spend(self) -> None:
        """Count one more page; RefreshStopped when none is left."""
        if self.left is None:
            return
        if self.left <= 0:
            raise RefreshStopped
        self.left -= 1


def record_error(
    db, run_id: int, register: str, place: str, error: Exception, skipped: bool
) -> None:
    with db.conn:
        db.execute(
            "insert into refresh_errors (run_id, register, at, place, message, skipped) "
            "values (?, ?, ?, ?, ?, ?)",
            (run_id, register, times.now_iso(), place, str(error), int(skipped)),
        )


def without_url(error: Exception) -> str:
    """The error's words without the URL the scrapers append, for a line a person reads (the
    summary's errors keep the URL for the operator)."""
    text, url = str(error), getattr(error, "url", None)
    return text.removesuffix(f" ({url})") if url else text


def failure_notice(
    message: str, failures: int, most: int, *, stopping: bool, skipped: bool = True
) -> str:
    """One line for someone watching: what went wrong, and what the refresh does about it
    (a whole-register walk skips nothing: it asks for the same page again)."""
    if stopping:
        return f"{message}; {failures} failures in a row, so this register is left for now"
    then = (
        "skipped, and waiting out the register's pause before going on"
        if skipped
        else "waiting out the register's pause, then asking for the same page again"
    )
    return f"{message}; {then} ({failures} of {most} failures in a row)"


def set_state(db, run_id: int, register: str, state: str) -> None:
    with db.conn:
        db.execute(
            "update refresh_progress set state = ? where run_id = ? and register = ?",
            (state, run_id, register),
        )


def summary(db: sqlite_utils.Database, run_id: int) -> dict:
    run_row = db.execute(
        "select registers, started_at, finished_at, state from refresh_runs where id = ?",
        (run_id,),
    ).fetchone()
    registers = json.loads(run_row[0])
    result = {"run": run_id, "state": run_row[3], "started_at": run_row[1],
              "finished_at": run_row[2], "registers": {}}  # fmt: skip
    for register in registers:
        progress = progress_row(db, run_id, register)
        counts = {}
        for kind in ("practice", "practitioner"):
            rows = db.execute(
                "select action, count(*) from refresh_seen where run_id = ? and register = ? "
                "and kind = ? group by action",
                (run_id, register, kind),
            ).fetchall()
            tally = dict.fromkeys(("added", "updated", "unchanged", "retired"), 0)
            tally.update(dict(rows))
            counts[f"{kind}s"] = tally
        unlocated = db.execute(
            "select key, note from refresh_seen where run_id = ? and register = ? "
            "and kind = 'practice' and note is not null order by key",
            (run_id, register),
        ).fetchall()
        errors = db.execute(
            "select place, message from refresh_errors where run_id = ? and register = ? "
            "order by id",
            (run_id, register),
        ).fetchall()
        result["registers"][register] = {
            **counts,
            "state": progress["state"],
            "walk": progress["walk"] or None,  # 'whole:N' | 'centres'; HCPC: None
            "walk_note": progress["walk_note"],  # why the walk fell back to the centres
            "pages": progress["pages"],
            "seconds": round(progress["seconds"], 1),
            "unlocated": [{"practice": key, "reason": note} for key, note in unlocated],
            "errors": [{"where": place, "message": message} for place, message in errors],
        }
    return result
