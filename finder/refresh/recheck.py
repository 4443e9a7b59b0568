"""Re-checking practitioners by number: every HCPC physiotherapist, and anyone queued."""

from __future__ import annotations

import sqlite_utils

from finder import directory, registrations
from finder.db import transaction
from finder.directory import importer
from finder.errors import InvalidInput
from finder.refresh.runs import (
    Options,
    PageBudget,
    Progress,
    failure_notice,
    progress_row,
    record_error,
    set_state,
)

RETIRING_OUTCOMES = {"not_found": "not found on the register", "inactive": "not practising"}
MAX_CONSECUTIVE_FAILURES = 5  # then the register is left alone; `resume` tries again


def check_physiotherapists(
    db: sqlite_utils.Database, run_id: int, options: Options, budget: PageBudget
) -> None:
    set_state(db, run_id, "hcpc", "walking")
    total = db.execute("select count(*) from practitioners where register = 'hcpc'").fetchone()[0]
    cursor = progress_row(db, run_id, "hcpc")["cursor"]
    done = db.execute(
        "select count(*) from practitioners where register = 'hcpc' and registration_number <= ?",
        (cursor,),
    ).fetchone()[0]
    if options.progress is not None:  # started
        options.progress(Progress("hcpc", done, total, done))
    people = db.execute(
        "select registration_number, name from practitioners where register = 'hcpc' "
        "and registration_number > ? order by registration_number",
        (cursor,),
    ).fetchall()
    checked = _check_numbers(
        db, run_id, "hcpc", people, options=options, budget=budget, done=done, total=total,
        keep_cursor=True,
    )  # fmt: skip
    if not checked:
        return
    skipped = db.execute(
        "select count(*) from refresh_errors where run_id = ? and register = 'hcpc' and skipped",
        (run_id,),
    ).fetchone()[0]
    set_state(db, run_id, "hcpc", "done_with_errors" if skipped else "done")


def drain_queue(
    db: sqlite_utils.Database, run_id: int, register: str, options: Options, budget: PageBudget
) -> None:
    people = importer.queued_checks(db, register)
    _check_numbers(
        db, run_id, register, people, options=options, budget=budget, done=0, total=len(people)
    )


def _check_numbers(
    db: sqlite_utils.Database,
    run_id: int,
    register: str,
    people: list[tuple[str, str | None]],
    *,
    options: Options,
    budget: PageBudget,
    done: int,
    total: int,
    keep_cursor: bool = False,
) -> bool:
    """Check each (number, name) on the register; False when the register stopped answering.

    `done` of `total` are checked already (for progress); `keep_cursor` saves each number
    checked as the run's cursor, for a walk in number order that resumes after it.
    """
    failures = 0
    for number, name in people:
        budget.spend()
        # A first check ever is news too: the practitioner is now verified.
        first = not db.execute(
            "select 1 from registrations where register = ? and registration_number = ?",
            (register, number),
        ).fetchone()
        try:
            result = registrations.check(db, register, number, name, clients=options.clients,
                                         refresh=True)  # fmt: skip
        except InvalidInput as error:
            # A number no register could know (from an old import): this number's error, not
            # the end of the refresh, and not a failure of the register.
            record_error(db, run_id, register, number, Exception(error.message), skipped=True)
            continue
        if result.reason and (result.stale or result.outcome == "unknown"):
            failures += 1
            stop = failures >= MAX_CONSECUTIVE_FAILURES
            if options.progress is not None:
                notice = failure_notice(
                    f"{number}: {result.reason}", failures, MAX_CONSECUTIVE_FAILURES, stopping=stop
                )
                options.progress(Progress(register, done, total, done, notice))
            record_error(db, run_id, register, number, Exception(result.reason), skipped=not stop)
            if stop:
                set_state(db, run_id, register, "failed")
                return False
            # After an outage the register is left alone for a while: wait, so that the next
            # check asks it again rather than failing at once and counting as another failure.
            options.clients.wait_out_pause(register)
            continue
        failures = 0
        with transaction(db) as tx:
            action = _apply_check(tx, register, number, result, first)
            tx.conn.execute(
                "insert or replace into refresh_seen values (?, ?, 'practitioner', ?, ?, null)",
                (run_id, register, f"{register}|{number}", action),
            )
            importer.unqueue_check(tx, register, number)
            tx.conn.execute(
                "update refresh_progress set cursor = ?, pages = pages + 1 "
                "where run_id = ? and register = ?",
                (number if keep_cursor else "", run_id, register),
            )
        if options.on_saved is not None:
            options.on_saved(register)
        done += 1
        if options.progress is not None:
            options.progress(Progress(register, done, total, done))
    return True


def _apply_check(
    tx: sqlite_utils.Database,
    register: str,
    number: str,
    result: registrations.CheckResult,
    first: bool,
) -> str:
    """Retire a practitioner the register no longer lists; revive one it lists again."""
    retired = tx.conn.execute(
        "select retired_at, retired_reason from practitioners where register = ? "
        "and registration_number = ?",
        (register, number),
    ).fetchone()
    if retired is None:
        return "unchanged"
    key = (register, number)
    if result.outcome in RETIRING_OUTCOMES:
        if retired[0] is not None:
            return "unchanged"
        reason = f"{register.upper()}: {RETIRING_OUTCOMES[result.outcome]}"
        if result.status_raw:
            reason += f" ({result.status_raw})"
        directory.retire_practitioners(tx, [key], reason)
        return "retired"
    if retired[0] is not None and (retired[1] or "").startswith(f"{register.upper()}:"):
        directory.revive_practitioners(tx, [key])
        return "updated"
    return "updated" if result.changed or first else "unchanged"
