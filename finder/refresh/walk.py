"""Refresh the directory from the public registers: politely, resumably, one page at a time.

- GOsC and GCC: walk each register's location search from centres covering the UK
  (`centres`), page by page with the register module's own `iter_search_pages`, each page
  asked through RegisterClients like every check; each page lands in one transaction together
  with the checkpoint (`pages`), so Ctrl-C or a crash loses nothing and `resume` goes on from
  the next page.
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
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

import scrapers
from finder import directory, times
from finder.db import transaction
from finder.errors import InvalidInput
from finder.refresh import centres as centre_plans
from finder.refresh import recheck as refresh_checks
from finder.refresh.centres import Centre
from finder.refresh.pages import apply_page, prepare_page
from finder.refresh.runs import (
    Options,
    PageBudget,
    Progress,
    RefreshLock,
    RefreshStopped,
    failure_notice,
    progress_row,
    record_error,
    set_state,
    start_run,
    summary,
    unfinished_run,
    without_url,
)
from scrapers import paging
from scrapers.errors import LayoutChanged, RegisterUnavailable, RobotsDisallowed

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
                    _walk(db, run_id, register, options, budget)
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


# --- GOsC and GCC: walking the location searches -------------------------------------------


@dataclass
class _Search:
    """One search of a walk and how far it got: the page it is reading, the pages it read."""

    register: str
    index: int  # of its centre in the plan
    centre: Centre
    page: int
    read: int = 0

    @property
    def place(self) -> str:
        return f"{self.centre.label} page {self.page}"


def _walk(db, run_id: int, register: str, options: Options, budget: PageBudget) -> None:
    plan = (options.centres or {}).get(register) or centre_plans.plan_for(
        options.postcodes, register
    )
    progress = progress_row(db, run_id, register)
    set_state(db, run_id, register, "walking")
    _report(db, run_id, register, progress["centre"], len(plan), options)  # started
    failures = 0  # failures in a row: a page read in between starts the count again
    for index in range(progress["centre"], len(plan)):
        first_page = progress["page"] + 1 if index == progress["centre"] else 1
        search = _Search(register, index, plan[index], first_page)
        try:
            _walk_search(db, run_id, search, len(plan), options, budget)
        except LayoutChanged as error:
            # A redesigned page fails everywhere: stop, keep the checkpoint, fix the parser.
            record_error(db, run_id, register, search.place, error, skipped=False)
            set_state(db, run_id, register, "failed")
            return
        except (RegisterUnavailable, RobotsDisallowed) as error:
            failures = 1 if search.read else failures + 1
            most = refresh_checks.MAX_CONSECUTIVE_FAILURES
            notice = failure_notice(
                f"{search.place}: {without_url(error)}", failures, most, stopping=failures >= most
            )
            _report(db, run_id, register, index, len(plan), options, reason=notice)
            if failures >= most:
                record_error(db, run_id, register, search.place, error, skipped=False)
                set_state(db, run_id, register, "failed")
                return
            # Skip the rest of this search (the walk is then incomplete), and wait out the
            # register's pause after an outage, so the next search asks it again.
            record_error(db, run_id, register, search.place, error, skipped=True)
            options.clients.wait_out_pause(register)
        else:
            failures = 0
        with db.conn:
            db.execute(
                "update refresh_progress set centre = ?, page = 0 where run_id = ? "
                "and register = ?",
                (index + 1, run_id, register),
            )
        _report(db, run_id, register, index + 1, len(plan), options)
    refresh_checks.drain_queue(db, run_id, register, options, budget)
    _finish_walk(db, run_id, register)


def _walk_search(
    db, run_id: int, search: _Search, total: int, options: Options, budget: PageBudget
) -> None:
    """Read, write and checkpoint each page of one search, from `search.page` on. Raises the
    scrapers' errors; the pages before the error are written."""
    register, centre, start = search.register, search.centre, search.page
    cap = paging.MAX_PAGES_PER_SEARCH
    module = scrapers.register_module(register)
    # Each page is asked under the register's lock and outage pause, as every check is.
    pages = options.clients.ask_each(
        register,
        lambda session, base_url: module.iter_search_pages(
            session, base_url, centre.label, latitude=centre.latitude,
            longitude=centre.longitude, radius=centre_plans.RADIUS_MILES[register],
            start_page=start, max_pages=cap,
        ),
    )  # fmt: skip
    while search.page <= cap:
        budget.spend()
        result = next(pages, None)
        if result is None:
            return  # the register's last page was empty
        prepared = prepare_page(db, options.clients, result, options.postcodes)
        # The last page of a search moves the checkpoint on to the next search.
        after = (search.index + 1, 0) if result.at_end else (search.index, search.page)
        checkpoint = _checkpoint(run_id, register, *after)
        apply_page(db, run_id, register, prepared, checkpoint)
        if options.on_saved is not None:
            options.on_saved(register)
        search.read += 1
        log.info(
            "refresh run %d %s centre %s page %d: %d practices, %d practitioners, "
            "%d without a location",
            run_id, register, centre.label, search.page, len(prepared.practices),
            len(prepared.practitioners), len(prepared.unlocated),
        )  # fmt: skip
        _report(db, run_id, register, search.index, total, options)
        if result.at_end:
            return
        search.page += 1
    # The cap, not the register, ended this search: what lies beyond it is unknown, so the
    # walk is incomplete and must retire nothing.
    record_error(
        db, run_id, register, f"{centre.label} page {cap}",
        Exception(
            f"search stopped after {cap} pages without reaching the last page (paging may be "
            "broken): skipped the rest, nothing retired"
        ),
        skipped=True,
    )  # fmt: skip


def _checkpoint(run_id: int, register: str, index: int, page: int) -> Callable:
    def save(tx) -> None:
        tx.conn.execute(
            "update refresh_progress set centre = ?, page = ?, pages = pages + 1 "
            "where run_id = ? and register = ?",
            (index, page, run_id, register),
        )

    return save


def _report(
    db, run_id: int, register: str, done: int, total: int, options: Options, reason=None
) -> None:
    if options.progress is not None:
        pages = progress_row(db, run_id, register)["pages"]
        options.progress(Progress(register, done, total, pages, reason))


def _finish_walk(db, run_id: int, register: str) -> None:
    skipped = db.execute(
        "select count(*) from refresh_errors where run_id = ? and register = ? and skipped",
        (run_id, register),
    ).fetchone()[0]
    if skipped:
        set_state(db, run_id, register, "done_with_errors")
        return
    reason = f"no longer listed by {register.upper()} (refresh run {run_id})"
    seen = "select key from refresh_seen where run_id = ? and register = ? and kind = ?"
    with transaction(db) as tx:
        gone_practices = [
            key
            for (key,) in tx.conn.execute(
                f"select key from practices where source = ? and retired_at is null "
                f"and key not in ({seen})",
                (register, run_id, register, "practice"),
            )
        ]
        gone_practitioners = tx.conn.execute(
            f"select register, registration_number from practitioners where register = ? "
            f"and source = ? and retired_at is null "
            f"and register || '|' || registration_number not in ({seen})",
            (register, register, run_id, register, "practitioner"),
        ).fetchall()
        directory.retire_practices(tx, gone_practices, reason)
        directory.retire_practitioners(tx, gone_practitioners, reason)
        tx.conn.executemany(
            "insert or replace into refresh_seen values (?, ?, ?, ?, 'retired', null)",
            [(run_id, register, "practice", key) for key in gone_practices]
            + [(run_id, register, "practitioner", "|".join(pair)) for pair in gone_practitioners],
        )
        # Who works where: links of this register's practices that the walk did not show.
        unseen_links = tx.conn.execute(
            f"""select p.key, l.register, l.registration_number
            from practice_practitioners l join practices p on p.id = l.practice_id
            where p.source = ? and p.key in ({seen})
            and p.key || '|' || l.register || '|' || l.registration_number not in ({seen})""",
            (register, run_id, register, "practice", run_id, register, "link"),
        ).fetchall()
        directory.unlink_practitioners(tx, unseen_links)
        tx.conn.execute(
            "update refresh_progress set state = 'done' where run_id = ? and register = ?",
            (run_id, register),
        )


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
