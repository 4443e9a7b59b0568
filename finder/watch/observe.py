"""One check of a watched registration, and what the register said in it.

The check is an ordinary one (`fetch_and_record`: recorded with its evidence, the current
state updated only on a good answer), but the monitor compares the register's own words, so
it keeps the answer itself: a status nobody has mapped yet is a change to report, even though
the check answers with the last good state marked stale.
"""

from __future__ import annotations

from datetime import datetime

import scrapers
from finder import times
from finder.registrations import store
from finder.registrations.check import failure_reason, fetch_and_record
from finder.registrations.clients import RegisterBusy, RegisterClients
from finder.watch import changes


class _Witness:
    """The register clients, remembering what the register said (or how it failed), so the
    monitor compares the page's own words, not the cached answer a check falls back on."""

    def __init__(self, clients: RegisterClients) -> None:
        self.clients = clients
        self.answer = None
        self.error: Exception | None = None

    def lookup(self, register: str, number: str):
        try:
            self.answer = self.clients.lookup(register, number)
        except Exception as error:
            self.error = error
            raise
        return self.answer


def observe(
    db, clients: RegisterClients, register: str, number: str, now: datetime
) -> changes.Observation | None:
    """Check one registration with the register, recorded with its evidence as every check
    is; what it saw. None for a number of the sample directory: never asked of a register."""
    if store.is_sample_number(db, register, number):
        return None
    witness = _Witness(clients)
    cached = store.read_current(db, [(register, number)]).get((register, number))
    checked_at = times.iso(now)
    try:
        fetch_and_record(db, register, number, None, clients=witness, cached=cached, now=now)
    except RegisterBusy as busy:
        return changes.Observation(checked_at, None, reason=busy.message)
    answer = witness.answer
    if isinstance(answer, scrapers.NotFound):
        state = {"outcome": "not_found", "status_raw": None, "name_on_register": None}
        return changes.Observation(
            checked_at, {**state, "conditions": None}, answer.source_url, answer.page_sha256
        )
    if answer is not None:
        state = {
            "outcome": answer.outcome,
            "status_raw": answer.status_raw,
            "name_on_register": answer.name,
            "conditions": [answer.notes] if answer.notes else None,
        }
        return changes.Observation(checked_at, state, answer.source_url, answer.page_sha256)
    error = witness.error
    return changes.Observation(
        checked_at, None, getattr(error, "url", None), reason=failure_reason(error)
    )
