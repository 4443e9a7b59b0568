"""Whether finder still understands each register's pages: the time of the last page it
understood and of the last layout change, per register (table `register_health`, created by a
migration in `store`).

Checks, refreshes and `finder registers selftest` (`selftest`: a few known numbers per register,
FINDER_CANARY_NUMBERS) report here; `/healthz`, the check page and the API read `states()` and
`notice()`. A register with a layout change and no page understood since is `layout_changed`:
its answers are the last known ones until someone corrects its parser.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlite_utils import Database

import scrapers
from finder import times
from finder.db import atomic
from finder.errors import InvalidInput
from finder.registrations.clients import RegisterBusy, RegisterClients
from finder.registrations.policy import normalise_number, normalise_register
from finder.vocabulary import REGISTER_NAMES, REGISTERS
from scrapers.errors import LayoutChanged, RegisterUnavailable, RobotsDisallowed

OK = "ok"
LAYOUT_CHANGED = "layout_changed"
UNKNOWN = "unknown"  # nothing recorded yet


def page_understood(db: Database, register: str, at: str | None = None) -> None:
    """A page of `register` was understood (a registrant or a clear not-found). Inside a
    caller's transaction (a refresh page) it joins it. `at`: a stored timestamp, else now."""
    stamp = at or times.now_iso()
    with atomic(db):
        db.execute(
            "insert into register_health (register, last_understood) values (?, ?) "
            "on conflict (register) do update set last_understood = excluded.last_understood, "
            "layout_change_reason = null",
            [register, stamp],
        )


def layout_changed(db: Database, register: str, reason: str, at: str | None = None) -> None:
    """A page of `register` was not understood (LayoutChanged): `reason` says what was missing."""
    stamp = at or times.now_iso()
    with atomic(db):
        db.execute(
            "insert into register_health (register, last_layout_change, layout_change_reason) "
            "values (?, ?, ?) on conflict (register) do update set "
            "last_layout_change = excluded.last_layout_change, "
            "layout_change_reason = excluded.layout_change_reason",
            [register, stamp, reason or "page not understood"],
        )


def states(db: Database) -> dict[str, dict]:
    """Per register, in the usual order: {"state": "ok" | "layout_changed" | "unknown",
    "last_understood": time or None, "last_layout_change": time or None, "reason": what was
    missing, while the layout change lasts; None once a page is understood again}."""
    rows = {
        row[0]: row[1:]
        for row in db.execute(
            "select register, last_understood, last_layout_change, layout_change_reason "
            "from register_health"
        ).fetchall()
    }
    answer = {}
    for register in REGISTERS:
        understood, changed, reason = rows.get(register, (None, None, None))
        answer[register] = {
            "state": _state(understood, changed, reason),
            "last_understood": understood,
            "last_layout_change": changed,
            "reason": reason,
        }
    return answer


def notice(db: Database, register: str) -> str | None:
    """In plain words, when `register`'s pages changed and its answers are the last known
    ones; None while its pages are understood."""
    state = states(db)[register]
    if state["state"] != LAYOUT_CHANGED:
        return None
    day = times.parse(state["last_layout_change"])
    return (
        f"The {REGISTER_NAMES[register]} register changed its pages on {day.day} "
        f"{day:%B %Y}, and we cannot read the new ones yet: answers for it are the last ones "
        "we could read. Check the register itself before relying on them."
    )


def _state(understood: str | None, changed: str | None, reason: str | None) -> str:
    # The order of events decides, not the clock (both can fall in one second): a page
    # understood clears the reason of the last change, a change sets it.
    if changed is not None and reason is not None:
        return LAYOUT_CHANGED
    return OK if understood is not None else UNKNOWN


# -- the self-test: a few known numbers per register, set by the operator ----------------------


@dataclass(frozen=True)
class SelftestLine:
    register: str
    state: str  # "ok" | "layout_changed" | "canary_not_found" | "unavailable" | "no_canaries"
    detail: str

    @property
    def failed(self) -> bool:
        """A change someone must look at (an outage or no canaries is no change)."""
        return self.state in ("layout_changed", "canary_not_found")

    def __str__(self) -> str:
        words = {
            "ok": "ok",
            "layout_changed": "layout changed",
            "canary_not_found": "canary not found",
            "unavailable": "unavailable",
            "no_canaries": "no canary numbers set",
        }[self.state]
        if self.state in ("ok", "no_canaries"):  # nothing to act on: the detail is an aside
            return f"{self.register}: {words} ({self.detail})"
        return f"{self.register}: {words}: {self.detail}"


def canary_numbers(text: str) -> dict[str, list[str]]:
    """FINDER_CANARY_NUMBERS ("hcpc:PH…,gcc:0…") as {register: [numbers]}, each number as
    the register writes it. Raises InvalidInput naming the pair that is not valid."""
    numbers: dict[str, list[str]] = {}
    for pair in filter(None, (part.strip() for part in text.split(","))):
        register, colon, number = pair.partition(":")
        if not colon or not number.strip():
            raise InvalidInput(
                f"FINDER_CANARY_NUMBERS: {pair!r} is not register:number (e.g. gcc:0…)"
            )
        register = normalise_register(register.strip())
        numbers.setdefault(register, []).append(normalise_number(register, number))
    return numbers


def selftest(
    db: Database, clients: RegisterClients, register: str, numbers: list[str]
) -> SelftestLine:
    """Ask the register about each known number and say whether its pages are still
    understood; records the answer in `register_health` (page understood or layout changed).
    Stops at the first layout change or failure to answer: asking more would say no more."""
    if not numbers:
        return SelftestLine(register, "no_canaries", "FINDER_CANARY_NUMBERS")
    unmapped = []
    for number in numbers:
        try:
            answer = clients.lookup(register, number)
        except LayoutChanged as error:
            layout_changed(db, register, error.reason)
            return SelftestLine(register, "layout_changed", error.reason)
        except (RegisterUnavailable, RegisterBusy) as error:
            return SelftestLine(register, "unavailable", getattr(error, "reason", str(error)))
        except RobotsDisallowed:
            return SelftestLine(register, "unavailable", "robots.txt does not allow the check")
        page_understood(db, register)
        if isinstance(answer, scrapers.NotFound):
            detail = f"{number} (the page was understood: is it still a registered number?)"
            return SelftestLine(register, "canary_not_found", detail)
        if answer.outcome == scrapers.UNKNOWN:
            unmapped.append(f"{number} shows {answer.status_raw!r}")
    understood = f"{len(numbers)} number{'s' if len(numbers) != 1 else ''} understood"
    if unmapped:
        understood += "; status wording not recognised: " + ", ".join(unmapped)
    return SelftestLine(register, "ok", understood)
