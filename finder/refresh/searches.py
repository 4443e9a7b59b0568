"""Walking GOsC and GCC: the whole register where it lists itself page by page, else the
location searches from search centres covering the UK; then retiring what a complete walk did
not see.

A whole-register walk asks the register's ways of listing every entry (`WHOLE_REGISTER_WALKS`
in its scraper module) in turn: one whose first page lists nobody, is not understood or is
disallowed by robots.txt does not do, and the next is tried, then the centres. Which walk a run
takes, and why the others did not do, is kept with its checkpoint (`refresh_progress.walk`,
`walk_note`), shown in the summary and logged, so `--resume` goes on the same way.

Every page is asked through RegisterClients like every check and lands in one transaction with
its checkpoint (`pages`). An outage in a whole-register walk waits out the register's pause and
asks for the same page again; in a centre walk it skips the rest of that search (the walk is
then incomplete and retires nothing).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import scrapers
from finder import directory
from finder.db import transaction
from finder.errors import FinderError
from finder.refresh import centres as centre_plans
from finder.refresh import recheck as refresh_checks
from finder.refresh.pages import apply_page, prepare_page
from finder.refresh.runs import (
    Options,
    PageBudget,
    Progress,
    failure_notice,
    progress_row,
    record_error,
    set_state,
    without_url,
)
from scrapers import paging
from scrapers.errors import LayoutChanged, RegisterUnavailable, RobotsDisallowed
from scrapers.records import ResultPage

log = logging.getLogger("finder.refresh")


@dataclass
class _Search:
    """One search of a walk and how far it got: the page it is reading, the pages it read."""

    register: str
    index: int  # of its centre in the plan; a whole-register walk is one search, index 0
    label: str  # the centre, e.g. "LS6", or "whole register"
    pages: Callable[[Any, str, int], Iterator[ResultPage]]  # (session, base_url, start page)
    cap: int  # the page after which the walk stops: paging is broken
    page: int
    read: int = 0

    @property
    def place(self) -> str:
        return f"{self.label} page {self.page}"


class _NotListedWhole(Exception):
    """The register did not list itself whole this way; the words say how it answered."""


def walk_register(db, run_id: int, register: str, options: Options, budget: PageBudget) -> None:
    """The whole register where it allows that (each of its ways in turn), else the centres;
    then the check queue, and retiring what a complete walk did not see."""
    ways = scrapers.register_module(register).WHOLE_REGISTER_WALKS
    set_state(db, run_id, register, "walking")
    walk = progress_row(db, run_id, register)["walk"]
    if not walk:
        walk = "whole:0" if options.whole_register else "centres"
        _set_walk(db, run_id, register, walk)
    while walk.startswith("whole:"):
        way = int(walk.removeprefix("whole:"))
        try:
            walked = _walk_whole(db, run_id, register, way, options, budget)
        except _NotListedWhole as answer:
            walk = f"whole:{way + 1}" if way + 1 < len(ways) else "centres"
            note = f"the whole register ({ways[way][0]}) {answer}"
            then = "trying the next way" if walk != "centres" else "searching place by place"
            log.warning("refresh run %d %s: %s; %s", run_id, register, note, then)
            _report(db, run_id, register, 0, 1, options, reason=f"{note}; {then}")
            _set_walk(db, run_id, register, walk, note)
            continue
        if not walked:
            return  # stopped on errors; the checkpoint is kept for --resume
        break
    if walk == "centres" and not _walk_centres(db, run_id, register, options, budget):
        return
    refresh_checks.drain_queue(db, run_id, register, options, budget)
    _finish_walk(db, run_id, register, options.max_retire_share)


def _set_walk(db, run_id: int, register: str, walk: str, note: str | None = None) -> None:
    """A new way of walking starts from its first page; the notes say why the others did not
    do."""
    with db.conn:
        db.execute(
            "update refresh_progress set walk = ?, centre = 0, page = 0, walk_note = "
            "case when ? is null then walk_note else coalesce(walk_note || '; ', '') || ? end "
            "where run_id = ? and register = ?",
            (walk, note, note, run_id, register),
        )


def _walk_whole(db, run_id: int, register: str, way: int, options: Options, budget) -> bool:
    """Every page of the register's `way`-th whole listing, from the checkpoint on. False when
    it stopped on errors; _NotListedWhole when its first page shows it does not list that way.
    An outage waits out the register's pause and asks again from the checkpoint."""
    module = scrapers.register_module(register)
    expected = _expected_pages(db, run_id, register)

    def report(reason: str | None = None) -> None:
        pages = progress_row(db, run_id, register)["pages"]
        if options.progress is not None:
            options.progress(Progress(register, pages, max(expected, pages + 1), pages, reason))

    failures = 0  # failures in a row: a page read in between starts the count again
    while True:
        progress = progress_row(db, run_id, register)
        if progress["centre"] > 0:
            return True  # its last page is saved already
        search = _Search(
            register, 0, "whole register",
            lambda session, base_url, start: module.iter_register_pages(
                session, base_url, way=way, start_page=start,
                max_pages=paging.MAX_PAGES_WHOLE_REGISTER,
            ),
            paging.MAX_PAGES_WHOLE_REGISTER, progress["page"] + 1,
        )  # fmt: skip
        first = search.page == 1

        try:
            _walk_search(db, run_id, search, options, budget, report)
        except (LayoutChanged, RobotsDisallowed) as error:
            failed = error
            if first and not search.read:
                refused = "disallowed by robots.txt" if isinstance(error, RobotsDisallowed) else (
                    f"not understood ({without_url(error)})"
                )  # fmt: skip
                raise _NotListedWhole(f"was {refused}") from None
            if isinstance(error, LayoutChanged):
                # A redesigned page fails everywhere: stop, keep the checkpoint, fix the parser.
                record_error(db, run_id, register, search.place, error, skipped=False)
                set_state(db, run_id, register, "failed")
                return False
            failures = 1 if search.read else failures + 1
        except RegisterUnavailable as error:
            failed = error
            failures = 1 if search.read else failures + 1
        else:
            if first and not search.read:
                raise _NotListedWhole("listed nobody on its first page")
            with db.conn:  # read to the end: a resume goes straight on to the retiring
                db.execute(
                    "update refresh_progress set centre = 1, page = 0 "
                    "where run_id = ? and register = ?",
                    (run_id, register),
                )
            return True
        # Nothing is skipped: after the register's pause, the walk asks for the same page.
        most = refresh_checks.MAX_CONSECUTIVE_FAILURES
        stopping = failures >= most
        notice = f"{search.place}: {without_url(failed)}"
        report(failure_notice(notice, failures, most, stopping=stopping, skipped=False))
        # Every failure is in the summary, even one a later page makes good: a run stopped by
        # --max-pages while the register is down must not read as a clean one.
        record_error(db, run_id, register, search.place, failed, skipped=False)
        if stopping:
            set_state(db, run_id, register, "failed")
            return False
        options.clients.wait_out_pause(register)


def _expected_pages(db, run_id: int, register: str) -> int:
    """About how many pages a whole walk takes: the last complete one's, else the directory's
    entries from this register at 10 a page."""
    row = db.execute(
        "select pages from refresh_progress where register = ? and walk like 'whole:%' "
        "and state = 'done' and run_id < ? order by run_id desc limit 1",
        (register, run_id),
    ).fetchone()
    if row:
        return row[0]
    table = "practices" if register == "gosc" else "practitioners"
    known = db.execute(
        f"select count(*) from {table} where source = ? and retired_at is null", (register,)
    ).fetchone()[0]
    return known // 10 + 1


def _walk_centres(db, run_id: int, register: str, options: Options, budget) -> bool:
    """Every page of each search centre's search, from the checkpoint on. False when it
    stopped on errors; a search that failed is skipped (the walk is then incomplete)."""
    plan = (options.centres or {}).get(register) or centre_plans.plan_for(
        options.postcodes, register
    )
    module = scrapers.register_module(register)
    progress = progress_row(db, run_id, register)
    _report(db, run_id, register, progress["centre"], len(plan), options)  # started
    failures = 0  # failures in a row: a page read in between starts the count again
    for index in range(progress["centre"], len(plan)):
        first_page = progress["page"] + 1 if index == progress["centre"] else 1
        centre = plan[index]
        search = _Search(
            register, index, centre.label,
            lambda session, base_url, start, centre=centre: module.iter_search_pages(
                session, base_url, centre.label, latitude=centre.latitude,
                longitude=centre.longitude, radius=centre_plans.RADIUS_MILES[register],
                start_page=start, max_pages=paging.MAX_PAGES_PER_SEARCH,
            ),
            paging.MAX_PAGES_PER_SEARCH, first_page,
        )  # fmt: skip

        def report(reason=None, index=index) -> None:
            _report(db, run_id, register, index, len(plan), options, reason)

        try:
            _walk_search(db, run_id, search, options, budget, report)
        except LayoutChanged as error:
            # A redesigned page fails everywhere: stop, keep the checkpoint, fix the parser.
            record_error(db, run_id, register, search.place, error, skipped=False)
            set_state(db, run_id, register, "failed")
            return False
        except (RegisterUnavailable, RobotsDisallowed) as error:
            failures = 1 if search.read else failures + 1
            most = refresh_checks.MAX_CONSECUTIVE_FAILURES
            notice = failure_notice(
                f"{search.place}: {without_url(error)}", failures, most, stopping=failures >= most
            )
            report(notice)
            if failures >= most:
                record_error(db, run_id, register, search.place, error, skipped=False)
                set_state(db, run_id, register, "failed")
                return False
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
    return True


def _walk_search(
    db, run_id: int, search: _Search, options: Options, budget: PageBudget, report: Callable
) -> None:
    """Read, write and checkpoint each page of one search, from `search.page` on. Raises the
    scrapers' errors; the pages before the error are written."""
    register, cap = search.register, search.cap
    # Each page is asked under the register's lock and outage pause, as every check is.
    pages = options.clients.ask_each(
        register, lambda session, base_url: search.pages(session, base_url, search.page)
    )
    what = search.label if search.label == "whole register" else f"centre {search.label}"
    while search.page <= cap:
        budget.spend()
        result = next(pages, None)
        if result is None:
            return  # the register's last page was empty
        prepared = prepare_page(db, run_id, options.clients, result, options.postcodes)
        # The last page of a search moves the checkpoint on to the next search.
        after = (search.index + 1, 0) if result.at_end else (search.index, search.page)
        checkpoint = _checkpoint(run_id, register, *after)
        apply_page(db, run_id, register, prepared, checkpoint)
        if options.on_saved is not None:
            options.on_saved(register)
        search.read += 1
        log.info(
            "refresh run %d %s %s page %d: %d practices, %d practitioners, "
            "%d without a location",
            run_id, register, what, search.page, len(prepared.practices),
            len(prepared.practitioners), len(prepared.unlocated),
        )  # fmt: skip
        report()
        if result.at_end:
            return
        search.page += 1
    # The cap, not the register, ended this search: what lies beyond it is unknown, so the
    # walk is incomplete and must retire nothing.
    record_error(
        db, run_id, register, f"{search.label} page {cap}",
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


MASS_RETIREMENT_FLOOR = 10  # so few closures never need the share check


def _refuse_mass_retirement(
    db, run_id: int, register: str, gone: int, listed: int, what: str
) -> None:
    message = (
        f"the walk no longer found {gone} of the {listed} {register.upper()} {what} listed "
        "here: more than a refresh should retire at once, so none was retired. If the register "
        "really lists that many fewer, run the refresh again with --retire-any-share."
    )
    record_error(db, run_id, register, "retiring", FinderError(message), skipped=True)
    set_state(db, run_id, register, "done_with_errors")


def _finish_walk(db, run_id: int, register: str, max_retire_share: float) -> None:
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
        listed = tx.conn.execute(
            "select count(*) from practices where source = ? and retired_at is null", (register,)
        ).fetchone()[0]
        if len(gone_practices) > max(MASS_RETIREMENT_FLOOR, max_retire_share * listed):
            tx.conn.rollback()
            _refuse_mass_retirement(db, run_id, register, len(gone_practices), listed, "practices")
            return
        gone_practitioners = tx.conn.execute(
            f"select register, registration_number from practitioners where register = ? "
            f"and source = ? and retired_at is null "
            f"and register || '|' || registration_number not in ({seen})",
            (register, register, run_id, register, "practitioner"),
        ).fetchall()
        listed_people = tx.conn.execute(
            "select count(*) from practitioners where register = ? and source = ? "
            "and retired_at is null",
            (register, register),
        ).fetchone()[0]
        if len(gone_practitioners) > max(MASS_RETIREMENT_FLOOR, max_retire_share * listed_people):
            tx.conn.rollback()
            _refuse_mass_retirement(
                db, run_id, register, len(gone_practitioners), listed_people, "practitioners"
            )
            return
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
