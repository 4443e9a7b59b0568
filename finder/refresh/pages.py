"""One register results page -> directory rows, and writing them as one transaction.

`prepare_*` does every network step a page needs (GOsC names its osteopaths by an internal id,
so a new id costs one registrant page, then is remembered) and geocodes practices from our
postcode table. `apply_page` then writes practitioners, practices, links, what this run has
seen, and the checkpoint together, so a reader or a crash sees the whole page or none of it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

import sqlite_utils

from finder import directory, times
from finder.db import changed, transaction
from finder.errors import FinderError
from finder.places import postcodes
from scrapers import gcc, gosc
from scrapers.errors import require_ok
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


def content_key(register: str, practice: Practice) -> str:
    """A stable key for a practice the register gives no id for: its name and postcode."""
    basis = f"{' '.join(practice.name.casefold().split())}|{practice.postcode or ''}"
    return f"{register}:{hashlib.sha256(basis.encode()).hexdigest()[:16]}"


def prepare_gosc(
    db: sqlite_utils.Database, session, page: ResultPage, table: postcodes.PostcodeTable
) -> PreparedPage:
    prepared = PreparedPage()
    known = dict(db.execute("select register_id, registration_number from gosc_registrants"))
    for practice in page.items:
        key = f"gosc:{practice.register_id}" if practice.register_id else None
        row, reason = practice_row("gosc", practice, key or content_key("gosc", practice), table)
        staff = []
        for link in practice.practitioners:
            if not link.register_id or not link.url:
                continue  # an osteopath we cannot identify: not linked rather than guessed
            if link.register_id not in known:
                url, status, text = gosc.fetch_registrant(session, link.url)
                require_ok(url, status)
                registration = gosc.parse_registrant(text, url)
                known[link.register_id] = registration.registration_number
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
            row, reason = practice_row("gcc", practice, content_key("gcc", practice), table)
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
    """Write the page and move the checkpoint past it, in one transaction."""
    with transaction(db) as tx:
        for name, number, reg_name in prepared.resolved:
            tx.conn.execute(
                "insert or replace into gosc_registrants values (?, ?, ?, ?)",
                (name, number, reg_name, times.now_iso()),
            )
        for row in prepared.practitioners:
            pair = (row["register"], row["registration_number"])
            _upsert_counted(
                tx, run_id, register, "practitioner", "|".join(pair),
                exists="select 1 from practitioners where register = ? "
                "and registration_number = ?", args=pair,
                upsert=lambda row=row: directory.upsert_practitioners(tx, [row]),
                revive="update practitioners set retired_reason = null where register = ? "
                "and registration_number = ? and retired_at is null",
            )  # fmt: skip
        unlocated = dict(prepared.unlocated)
        for row in prepared.practices:
            staff = row.pop("_staff")
            _upsert_counted(
                tx, run_id, register, "practice", row["key"],
                exists="select 1 from practices where key = ?", args=(row["key"],),
                upsert=lambda row=row: directory.upsert_practice(tx, row),
                revive="update practices set retired_reason = null where key = ? "
                "and retired_at is null", note=unlocated.get(row["key"]),
            )  # fmt: skip
            for pair in staff:
                tx.conn.execute(
                    "insert or ignore into practice_practitioners "
                    "select id, ?, ? from practices where key = ?",
                    (*pair, row["key"]),
                )
                tx.conn.execute(
                    "insert or ignore into refresh_seen values (?, ?, 'link', ?, 'seen', null)",
                    (run_id, register, "|".join((row["key"], *pair))),
                )
        checkpoint(tx)


def _upsert_counted(
    tx, run_id, register, kind, key, *, exists, args, upsert, revive, note=None
) -> None:
    """Upsert, and remember the first sighting in this run as added / updated / unchanged."""
    was_there = tx.conn.execute(exists, args).fetchone() is not None
    wrote = changed(tx, upsert)
    tx.conn.execute(revive, args)
    action = "unchanged" if not wrote else "updated" if was_there else "added"
    tx.conn.execute(
        "insert or ignore into refresh_seen values (?, ?, ?, ?, ?, ?)",
        (run_id, register, kind, key, action, note),
    )


def walk_url(register: str, base_url: str, centre, radius: int, page: int) -> str:
    """The URL of results page `page` (1-based) around a centre."""
    if register == "gosc":
        return gosc.practice_search_url(base_url, centre.label, radius, page)
    return gcc.postcode_search_url(
        base_url, centre.label, centre.latitude, centre.longitude, (page - 1) * gcc.PAGE_SIZE
    )


def fetch_page(session, register: str, base_url: str, centre, radius: int, page: int):
    """One results page, parsed. Raises the scrapers' errors."""
    url, status, text = session.fetch(walk_url(register, base_url, centre, radius, page))
    require_ok(url, status)
    if register == "gosc":
        return gosc.parse_practices(text, url)
    return gcc.parse_results(text, url)
