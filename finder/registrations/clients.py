"""The one way to reach a register: a polite session per register behind a lock, with a pause
after an outage. Every check, bulk check and refresh goes through `RegisterClients`."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import nullcontext
from pathlib import Path
from typing import Any, TypeVar

import scrapers
from finder import config as settings
from finder.errors import FinderError
from finder.vocabulary import REGISTER_NAMES, REGISTERS, base_urls
from scrapers.errors import RegisterUnavailable
from scrapers.http import PoliteSession
from scrapers.spacing import SharedSpacing

# How long a check waits for another check of the same register to finish before it answers
# from the cache (marked stale, "register busy") or, with nothing cached, says try again.
REGISTER_BUSY_TIMEOUT = 10.0
BUSY_REASON = "register busy"

T = TypeVar("T")


class NotAsked(RegisterUnavailable):
    """The register failed moments ago, so this check did not ask it: there is no page, no
    address and nothing to keep as evidence of this check."""


class RegisterBusy(FinderError):
    """Another check holds the register and nothing is cached to answer with: try again soon."""

    status = 503
    code = "register_busy"

    def __init__(self, register: str, retry_after: float = REGISTER_BUSY_TIMEOUT) -> None:
        self.register = register
        self.retry_after = max(1, int(retry_after + 0.999))
        super().__init__(
            f"The {REGISTER_NAMES.get(register, register)} register is busy with other checks "
            f"and this one has never been checked here: try again in {self.retry_after} seconds.",
            headers={"Retry-After": str(self.retry_after)},
        )


class RegisterClients:
    """One polite session per register, used one request at a time.

    After a register fails to answer it is left alone for `outage_cooldown` seconds (or its
    Retry-After, if longer): lookups meanwhile fail at once with the same reason, so a bulk
    check during an outage serves stale answers quickly instead of retrying every row.
    """

    def __init__(
        self,
        sessions: dict[str, Any],
        base_urls: dict[str, str],
        *,
        outage_cooldown: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        busy_timeout: float = REGISTER_BUSY_TIMEOUT,
    ) -> None:
        self.sessions = sessions
        self.base_urls = base_urls
        self.outage_cooldown = outage_cooldown
        self.busy_timeout = busy_timeout
        self._clock = clock
        self._sleep = sleep
        self._locks = {register: threading.Lock() for register in REGISTERS}
        self._down: dict[str, tuple[float, RegisterUnavailable]] = {}

    def ask(self, register: str, request: Callable[[Any, str], T]) -> T:
        """`request(session, base_url)` under the register's rules, as every lookup is.

        One request at a time: RegisterBusy when another holds the register for
        `busy_timeout`. While the register is left alone after an outage, NotAsked at once
        without asking it; a RegisterUnavailable from `request` starts that pause, an answer
        ends it.
        """
        lock = self._locks[register]
        if not lock.acquire(timeout=self.busy_timeout):
            raise RegisterBusy(register, self.busy_timeout)
        try:
            down = self._down.get(register)
            if down is not None and self._clock() < down[0]:
                raise NotAsked(f"{down[1].reason} (on a check moments ago; not asked again yet)")
            session = self.sessions[register]
            # One deadline for the whole request, however many pages it reads.
            limit = getattr(session, "within_deadline", nullcontext)
            try:
                with limit():
                    answer = request(session, self.base_urls[register])
            except RegisterUnavailable as error:
                wait = max(self.outage_cooldown, error.retry_after or 0)
                self._down[register] = (self._clock() + wait, error)
                raise
            self._down.pop(register, None)
            return answer
        finally:
            lock.release()

    def ask_each(self, register: str, start: Callable[[Any, str], Iterator[T]]) -> Iterator[T]:
        """The items of the iterator `start(session, base_url)`, each made as one `ask`: a
        walk of many pages holds the register one page at a time, so checks can go between."""
        items: Iterator[T] | None = None

        def next_item(session: Any, base_url: str) -> T | None:
            nonlocal items
            if items is None:
                items = start(session, base_url)
            return next(items, None)

        while (item := self.ask(register, next_item)) is not None:
            yield item

    def lookup(self, register: str, number: str) -> scrapers.Registration | scrapers.NotFound:
        """Raises RegisterBusy when another lookup holds the register for `busy_timeout`."""
        module = scrapers.register_module(register)
        return self.ask(
            register, lambda session, base_url: module.lookup(session, base_url, number)
        )

    def wait_out_pause(self, register: str) -> float:
        """Wait until a register left alone after an outage may be asked again (for a long
        walk, which would rather wait than fail every check meanwhile); the seconds waited."""
        down = self._down.get(register)
        wait = down[0] - self._clock() if down else 0.0
        if wait <= 0:
            return 0.0
        self._sleep(wait)
        return wait

    def close(self) -> None:
        for session in self.sessions.values():
            session.close()


def clients_from_config(
    config: dict, *, deadline: float | None = None, **session_options: Any
) -> RegisterClients:
    """Clients from the FINDER_* settings. `deadline` limits one lookup in all (default
    FETCH_DEADLINE; the web app passes WEB_FETCH_DEADLINE). `session_options` go to every
    PoliteSession (tests pass `sleep=` and `clock=` so nothing waits for real)."""
    config = {**settings.from_environment({}), **config}  # the defaults under what is given
    interval = float(config["REQUEST_INTERVAL"])
    if not {"clock", "sleep"} & session_options.keys():
        # Real time: keep the interval together with every other finder process on this
        # machine (the web worker, a refresh, the watch monitor). Tests that fake time are one
        # process and keep it alone.
        session_options = {**session_options, "spacing": SharedSpacing(spacing_folder(config))}
    if deadline is None:
        deadline = float(config["FETCH_DEADLINE"])
    sessions = {
        register: PoliteSession(
            str(config["CONTACT"]), min_interval=interval, deadline=deadline, **session_options
        )
        for register in REGISTERS
    }
    cooldown = 0.0 if interval == 0 else 60.0
    timing = {k: v for k, v in session_options.items() if k in ("clock", "sleep")}
    return RegisterClients(sessions, base_urls(config), outage_cooldown=cooldown, **timing)


def spacing_folder(config: dict) -> Path:
    """Where the processes sharing a data folder keep their next request times."""
    return Path(config["DATA_DIR"]).expanduser() / "spacing"
