"""Refresh the directory from the public registers: politely, resumably, one page at a time.

- GOsC and GCC: walk the whole register page by page where it allows that, else its location
  search from centres covering the UK (`searches`, `centres`), each page asked through
  RegisterClients like every check; each page lands in one transaction together with the
  checkpoint (`pages`), so Ctrl-C or a crash loses nothing and `resume` goes on from the next
  page. Every refresh reads each listed osteopath's GOsC entry once, so statuses stay current.
- HCPC: re-check every physiotherapist in the directory by number (`recheck`); HCPC
  has no location search and its list pages are off limits (robots.txt).
- After a complete walk, practices and practitioners the register no longer lists are retired
  (kept, with when and why) and drop out of search. A walk that skipped a search because of an
  error retires nothing: absence from an incomplete walk proves nothing.

Tables (owned here): refresh_runs, refresh_progress (the checkpoint), refresh_seen (what a run
has seen, and whether it was added, updated or unchanged), refresh_errors, gosc_registrants
(GOsC's internal ids -> registration numbers), plus retired_reason on practices/practitioners.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import tempfile
import time
from pathlib import Path

import sqlite_utils

from finder import directory, times
from finder.errors import InvalidInput
from finder.refresh import recheck as refresh_checks
from finder.refresh.runs import (
    Options,
    PageBudget,
    RefreshLock,
    RefreshStopped,
    progress_row,
    start_run,
    summary,
    unfinished_run,
)
from finder.refresh.searches import walk_register

log = logging.getLogger("finder.refresh")


WALK_ORDER = ("gosc", "gcc", "hcpc")  # the order a refresh of all of them takes


def run(db: sqlite_utils.Database, run_id: int, options: Options) -> dict:
    """Carry a run forward from its checkpoint to the end (or the page budget); its summary."""
    registers = json.loads(
        db.execute("select registers from refresh_runs where id = ?", (run_id,)).fetchone()[0]
    )
    budget = PageBudget(options.max_pages)
    try:
        for register in registers:
            state = progress_row(db, run_id, register)["state"]
            if state in ("done", "done_with_errors"):
                continue
            started = time.monotonic()
            try:
                if register == "hcpc":  # no location search: a re-check of every number
                    refresh_checks.check_physiotherapists(db, run_id, options, budget)
                else:
                    walk_register(db, run_id, register, options, budget)
            finally:
                db.execute(
                    "update refresh_progress set seconds = seconds + ? "
                    "where run_id = ? and register = ?",
                    (time.monotonic() - started, run_id, register),
                )
                db.conn.commit()
        finished = all(
            progress_row(db, run_id, r)["state"] in ("done", "done_with_errors") for r in registers
        )
        state = "finished" if finished else "stopped"
    except RefreshStopped:
        state = "stopped"
    with db.conn:
        db.execute(
            "update refresh_runs set state = ?, finished_at = ? where id = ?",
            (state, times.now_iso() if state == "finished" else None, run_id),
        )
    return summary(db, run_id)


# --- the whole command ---------------------------------------------------------------------


def refresh(
    db_path: str | os.PathLike,
    registers: list[str],
    options: Options,
    *,
    resume: bool = False,
    dry_run: bool = False,
    replace_sample: bool = False,
) -> dict:
    """Start (or resume) a refresh under the lock and return its summary.

    A dry run works on a copy of the database, so the real one (and its checkpoint) is
    untouched while the summary says what a real run would change.

    A folder holding the sample directory (`finder demo`) is refused (SampleDataPresent), so
    no register is ever asked about a made-up number and real rows never mix with made-up
    ones; `replace_sample` removes the sample first, in its own transaction.
    """
    from finder import db as finder_db

    db_path = Path(db_path)
    with RefreshLock(db_path.parent), tempfile.TemporaryDirectory() as scratch:
        if dry_run:
            if resume:
                raise InvalidInput("A dry run cannot resume a run: drop --resume or --dry-run.")
            source = finder_db.connect(db_path)
            db_path = Path(scratch) / db_path.name
            copy = sqlite3.connect(db_path)
            source.conn.backup(copy)
            copy.close()
            source.close()
        database = finder_db.connect(db_path)
        try:
            finder_db.migrate(database)
            removed = _without_sample(database, replace_sample)
            if resume:
                run_id = unfinished_run(database)
                if run_id is None:
                    raise InvalidInput(
                        "There is no unfinished refresh to resume: run `finder refresh`.",
                        code="nothing_to_resume",
                    )
            else:
                run_id = start_run(database, registers)
            result = run(database, run_id, options)
        finally:
            database.close()
    result["dry_run"] = dry_run
    result["sample_practices_removed"] = removed
    return result


def _without_sample(database: sqlite_utils.Database, replace_sample: bool) -> int:
    """Refuse a folder holding the sample, or take the sample out: how many practices went."""
    if not directory.sample_present(database):
        return 0
    if not replace_sample:
        raise directory.SampleDataPresent(
            "This folder holds the sample directory: run `finder demo --remove` first, "
            "or add --replace-sample."
        )
    return directory.remove_sample(database).practices
