"""One register results page -> directory rows, and writing them as one transaction.

`prepare_*` does every network step a page needs (GOsC names its osteopaths by an internal id
and shows their status only on their registrant page, so each refresh reads each osteopath's
page once, the first time a page of that run lists them) and geocodes practices from our
postcode table. `apply_page` then writes practitioners, practices, links, the registrants' checks,
what this run has seen, and the checkpoint together, so a reader or a crash sees the whole page
or none of it: a resume after a crash reads again exactly the pages that were not saved.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import sqlite_utils

from finder import directory, registrations, times
from finder.db import transaction
from finder.directory import importer
from finder.errors import FinderError
from finder.places import postcodes
from finder.registrations import RegisterClients
from scrapers import gosc
from scrapers.records import Practice, Registration, ResultPage


@dataclass
class PreparedPage:
    """What one results page puts into the directory."""

    practitioners: list[dict] = field(default_factory=list)
    practices: list[dict] = field(default_factory=list)  # each with "_staff": [(reg, number)]
    unlocated: list[tuple[str, str]] = field(default_factory=list)  # (practice key, reason)
    registrations: list[Registration] = field(default_factory=list)  # to record as checks
    resolved: list[tuple[str, str, str]] = field(default_factory=list)  # GOsC id, number, name


def practice_row(register: str, practice: Practice, key: str, table) -> tuple[dict, str | None]:
    """A directory practice row, located from its postcode; the reason when it can't be."""
    lat = lon = None
    reason = None
    if not practice.postcode:
        reason = "no postcode in the address"
    else:
        try:
            location = table.lookup(practice.postcode)
            lat, lon = location.latitude, location.longitude
        except FinderError as error:
            reason = f"postcode {practice.postcode}: {error.message}"
    row = {
        "key": key,
        "name": practice.name,
        "address": list(practice.address_lines),
        "postcode": practice.postcode,
        "latitude": lat,
        "longitude": lon,
        "phone": practice.phone,
        "email": practice.email,
        "website": practice.website,
        "features": {},
        "source": register,
    }
    return row, reason


def prepare_page(
    db: sqlite_utils.Database,
    run_id: int,
    clients: RegisterClients,
    page: ResultPage,
    table: postcodes.PostcodeTable,
) -> PreparedPage:
    """What a GOsC or GCC results page of refresh run `run_id` puts into the directory."""
    if page.register == "gosc":
        return prepare_gosc(db, run_id, clients, page, table)
    return prepare_gcc(page, table)


def prepare_gosc(
    db: sqlite_utils.Database,
    run_id: int,
    clients: RegisterClients,
    page: ResultPage,
    table: postcodes.PostcodeTable,
) -> PreparedPage:
    prepared = PreparedPage()
    known = dict(db.execute("select register_id, registration_number from gosc_registrants"))
    # Registrant pages this run has read already (saved with the pages that listed them).
    read = {
        key
        for (key,) in db.execute(
            "select key from refresh_seen where run_id = ? and register = 'gosc' "
            "and kind = 'registrant'",
            (run_id,),
        )
    }
    for practice in page.items:
        if practice.register_id:
            key = f"gosc:{practice.register_id}"
        else:
            key = directory.practice_key("gosc", practice.name, practice.postcode)
        row, reason = practice_row("gosc", practice, key, table)
        staff = []
        for link in practice.practitioners:
            if not link.register_id or not link.url:
                continue  # an osteopath we cannot identify: not linked rather than guessed
            if link.register_id not in read:  # a status may have changed since the last run
                registration = clients.ask(
                    "gosc",
                    lambda session, _base_url, url=link.url: gosc.read_registrant(session, url),
                )
                known[link.register_id] = registration.registration_number
                read.add(link.register_id)
                prepared.resolved.append(
                    (link.register_id, registration.registration_number, registration.name)
                )
                prepared.registrations.append(registration)
            number = known[link.register_id]
            staff.append(("gosc", number))
            prepared.practitioners.append(_practitioner("gosc", number, link.name, "osteopath"))
        prepared.practices.append({**row, "_staff": staff})
        if reason:
            prepared.unlocated.append((row["key"], reason))
    return prepared


def prepare_gcc(page: ResultPage, table: postcodes.PostcodeTable) -> PreparedPage:
    prepared = PreparedPage()
    for registration in page.items:
        number = registration.registration_number
        prepared.practitioners.append(
            _practitioner("gcc", number, registration.name, "chiropractor")
        )
        prepared.registrations.append(registration)
        for practice in registration.practices:
            key = directory.practice_key("gcc", practice.name, practice.postcode)
            row, reason = practice_row("gcc", practice, key, table)
            prepared.practices.append({**row, "_staff": [("gcc", number)]})
            if reason:
                prepared.unlocated.append((row["key"], reason))
    return prepared


def _practitioner(register: str, number: str, name: str, profession: str) -> dict:
    return {
        "register": register,
        "registration_number": number,
        "name": name,
        "profession": profession,
        "source": register,
    }


def apply_page(
    db: sqlite_utils.Database,
    run_id: int,
    register: str,
    prepared: PreparedPage,
    checkpoint: Callable,
) -> None:
    """Write the page, its registrants' checks and the checkpoint past it, in one transaction.

    The GOsC registrant pages read here are not read again in this run, so their checks must
    land with them: a crash between the two left osteopaths never checked (#15).
    """
    with transaction(db) as tx:
        for register_id, number, reg_name in prepared.resolved:
            tx.conn.execute(
                "insert or replace into gosc_registrants values (?, ?, ?, ?)",
                (register_id, number, reg_name, times.now_iso()),
            )
            _seen(tx, run_id, "gosc", "registrant", register_id, "read")
        # A listing is evidence too: what the page said is recorded as a check of each one.
        for found in prepared.registrations:
            registrations.record(tx, found.register, found.registration_number, found)
            importer.unqueue_check(tx, found.register, found.registration_number)
        for row in prepared.practitioners:
            action = directory.add_or_update_practitioner(tx, row)
            key = f"{row['register']}|{row['registration_number']}"
            _seen(tx, run_id, register, "practitioner", key, action)
        unlocated = dict(prepared.unlocated)
        for row in prepared.practices:
            staff = row.pop("_staff")
            action = directory.add_or_update_practice(tx, row)
            _seen(tx, run_id, register, "practice", row["key"], action, unlocated.get(row["key"]))
            for pair in staff:
                directory.link_practitioner(tx, row["key"], *pair)
                _seen(tx, run_id, register, "link", "|".join((row["key"], *pair)), "seen")
        checkpoint(tx)


def _seen(
    tx, run_id: int, register: str, kind: str, key: str, action: str, note: str | None = None
) -> None:
    """Remember what this run saw, and what its first sighting did (added, updated, ...)."""
    tx.conn.execute(
        "insert or ignore into refresh_seen values (?, ?, ?, ?, ?, ?)",
        (run_id, register, kind, key, action, note),
    )
