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

import fcntl
import json
import os
import sqlite3
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils
from sqlite_utils import Migrations

from finder import centres as centre_plans
from finder import directory, registrations
from finder.batch import transaction
from finder.errors import FinderError, InvalidInput
from finder.refresh_pages import apply_page, fetch_page, prepare_gcc, prepare_gosc
from scrapers.errors import LayoutChanged, RegisterUnavailable, RobotsDisallowed

MIGRATIONS = Migrations("finder.refresh")

REGISTERS = ("gosc", "gcc", "hcpc")  # the order a refresh of all of them takes
WALKED = ("gosc", "gcc")
MAX_PAGES_PER_SEARCH = 200  # a search longer than this means paging is broken
MAX_CONSECUTIVE_FAILURES = 5  # then the register is left alone; `resume` tries again
RETIRING_OUTCOMES = {"not_found": "not found on the register", "inactive": "not practising"}
ScraperFailure = (RegisterUnavailable, LayoutChanged, RobotsDisallowed)


@MIGRATIONS()
def create_refresh_tables(db: sqlite_utils.Database) -> None:
    for statement in (
        """create table refresh_runs (id integer primary key, registers text not null,
            started_at text not null, finished_at text, state text not null)""",
        """create table refresh_progress (run_id integer not null, register text not null,
            centre integer not null default 0, page integer not null default 0,
            cursor text not null default '', pages integer not null default 0,
            seconds real not null default 0, state text not null default 'pending',
            primary key (run_id, register))""",
        """create table refresh_seen (run_id integer not null, register text not null,
            kind text not null, key text not null, action text not null, note text,
            primary key (run_id, register, kind, key)) without rowid""",
        """create table refresh_errors (id integer primary key, run_id integer not null,
            register text not null, at text not null, place text not null,
            message text not null, skipped integer not null)""",
        """create table gosc_registrants (register_id text primary key,
            registration_number text not null, name text, resolved_at text not null)""",
        "alter table practices add column retired_reason text",
        "alter table practitioners add column retired_reason text",
    ):
        db.execute(statement)


class RefreshLocked(FinderError):
    code = "refresh_running"
    status = 409


class RefreshStopped(Exception):
    """The page budget (--max-pages) ran out; the checkpoint is saved."""


@dataclass(frozen=True)
class Progress:
    register: str
    done: int  # search centres walked (HCPC: practitioners checked)
    total: int
    pages: int  # pages (HCPC: checks) so far in this run


@dataclass
class Options:
    clients: registrations.RegisterClients
    postcodes: object  # a PostcodeTable
    centres: dict | None = None  # register -> list[Centre]; planned from postcodes when None
    max_pages: int | None = None  # page budget for this invocation
    progress: Callable[[Progress], None] | None = None


# --- the lock ------------------------------------------------------------------------------


class RefreshLock:
    """Only one refresh at a time per data folder: an OS lock on a file (freed if we die)."""

    def __init__(self, data_dir: str | os.PathLike) -> None:
        self.path = Path(data_dir) / "refresh.lock"
        self._file = None

    def __enter__(self) -> RefreshLock:
        handle = open(self.path, "a+")  # noqa: SIM115 - held until __exit__
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise RefreshLocked(
                f"Another refresh is running ({holder}): wait for it to finish, or stop it "
                "and run `finder refresh --resume`."
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}, started {directory.now_iso()}")
        handle.flush()
        self._file = handle
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._file is not None:
            self._file.truncate(0)
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None


# --- runs ----------------------------------------------------------------------------------


def start_run(db: sqlite_utils.Database, registers: list[str]) -> int:
    with transaction(db) as tx:
        tx.conn.execute(
            "update refresh_runs set state = 'abandoned' where state in ('running', 'stopped')"
        )
        run_id = tx.conn.execute(
            "insert into refresh_runs (registers, started_at, state) values (?, ?, 'running')",
            (json.dumps(registers), directory.now_iso()),
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


def run(db: sqlite_utils.Database, run_id: int, options: Options) -> dict:
    """Carry a run forward from its checkpoint to the end (or the page budget); its summary."""
    registers = json.loads(
        db.execute("select registers from refresh_runs where id = ?", (run_id,)).fetchone()[0]
    )
    budget = [options.max_pages]
    try:
        for register in registers:
            state = _progress(db, run_id, register)["state"]
            if state in ("done", "done_with_errors"):
                continue
            started = time.monotonic()
            try:
                if register == "hcpc":
                    _check_physiotherapists(db, run_id, options, budget)
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
            _progress(db, run_id, r)["state"] in ("done", "done_with_errors") for r in registers
        )
        state = "finished" if finished else "stopped"
    except RefreshStopped:
        state = "stopped"
    with db.conn:
        db.execute(
            "update refresh_runs set state = ?, finished_at = ? where id = ?",
            (state, directory.now_iso() if state == "finished" else None, run_id),
        )
    return summary(db, run_id)


def _progress(db, run_id: int, register: str) -> dict:
    cursor = db.execute(
        "select * from refresh_progress where run_id = ? and register = ?", (run_id, register)
    )
    names = [d[0] for d in cursor.description]
    return dict(zip(names, cursor.fetchone(), strict=True))


def _spend(budget: list) -> None:
    if budget[0] is not None:
        if budget[0] <= 0:
            raise RefreshStopped
        budget[0] -= 1


def _error(db, run_id: int, register: str, place: str, error: Exception, skipped: bool) -> None:
    with db.conn:
        db.execute(
            "insert into refresh_errors (run_id, register, at, place, message, skipped) "
            "values (?, ?, ?, ?, ?, ?)",
            (run_id, register, directory.now_iso(), place, str(error), int(skipped)),
        )


def _set_state(db, run_id: int, register: str, state: str) -> None:
    with db.conn:
        db.execute(
            "update refresh_progress set state = ? where run_id = ? and register = ?",
            (state, run_id, register),
        )


# --- GOsC and GCC: walking the location searches -------------------------------------------


def _walk(db, run_id: int, register: str, options: Options, budget: list) -> None:
    plan = (options.centres or {}).get(register) or centre_plans.plan_for(
        options.postcodes, register
    )
    radius = centre_plans.RADIUS_MILES[register]
    session = options.clients.sessions[register]
    base_url = options.clients.base_urls[register]
    progress = _progress(db, run_id, register)
    _set_state(db, run_id, register, "walking")
    failures = 0
    for index in range(progress["centre"], len(plan)):
        centre = plan[index]
        page = progress["page"] + 1 if index == progress["centre"] else 1
        previous = None
        while page <= MAX_PAGES_PER_SEARCH:
            _spend(budget)
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
                _error(db, run_id, register, place, error, skipped=False)
                _set_state(db, run_id, register, "failed")
                return
            except (RegisterUnavailable, RobotsDisallowed) as error:
                failures += 1
                if failures >= MAX_CONSECUTIVE_FAILURES:
                    _error(db, run_id, register, place, error, skipped=False)
                    _set_state(db, run_id, register, "failed")
                    return
                _error(db, run_id, register, place, error, skipped=True)
                break  # skip the rest of this search; the walk is then incomplete
            failures = 0
            if not result.items:
                break
            previous = result.items
            apply_page(db, run_id, register, prepared, _checkpoint(run_id, register, index, page))
            _record_checks(db, prepared.registrations, options.clients)
            _report(db, run_id, register, index, len(plan), options)
            if result.at_end:
                break
            page += 1
        with db.conn:
            db.execute(
                "update refresh_progress set centre = ?, page = 0 where run_id = ? "
                "and register = ?",
                (index + 1, run_id, register),
            )
        _report(db, run_id, register, index + 1, len(plan), options)
    _drain_queue(db, run_id, register, options, budget)
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
        pages = _progress(db, run_id, register)["pages"]
        options.progress(Progress(register, done, total, pages))


class _Answered:
    """RegisterClients' stand-in that answers with a registration already read from a page."""

    def __init__(self, registration) -> None:
        self.registration = registration

    def lookup(self, register: str, number: str):
        return self.registration


def _record_checks(db, found: list, clients) -> None:
    """A listing is evidence too: record what the page said as a check of each registrant."""
    for registration in found:
        registrations.check(
            db,
            registration.register,
            registration.registration_number,
            clients=_Answered(registration),
            refresh=True,
        )
        with db.conn:
            db.execute(
                "delete from check_queue where register = ? and registration_number = ?",
                (registration.register, registration.registration_number),
            )


def _finish_walk(db, run_id: int, register: str) -> None:
    skipped = db.execute(
        "select count(*) from refresh_errors where run_id = ? and register = ? and skipped",
        (run_id, register),
    ).fetchone()[0]
    if skipped:
        _set_state(db, run_id, register, "done_with_errors")
        return
    reason = f"no longer listed by {register.upper()} (refresh run {run_id})"
    now = directory.now_iso()
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


# --- HCPC, and anyone queued for a check: re-checking by number ----------------------------


def _check_physiotherapists(db, run_id: int, options: Options, budget: list) -> None:
    _set_state(db, run_id, "hcpc", "walking")
    total = db.execute("select count(*) from practitioners where register = 'hcpc'").fetchone()[0]
    cursor = _progress(db, run_id, "hcpc")["cursor"]
    done = db.execute(
        "select count(*) from practitioners where register = 'hcpc' and registration_number <= ?",
        (cursor,),
    ).fetchone()[0]
    people = db.execute(
        "select registration_number, name from practitioners where register = 'hcpc' "
        "and registration_number > ? order by registration_number",
        (cursor,),
    ).fetchall()
    if not _check_numbers(db, run_id, "hcpc", people, options, budget, done, total):
        return
    skipped = db.execute(
        "select count(*) from refresh_errors where run_id = ? and register = 'hcpc' and skipped",
        (run_id,),
    ).fetchone()[0]
    _set_state(db, run_id, "hcpc", "done_with_errors" if skipped else "done")


def _drain_queue(db, run_id: int, register: str, options: Options, budget: list) -> None:
    people = db.execute(
        "select registration_number, name from check_queue where register = ? "
        "order by registration_number",
        (register,),
    ).fetchall()
    _check_numbers(db, run_id, register, people, options, budget, 0, len(people))


def _check_numbers(db, run_id, register, people, options, budget, done, total) -> bool:
    """Check each (number, name) on the register; False when the register stopped answering."""
    failures = 0
    for number, name in people:
        _spend(budget)
        result = registrations.check(db, register, number, name, clients=options.clients,
                                     refresh=True)  # fmt: skip
        if result.reason and (result.stale or result.outcome == "unknown"):
            failures += 1
            stop = failures >= MAX_CONSECUTIVE_FAILURES
            _error(db, run_id, register, number, Exception(result.reason), skipped=not stop)
            if stop:
                _set_state(db, run_id, register, "failed")
                return False
            continue
        failures = 0
        with transaction(db) as tx:
            action = _apply_check(tx, register, number, result)
            tx.conn.execute(
                "insert or replace into refresh_seen values (?, ?, 'practitioner', ?, ?, null)",
                (run_id, register, f"{register}|{number}", action),
            )
            tx.conn.execute(
                "delete from check_queue where register = ? and registration_number = ?",
                (register, number),
            )
            tx.conn.execute(
                "update refresh_progress set cursor = ?, pages = pages + 1 "
                "where run_id = ? and register = ?",
                (number if register == "hcpc" else "", run_id, register),
            )
        done += 1
        if options.progress is not None:
            options.progress(Progress(register, done, total, done))
    return True


def _apply_check(tx, register: str, number: str, result) -> str:
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
        tx.conn.execute(
            "update practitioners set retired_at = ?, retired_reason = ? where register = ? "
            "and registration_number = ?",
            (directory.now_iso(), reason, *key),
        )
        return "retired"
    if retired[0] is not None and (retired[1] or "").startswith(f"{register.upper()}:"):
        tx.conn.execute(
            "update practitioners set retired_at = null, retired_reason = null "
            "where register = ? and registration_number = ?",
            key,
        )
        return "updated"
    return "updated" if result.changed else "unchanged"


# --- the summary ---------------------------------------------------------------------------


def summary(db: sqlite_utils.Database, run_id: int) -> dict:
    run_row = db.execute(
        "select registers, started_at, finished_at, state from refresh_runs where id = ?",
        (run_id,),
    ).fetchone()
    registers = json.loads(run_row[0])
    result = {"run": run_id, "state": run_row[3], "started_at": run_row[1],
              "finished_at": run_row[2], "registers": {}}  # fmt: skip
    for register in registers:
        progress = _progress(db, run_id, register)
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
            "pages": progress["pages"],
            "seconds": round(progress["seconds"], 1),
            "unlocated": [{"practice": key, "reason": note} for key, note in unlocated],
            "errors": [{"where": place, "message": message} for place, message in errors],
        }
    return result


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
