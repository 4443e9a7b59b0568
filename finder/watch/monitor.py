"""The watchlist monitor: re-checks watched registrations and reports what changed.

It is its own process (`finder watch run`), asking the registers only through the polite
`RegisterClients`, one thread per register, so each register gets one request at a time at
its interval and a slow register does not hold up the others. A cycle checks every
registration due (last checked FINDER_WATCH_RECHECK_HOURS ago or more) once, however many
watchlists hold it, most likely to have changed first: those in their register's renewal window
(finder.registrations.renewals), then those whose last answer was unreadable, unknown or
restricted, then the longest unchecked. Each check is saved as it is made, in short
transactions (its evidence; then the entries' new state with any change events, together), so
web searches never wait behind the monitor and stopping it loses nothing. Events are delivered
to webhooks from the main thread while the register threads work.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import scrapers
from finder import db as database
from finder import times
from finder.errors import FinderError
from finder.processlock import ProcessLock
from finder.registrations.clients import RegisterClients
from finder.registrations.renewals import renewal_window
from finder.vocabulary import REGISTER_NAMES, REGISTERS
from finder.watch import changes, events, netguard, observe, webhooks

log = logging.getLogger("finder.watch")

UNSETTLED_OUTCOMES = ("unknown", "restricted")
DELIVERY_POLL = 1.0  # seconds between webhook passes while the registers are being checked
IDLE_POLL = 60.0  # seconds between looks for due work when nothing is due (run without --once)


class MonitorRunning(FinderError):
    code = "monitor_running"
    status = 409


class MonitorLock(ProcessLock):
    """One monitor at a time per data folder: two would check and deliver everything twice."""

    def __init__(self, data_dir: str | os.PathLike) -> None:
        super().__init__(Path(data_dir).expanduser() / "watch.lock")

    def busy(self, holder: str) -> MonitorRunning:
        return MonitorRunning(
            f"Another `finder watch run` is running ({holder}): it checks and delivers "
            "for every watchlist, so this one has nothing to do."
        )


@dataclass(frozen=True)
class CycleEstimate:
    """How long one cycle over a register's watched registrations takes at its interval."""

    register: str
    registrations: int
    seconds_per_check: float  # the interval times the requests one lookup makes
    recheck_hours: float

    @property
    def seconds(self) -> float:
        return self.registrations * self.seconds_per_check

    def describe(self) -> str:
        name = REGISTER_NAMES[self.register]
        line = (
            f"{name}: {self.registrations:,} registration{'s' * (self.registrations != 1)} "
            f"watched, one check every {self.seconds_per_check:g} s: a cycle takes about "
            f"{duration_words(self.seconds)}"
        )
        if self.recheck_hours > 0 and self.seconds > self.recheck_hours * 3600:
            line += (
                f", longer than FINDER_WATCH_RECHECK_HOURS ({self.recheck_hours:g}): each is "
                f"checked about every {duration_words(self.seconds)} instead"
            )
        return line + "."


def duration_words(seconds: float) -> str:
    """'40 seconds', '12 minutes', '5.6 hours'."""
    if seconds < 90:
        return f"{seconds:.0f} seconds"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} minutes"
    return f"{seconds / 3600:.1f} hours"


def cycle_estimates(
    counts: Mapping[str, int], interval: float, recheck_hours: float = 24.0
) -> list[CycleEstimate]:
    """Per register with anything watched, the time a cycle needs at `interval`."""
    return [
        CycleEstimate(
            register,
            counts[register],
            interval * scrapers.register_module(register).REQUESTS_PER_LOOKUP,
            recheck_hours,
        )
        for register in REGISTERS
        if counts.get(register)
    ]


def priority(item: Mapping, today: date) -> tuple:
    """Sort key of a due registration: in its renewal window, then last answer unsettled
    (unreadable, unknown or restricted), then the longest unchecked (never checked first)."""
    entries = item["entries"]
    in_window = renewal_window(item["register"], item["registration_number"], today) is not None
    unsettled = any(
        e["unreadable_since"] or e["last_outcome"] in UNSETTLED_OUTCOMES for e in entries
    )
    oldest = min(e["last_checked_at"] or "" for e in entries)
    return (not in_window, not unsettled, oldest)


@dataclass
class Tally:
    """What a cycle did for one register."""

    register: str
    due: int = 0
    checked: int = 0
    baselines: int = 0
    events: int = 0
    unreadable: int = 0
    sample: int = 0
    failed: int = 0  # our own failures (logged), tried again next cycle
    kinds: dict[str, int] = field(default_factory=dict)

    def describe(self) -> str:
        parts = [f"{self.checked:,} of {self.due:,} checked"]
        if self.baselines:
            parts.append(f"{self.baselines:,} new (first answer kept, no event)")
        kinds = ", ".join(f"{kind} {count:,}" for kind, count in sorted(self.kinds.items()))
        events_made = f"{self.events:,} change event{'s' * (self.events != 1)}"
        parts.append(events_made + (f" ({kinds})" if kinds else ""))
        if self.unreadable:
            parts.append(f"{self.unreadable:,} not readable just now")
        if self.sample:
            parts.append(f"{self.sample:,} sample numbers never asked")
        if self.failed:
            parts.append(f"{self.failed:,} failed here (see the log; tried next cycle)")
        return f"{REGISTER_NAMES[self.register]}: " + ", ".join(parts) + "."


class Monitor:
    """Cycles over the watched registrations and delivers the events they make.

    `now` is the wall clock (tests pass a fake one); `send` and `resolver` go to
    webhooks.deliver_due. Set `stop` to end a cycle after the checks in hand.
    """

    def __init__(
        self,
        db_path: str | os.PathLike,
        config: Mapping,
        clients: RegisterClients,
        *,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        send: webhooks.Send | None = None,
        resolver: netguard.Resolver = netguard.resolve,
    ) -> None:
        self.db_path = db_path
        self.config = config
        self.clients = clients
        self.now = now
        self.send = send
        self.resolver = resolver
        self.recheck = timedelta(hours=float(config.get("WATCH_RECHECK_HOURS", 24.0)))
        self.stop = threading.Event()
        self.delivered: list[webhooks.Attempt] = []  # the delivery tries of the last cycle

    def estimates(self) -> list[CycleEstimate]:
        """The time a cycle needs per register, also written to the log."""
        connection = database.connect(self.db_path)
        try:
            counts = events.watched_counts(connection)
        finally:
            connection.close()
        found = cycle_estimates(
            counts, float(self.config["REQUEST_INTERVAL"]), self.recheck.total_seconds() / 3600
        )
        for estimate in found:
            log.info("watch cycle %s", estimate.describe())
        return found

    def run_cycle(self) -> dict[str, Tally]:
        """Check every registration due, once, and deliver the events due; a Tally per register."""
        started = self.now()
        checked_before = times.iso(started - self.recheck) if self.recheck else None
        tallies = {register: Tally(register) for register in REGISTERS}
        self.delivered = []
        workers = [
            threading.Thread(
                target=self._check_register,
                args=(tallies[register], checked_before, started.date()),
                name=f"watch-{register}",
                daemon=True,
            )
            for register in REGISTERS
        ]
        for worker in workers:
            worker.start()
        connection = database.connect(self.db_path)
        try:
            while any(worker.is_alive() for worker in workers):
                self.delivered += self._deliver(connection)
                for worker in workers:
                    worker.join(timeout=DELIVERY_POLL / len(workers))
            self.delivered += self._deliver(connection)
        except BaseException:  # Ctrl-C: end after the checks in hand, each saved whole
            self.stop.set()
            for worker in workers:
                worker.join(timeout=60)
            raise
        finally:
            connection.close()
        for tally in tallies.values():
            if tally.due:
                log.info("watch cycle done %s", tally.describe())
        return tallies

    def run_forever(self, idle_poll: float = IDLE_POLL) -> None:
        """Cycle until `stop` is set: between cycles, deliver retries and wait for due work."""
        while not self.stop.is_set():
            tallies = self.run_cycle()
            # A cycle that checked nothing (only sample numbers due, or our own failures) is
            # followed by a wait too, or it would start again at once, and again.
            idle = not any(tally.checked for tally in tallies.values())
            while not self.stop.is_set() and (idle or not self.anything_due()):
                self.deliver()
                self.stop.wait(idle_poll)
                idle = False

    def anything_due(self) -> bool:
        checked_before = times.iso(self.now() - self.recheck) if self.recheck else None
        connection = database.connect(self.db_path)
        try:
            return any(
                events.entries_due(connection, register, 1, checked_before=checked_before)
                for register in REGISTERS
            )
        finally:
            connection.close()

    def deliver(self) -> list[webhooks.Attempt]:
        """Deliver the events due to their webhooks now; the tries made."""
        connection = database.connect(self.db_path)
        try:
            return self._deliver(connection)
        finally:
            connection.close()

    def _deliver(self, connection) -> list[webhooks.Attempt]:
        return webhooks.deliver_due(
            connection, self.config, now=self.now, send=self.send, resolver=self.resolver
        )

    def _check_register(self, tally: Tally, checked_before: str | None, today: date) -> None:
        connection = database.connect(self.db_path)
        try:
            due = events.entries_due(
                connection, tally.register, 10**9, checked_before=checked_before
            )
            due.sort(key=lambda item: priority(item, today))
            tally.due = len(due)
            # After an outage the clients leave the register alone for a while: wait that out
            # rather than mark every registration unreadable without asking.
            wait_out_pause = getattr(self.clients, "wait_out_pause", lambda register: 0.0)
            for item in due:
                if self.stop.is_set():
                    break
                try:
                    wait_out_pause(tally.register)
                    self._check_one(connection, tally, item["registration_number"])
                except Exception:  # one number's trouble must not end the cycle for the rest
                    tally.failed += 1
                    number = item["registration_number"]
                    log.exception("watch check of %s %s failed", tally.register, number)
        finally:
            connection.close()

    def _check_one(self, connection, tally: Tally, number: str) -> None:
        register = tally.register
        if not events.entries_for(connection, register, number):
            return  # every entry of it was deleted during the cycle
        seen = observe.observe(connection, self.clients, register, number, self.now())
        if seen is None:
            tally.sample += 1
            return
        tally.checked += 1
        tally.unreadable += not seen.readable
        with database.transaction(connection):
            entries = events.entries_for(connection, register, number)  # as they are now
            new = [entry for entry in entries if entry["last_outcome"] is None]
            tally.baselines += bool(seen.readable and new)  # registrations, as `checked`
            for entry in entries:
                change = changes.compare(entry, seen)
                if change is None:
                    continue
                events.record_event(
                    connection,
                    entry,
                    change.kind,
                    change.before,
                    change.after,
                    checked_at=seen.checked_at,
                    source_url=seen.source_url,
                    evidence_sha256=seen.evidence_sha256,
                    now=times.iso(self.now()),
                )
                tally.events += 1
                tally.kinds[change.kind] = tally.kinds.get(change.kind, 0) + 1
            ids = [entry["id"] for entry in entries]
            if seen.readable:
                state = {**seen.state, "source_url": seen.source_url}
                state["evidence_sha256"] = seen.evidence_sha256
                events.record_check(connection, ids, state, seen.checked_at)
            else:
                events.record_unreadable(connection, ids, seen.checked_at)
