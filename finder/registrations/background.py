"""Checks that web requests ask for, made in the background so no request waits on a register.

A register is asked one request at a time, politely spaced (finder.registrations.clients), so a
burst of checks would otherwise hold every web thread in a queue for the register's lock, and
searches behind them. Here each register has a bounded queue and one worker thread: a request
submits the numbers it needs, waits at most a short deadline for the ones likely to be done by
then, and answers what is known; the rest finish in the background and are stored, so asking
again soon answers from the cache. A full queue refuses at once (`QueueFull`, a 503 with
Retry-After). The same number asked twice while queued is checked once.
"""

from __future__ import annotations

import copy
import logging
import os
import queue
import threading
import time
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import scrapers
from finder import db as database
from finder.errors import FinderError
from finder.registrations import bulk, store
from finder.registrations.check import (
    CheckResult,
    fetch_and_record,
    name_match,
    result_from_row,
    sample_result,
)
from finder.registrations.clients import RegisterClients
from finder.registrations.policy import is_fresh, normalise_number, normalise_register
from finder.vocabulary import REGISTER_NAMES, REGISTERS, seconds

log = logging.getLogger("finder.registrations")

_STOP = object()
CHECKING_REASON = "being checked with the register now"
FAILED_HERE = "could not check just now"


class QueueFull(FinderError):
    """Too many checks are waiting for this register: ask again later."""

    status = 503
    code = "checks_queue_full"

    def __init__(self, register: str, retry_after: int) -> None:
        super().__init__(
            f"Too many checks are waiting for the {REGISTER_NAMES[register]} register: try "
            f"again in {seconds(retry_after)}.",
            headers={"Retry-After": str(retry_after)},
        )
        self.retry_after = retry_after


@dataclass
class Waiting:
    """A check still with the register when the request's deadline came: ask again after."""

    register: str
    registration_number: str
    retry_after: int


class BackgroundChecks:
    """Per register, a queue of at most `capacity` numbers and one worker asking the register.

    `interval` is the register's spacing (seconds a check takes at least): it tells a request
    whether a queued check can finish within its deadline, and how long to say to wait. A
    worker starts with the first check of its register and ends after `idle` seconds with
    nothing to do, closing its database connection.
    """

    def __init__(
        self,
        db_path: str | os.PathLike,
        clients: RegisterClients,
        *,
        capacity: int = 200,
        interval: float = 2.0,
        idle: float = 30.0,
    ) -> None:
        self.db_path = db_path
        self.clients = clients
        self.capacity = capacity
        self.interval = max(interval, 0.1)
        # Seconds one check takes at least: the spacing times the pages its lookup reads.
        self.per_check = {
            register: self.interval * scrapers.register_module(register).REQUESTS_PER_LOOKUP
            for register in REGISTERS
        }
        self.idle = idle
        self._lock = threading.Lock()
        self._pending: dict[tuple[str, str], Future] = {}
        self._queues = {register: queue.Queue() for register in REGISTERS}
        self._workers: dict[str, threading.Thread] = {}
        self._closed = False

    def submit(self, keys: list[tuple[str, str]]) -> dict[tuple[str, str], Future]:
        """Queue the (register, normalised number) keys not queued already; a future for each.
        All or nothing: QueueFull when a register's queue has no room for its new keys."""
        with self._lock:
            if self._closed:
                raise FinderError(
                    "The service is stopping: ask again in a moment.",
                    code="checks_stopping",
                    status=503,
                    headers={"Retry-After": "5"},
                )
            new = [key for key in dict.fromkeys(keys) if key not in self._pending]
            registers = {register for register, _ in new}
            for register in registers:
                waiting = sum(1 for r, _ in self._pending if r == register)
                wanted = sum(1 for r, _ in new if r == register)
                if waiting + wanted > self.capacity:
                    over = waiting + wanted - self.capacity
                    raise QueueFull(register, self.retry_after(register, over))
            for register in registers:  # before queueing: a worker that cannot start leaves
                try:  # nothing queued that no worker would take
                    self._start_worker(register)
                except RuntimeError:  # no thread to be had: the machine is overloaded
                    log.exception("could not start the %s checks worker", register)
                    raise FinderError(
                        "Checks cannot be started just now: try again in a minute.",
                        code="checks_unavailable",
                        status=503,
                        headers={"Retry-After": "60"},
                    ) from None
            for key in new:
                self._pending[key] = Future()
                self._queues[key[0]].put(key)
            return {key: self._pending[key] for key in keys}

    def position(self, key: tuple[str, str]) -> int:
        """How many checks of the register are ahead of `key`'s (its own included), roughly:
        the queue is first come, first served."""
        with self._lock:
            ahead = 0
            for pending in self._pending:
                if pending[0] == key[0]:
                    ahead += 1
                if pending == key:
                    return ahead
        return 0

    def retry_after(self, register: str, ahead: int) -> int:
        """Whole seconds until `ahead` checks of `register` are likely done."""
        return max(1, int(ahead * self.per_check[register] + 0.999))

    def wait(
        self, futures: dict[tuple[str, str], Future], deadline: float
    ) -> dict[tuple[str, str], CheckResult | Waiting | Exception]:
        """Each key's result (or the error its check raised), or Waiting for those not done
        within `deadline` seconds. Keys too far back in the queue to finish in time are not
        waited for at all, so a burst of requests does not hold the web threads for the whole
        deadline; the first in line always is."""
        answers: dict[tuple[str, str], CheckResult | Waiting | Exception] = {}
        give_up_at = time.monotonic() + deadline
        for key, future in futures.items():
            left = max(0.0, give_up_at - time.monotonic())
            # The check in hand is waited for; behind it, each check ahead takes per_check.
            likely = (self.position(key) - 1) * self.per_check[key[0]] <= left
            try:
                answers[key] = future.result(timeout=left if likely else 0)
            except FutureTimeout:
                ahead = self.position(key)
                answers[key] = Waiting(*key, retry_after=self.retry_after(key[0], ahead))
            except Exception as error:  # noqa: BLE001 - the caller decides, key by key
                answers[key] = error
        return answers

    def close(self) -> None:
        """Stop the workers once the checks already queued are done; refuse new ones."""
        with self._lock:
            self._closed = True
            workers = list(self._workers.values())
            for register in self._workers:
                self._queues[register].put(_STOP)
        for worker in workers:
            worker.join(timeout=5)

    def _start_worker(self, register: str) -> None:
        """With self._lock held: a worker for `register` unless one is running."""
        if register not in self._workers:
            worker = threading.Thread(
                target=self._work, args=(register,), name=f"checks-{register}", daemon=True
            )
            worker.start()  # first: a thread that failed to start is never counted on
            self._workers[register] = worker

    def _next(self, register: str) -> tuple[str, str] | None:
        """The next key, or None when the worker should end (told to, or idle too long)."""
        while True:
            try:
                key = self._queues[register].get(timeout=self.idle)
            except queue.Empty:
                with self._lock:
                    if self._queues[register].empty():  # submit() holds the lock to put
                        del self._workers[register]
                        return None
                continue
            if key is _STOP:
                with self._lock:
                    self._workers.pop(register, None)
                return None
            return key

    def _work(self, register: str) -> None:
        connection = None
        try:
            while (key := self._next(register)) is not None:
                future = self._pending[key]
                try:
                    if connection is None:
                        connection = database.connect(self.db_path)
                    result = self._check(connection, *key)
                except BaseException as error:  # the request waiting on it reports it
                    future.set_exception(error)
                    if not isinstance(error, FinderError):
                        log.exception("background check of %s %s failed", *key)
                else:
                    future.set_result(result)
                finally:
                    with self._lock:
                        self._pending.pop(key, None)
        finally:
            if connection is not None:
                connection.close()

    def _check(self, connection, register: str, number: str) -> CheckResult:
        cached = store.read_current(connection, [(register, number)]).get((register, number))
        return fetch_and_record(
            connection,
            register,
            number,
            None,
            clients=self.clients,
            cached=cached,
            now=datetime.now(UTC),
        )


@dataclass
class Answer:
    """What a request can say within its deadline: a result (perhaps the stored one, stale,
    while the register is asked), and when to ask again if the register is still being asked."""

    result: CheckResult | None
    retry_after: int | None = None


def check_within(
    db,
    checks: BackgroundChecks,
    register: str,
    number: str,
    name: str | None = None,
    *,
    deadline: float,
    max_age: timedelta | None = None,
    now: datetime | None = None,
) -> Answer:
    """One check for a web request: from the cache when fresh enough; else queued for the
    register, waiting at most `deadline` seconds. Past it: the stored answer marked stale, or
    no result and when to ask again. Raises InvalidInput for a bad number, QueueFull when the
    register's queue is full."""
    register = normalise_register(register)
    number = normalise_number(register, number)
    key = (register, number)
    cached = store.read_current(db, [key]).get(key)
    if store.is_sample_number(db, register, number):
        return Answer(sample_result(register, number, cached, name))
    if cached and is_fresh(cached, max_age, now or datetime.now(UTC)):
        return Answer(result_from_row(cached, name))
    answer = checks.wait(checks.submit([key]), deadline)[key]
    if isinstance(answer, FinderError):  # the register busy, say: raised here as a copy, as
        raise copy.copy(answer)  # other requests waiting on this check raise it too
    if isinstance(answer, CheckResult):
        return Answer(replace(answer, name_match=name_match(name, answer.name_on_register)))
    if isinstance(answer, Waiting):
        retry_after = answer.retry_after
        reason = f"{CHECKING_REASON}: ask again in {seconds(retry_after)}"
    else:  # our own failure (the database busy, say): logged by the worker, not shown
        retry_after = 30
        reason = f"{FAILED_HERE}: ask again in {seconds(retry_after)}"
    if cached:
        return Answer(result_from_row(cached, name, stale=True, reason=reason), retry_after)
    if isinstance(answer, Waiting):
        return Answer(None, retry_after)
    raise FinderError(
        f"This check could not be completed just now: try again in {seconds(retry_after)}.",
        code="check_failed",
        status=503,
        headers={"Retry-After": str(retry_after)},
    )


def check_rows_within(
    db_path: str | os.PathLike,
    rows: list[dict],
    checks: BackgroundChecks,
    *,
    deadline: float,
    max_age: timedelta | None = None,
    max_fetches: int | None = None,
) -> tuple[list[dict], int | None]:
    """Bulk rows for a web request, as bulk.check_many answers them, but waiting at most
    `deadline` seconds: a row whose check is still with the register gets its stored answer
    marked stale, or, never checked here, an `error` saying to send it again; the checks go on
    and are stored. Also the seconds after which they are likely done (None: all done)."""
    planned = bulk.plan(db_path, rows, max_age=max_age, max_fetches=max_fetches)
    keys = [
        (register, number) for register, numbers in planned.to_fetch.items() for number in numbers
    ]
    if not keys:
        return planned.results(), None
    # One request may fill at most half a register's queue, so public checks always have room.
    share = max(1, checks.capacity // 2)
    for numbers in planned.to_fetch.values():
        if len(numbers) > share:
            raise bulk.too_many_fetches(len(numbers), share)
    later = None
    for (register, number), answer in checks.wait(checks.submit(keys), deadline).items():
        if isinstance(answer, CheckResult):
            planned.answer(register, number, answer)
            continue
        if isinstance(answer, Waiting):
            later = max(later or 0, answer.retry_after)
            note = f"{CHECKING_REASON}: send it again in {seconds(answer.retry_after)}"
        else:  # a failure is not the register's answer: say so plainly, keep no raw text
            note = f"{FAILED_HERE}: send it again later"
        stored = planned.cached.get((register, number))
        for index, name in planned.to_fetch[register][number]:
            planned.out[index] = (
                bulk.result_row(rows[index], result_from_row(stored, name, stale=True, reason=note))
                if stored
                else bulk.error_row(rows[index], note)
            )
    return planned.results(), later
