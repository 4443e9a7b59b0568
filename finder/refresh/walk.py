"""Refresh the directory from the public registers: politely, resumably, one page at a time.

- GOsC and GCC: walk each register's location search from centres covering the UK
  (finder.centres), following every page; each page lands in one transaction together with the
  checkpoint (finder.refresh_pages), so Ctrl-C or a crash loses nothing and `resume` goes on
  from the next page.
- HCPC: re-check every physiotherapist in the directory by number (registrations.check); HCPC
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

from finder import registrations, times
from finder.db import transaction
from finder.errors import InvalidInput
from finder.refresh import centres as centre_plans
from finder.refresh import recheck as refresh_checks
from finder.refresh.pages import apply_page, fetch_page, prepare_gcc, prepare_gosc
from finder.refresh.runs import (
    Progress,
    RefreshLock,
    RefreshStopped,
    progress_row,
    record_error,
    set_state,
    spend,
    start_run,
    summary,
    unfinished_run,
)
from scrapers.errors import LayoutChanged, RegisterUnavailable, RobotsDisallowed

log = logging.getLogger("finder.refresh")


WALK_ORDER = ("gosc", "gcc", "hcpc")  # the order a refresh of all of them takes
MAX_PAGES_PER_SEARCH = 200  # a search longer than this means paging is broken


@dataclass
class Options:
    clients: registrations.RegisterClients
    postcodes: object  # a PostcodeTable
    centres: dict | None = None  # register -> list[Centre]; planned from postcodes when None
    max_pages: int | None = None  # page budget for this invocation
    progress: Callable[[Progress], None] | None = None


def run(db: sqlite_utils.Database, run_id: int, options: Options) -> dict:
    """Carry a run forward from its checkpoint to the end (or the page budget); its summary."""
    registers = json.loads(
        db.execute("select registers from refresh_runs where id = ?", (run_id,)).fetchone()[0]
    )
    budget = [options.max_pages]
    try:
        for register in registers:
            state = progress_row(db, run_id, register)["state"]
            if state in ("done", "done_with_errors"):
                continue
            started = time.monotonic()
            try:
                if register == "hcpc":
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


def _walk(db, run_id: int, register: str, options: Options, budget: list) -> None:
    plan = (options.centres or {}).get(register) or centre_plans.plan_for(
        options.postcodes, register
    )
    radius = centre_plans.RADIUS_MILES[register]
    session = options.clients.sessions[register]
    base_url = options.clients.base_urls[register]
    progress = progress_row(db, run_id, register)
    set_state(db, run_id, register, "walking")
    failures = 0
    for index in range(progress["centre"], len(plan)):
        centre = plan[index]
        page = progress["page"] + 1 if index == progress["centre"] else 1
        previous = None
        while page <= MAX_PAGES_PER_SEARCH:
            spend(budget)
            place = f"{centre.label} page {page}"
            try:
                result = fetch_page(session, register, base_url, centre, radius, page)
                if result.items and result.items == previous:
                    raise LayoutChanged("page parameter ignored: same results twice", place)
                if register == "gosc":
                    prepared = prepare_gosc(db, session, result, options.postcodes)
                else:
                    prepared = prepare_gcc(result, options.postcodes)
            except LayoutChanged as error:
                # A redesigned page fails everywhere: stop, keep the checkpoint, fix the parser.
                record_error(db, run_id, register, place, error, skipped=False)
                set_state(db, run_id, register, "failed")
                return
            except (RegisterUnavailable, RobotsDisallowed) as error:
                failures += 1
                if failures >= refresh_checks.MAX_CONSECUTIVE_FAILURES:
                    record_error(db, run_id, register, place, error, skipped=False)
                    set_state(db, run_id, register, "failed")
                    return
                record_error(db, run_id, register, place, error, skipped=True)
                break  # skip the rest of this search; the walk is then incomplete
            failures = 0
            if not result.items:
                break
            previous = result.items
            apply_page(db, run_id, register, prepared, _checkpoint(run_id, register, index, page))
            log.info(
                "refresh run %d %s centre %s page %d: %d practices, %d practitioners, "
                "%d without a location",
                run_id, register, centre.label, page, len(prepared.practices),
                len(prepared.practitioners), len(prepared.unlocated),
            )  # fmt: skip
            refresh_checks.record_checks(db, prepared.registrations, options.clients)
            _report(db, run_id, register, index, len(plan), options)
            if result.at_end:
                break
            page += 1
        else:
            # The cap, not the register, ended this search: what lies beyond it is unknown, so
            # the walk is incomplete and must retire nothing.
            record_error(
                db, run_id, register, f"{centre.label} page {MAX_PAGES_PER_SEARCH}",
                Exception(
                    f"search stopped after {MAX_PAGES_PER_SEARCH} pages without reaching the "
                    "last page (paging may be broken): skipped the rest, nothing retired"
                ),
                skipped=True,
            )  # fmt: skip
        with db.conn:
            db.execute(
                "update refresh_progress set centre = ?, page = 0 where run_id = ? "
                "and register = ?",
                (index + 1, run_id, register),
            )
        _report(db, run_id, register, index + 1, len(plan), options)
    refresh_checks.drain_queue(db, run_id, register, options, budget)
    _finish_walk(db, run_id, register)


def _checkpoint(run_id: int, register: str, index: int, page: int) -> Callable:
    def save(tx) -> None:
        tx.conn.execute(
            "update refresh_progress set centre = ?, page = ?, pages = pages + 1 "
            "where run_id = ? and register = ?",
            (index, page, run_id, register),
        )

    return save


def _report(db, run_id: int, register: str, done: int, total: int, options: Options) -> None:
    if options.progress is not None:
        pages = progress_row(db, run_id, register)["pages"]
        options.progress(Progress(register, done, total, pages))


def _finish_walk(db, run_id: int, register: str) -> None:
    skipped = db.execute(
        "select count(*) from refresh_errors where run_id = ? and register = ? and skipped",
        (run_id, register),
    ).fetchone()[0]
    if skipped:
        set_state(db, run_id, register, "done_with_errors")
        return
    reason = f"no longer listed by {register.upper()} (refresh run {run_id})"
    now = times.now_iso()
    seen = "select key from refresh_seen where run_id = ? and register = ? and kind = ?"
    with transaction(db) as tx:
        for kind, table, key_sql in (
            ("practice", "practices", "key"),
            ("practitioner", "practitioners", "register || '|' || registration_number"),
        ):
            filter_sql = f"{'source' if kind == 'practice' else 'register'} = ?"
            gone = tx.conn.execute(
                f"select {key_sql} from {table} where {filter_sql} and source = ? "
                f"and retired_at is null and {key_sql} not in ({seen})",
                (register, register, run_id, register, kind),
            ).fetchall()
            tx.conn.executemany(
                f"update {table} set retired_at = ?, retired_reason = ? where {key_sql} = ?",
                [(now, reason, key) for (key,) in gone],
            )
            tx.conn.executemany(
                "insert or replace into refresh_seen values (?, ?, ?, ?, 'retired', null)",
                [(run_id, register, kind, key) for (key,) in gone],
            )
        # Who works where: links of this register's practices that the walk did not show.
        tx.conn.execute(
            """delete from practice_practitioners where practice_id in (select p.id
                from practices p join refresh_seen s on s.key = p.key and s.kind = 'practice'
                where s.run_id = ? and s.register = ? and p.source = s.register)
            and not exists (select 1 from refresh_seen s join practices p
                on p.id = practice_practitioners.practice_id
                where s.run_id = ? and s.register = ? and s.kind = 'link'
                and s.key = p.key || '|' || practice_practitioners.register || '|'
                    || practice_practitioners.registration_number)""",
            (run_id, register, run_id, register),
        )
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
) -> dict:
    """Start (or resume) a refresh under the lock and return its summary.

    A dry run works on a copy of the database, so the real one (and its checkpoint) is
    untouched while the summary says what a real run would change.
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
    return result
