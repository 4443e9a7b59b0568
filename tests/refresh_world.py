"""A made-up register world around Leeds for the refresh tests: hundreds of practices on the
fake GOsC and GCC registers, search centres planned over the LS districts, and helpers to run a
refresh and read back the whole directory."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from fakeregister import fake_register
from faketime import FakeTime

from finder import db, refresh, registrations
from finder.places import postcodes
from finder.refresh import centres

GOSC_PRACTICES = 150
GCC_CHIROPRACTORS = 60
UNKNOWN_POSTCODE = "LS99 9ZZ"  # well-formed, not in the postcode table
FIRST_NAMES = ("Alex", "Sam", "Robin", "Jo", "Kit", "Ash", "Lee", "Max", "Pat", "Kim")
SURNAMES = ("Example", "Sample", "Placeholder", "Testcase", "Fixture", "Mockley", "Dummy")


def made_up_name(index: int) -> str:
    return f"{FIRST_NAMES[index % 10]} {SURNAMES[index // 10 % 7]}{index:03d}"


def leeds_postcodes(table: postcodes.PostcodeTable, count: int, offset: int) -> list[tuple]:
    """Real LS postcodes, spread over the area, the same every time."""
    rows = table.db.execute(
        "select postcode, latitude, longitude from postcodes where postcode glob 'LS[0-9]*' "
        "and latitude is not null order by postcode"
    ).fetchall()
    step = len(rows) // (count * 3)
    return rows[offset::step][:count]


def populate(fake, table: postcodes.PostcodeTable) -> None:
    """GOsC: 150 practices, each with one to three osteopaths, some working at two. GCC: 60
    chiropractors with one or two practices each, one practice shared by two of them."""
    places = leeds_postcodes(table, GOSC_PRACTICES, 0)
    practices = []
    for index, (postcode, lat, lon) in enumerate(places):
        if index == 7:
            postcode = UNKNOWN_POSTCODE  # kept without a location, reported
        practices.append(
            fake.add_gosc_practice(
                f"Osteo Clinic {index:03d}", (f"{index} Example Street", "Leeds"), postcode,
                lat, lon, phone=f"0113 496 {index:04d}",
            )
        )  # fmt: skip
    for index in range(GOSC_PRACTICES + 40):
        at = [practices[index % GOSC_PRACTICES]]
        if index % 9 == 0:
            at.append(practices[(index * 7 + 3) % GOSC_PRACTICES])
        fake.add_gosc(str(91000 + index), made_up_name(index), at)
    shared = None
    for index, (postcode, lat, lon) in enumerate(leeds_postcodes(table, GCC_CHIROPRACTORS, 1)):
        clinic = fake.add_practice(
            f"Chiro Rooms {index:03d}", (f"{index} Sample Road",), postcode, lat, lon
        )
        at = [clinic]
        if index % 5 == 0 and shared is not None:
            at.append(shared)
        shared = shared or clinic
        fake.add_gcc(f"{9000 + index:05d}", made_up_name(index + 500), at)
    for index in range(1, len(FIRST_NAMES)):
        fake.add_hcpc(f"PH{910000 + index}", made_up_name(index + 800))


def populate_uk(fake, table: postcodes.PostcodeTable, practices: int, chiropractors: int):
    """Practices and chiropractors at real postcodes spread over every area of the table (the
    Channel Islands and Man aside): GOsC practices with one or two osteopaths each, one in
    seven of them also at a second practice; GCC chiropractors with one practice each."""
    rows = [row for row in centres.located_postcodes(table)]
    step = len(rows) // (practices + chiropractors)
    spread = rows[::step]
    gosc_places, gcc_places = spread[:practices], spread[practices : practices + chiropractors]
    clinics = [
        fake.add_gosc_practice(
            f"Osteo Rooms {index:04d}", (f"{index} Example Lane",), postcode, lat, lon
        )
        for index, (postcode, lat, lon) in enumerate(gosc_places)
    ]
    number = 70000
    for index, clinic in enumerate(clinics):
        for _ in range(1 + index % 2):
            at = [clinic] if number % 7 else [clinic, clinics[(index + 5) % len(clinics)]]
            fake.add_gosc(str(number), made_up_name(number % 1000), at)
            number += 1
    for index, (postcode, lat, lon) in enumerate(gcc_places):
        clinic = fake.add_practice(f"Chiro Place {index:04d}", (f"{index} Sample Way",),
                                   postcode, lat, lon)  # fmt: skip
        fake.add_gcc(f"{20000 + index:05d}", made_up_name(index + 300), [clinic])


def leeds_centres(table: postcodes.PostcodeTable) -> dict:
    districts = [d for d in centres.districts(table) if d[0].startswith("LS")]
    return {
        register: centres.plan(districts, centres.spacing_km(centres.RADIUS_MILES[register]))
        for register in ("gosc", "gcc")
    }


def locator(table: postcodes.PostcodeTable):
    def locate(text: str):
        try:
            location = table.lookup(text)
        except Exception:
            return None
        return location.latitude, location.longitude

    return locate


@contextmanager
def leeds_world(postcode_table):
    with fake_register(locate=locator(postcode_table)) as fake:
        populate(fake, postcode_table)
        yield fake


@pytest.fixture
def world(postcode_table):
    """The fake registers over Leeds, for one test (conftest makes it everyone's fixture)."""
    with leeds_world(postcode_table) as fake:
        yield fake


def clients_at(urls: dict, interval: float = 0, time: FakeTime | None = None):
    """Register clients for the registers at `urls`. Without `time` nothing ever waits; with
    it, the pause after an outage is slept on that clock (a minute costs nothing)."""
    config = {f"{r.upper()}_URL": url for r, url in urls.items()}
    config.update(REQUEST_INTERVAL=interval, CONTACT="tests <tests@example.invalid>")
    if time is None:
        return registrations.clients_from_config(config, sleep=lambda seconds: None)
    return registrations.clients_from_config(config, sleep=time.sleep, clock=time.clock)


def clients_for(fake, interval: float = 0, time: FakeTime | None = None):
    urls = {r: fake.base_url(r) for r in ("hcpc", "gosc", "gcc")}
    return clients_at(urls, interval, time)


# run_refresh's keywords that are refresh.Options fields; any other goes to refresh.refresh.
OPTION_KEYWORDS = ("progress", "max_pages", "whole_register", "max_retire_share")


def run_refresh(
    data_dir, fake, table, registers=("gosc", "gcc"), *, interval=0, time=None, **kwargs
):
    """A refresh of `registers` on the fake registers, searching the Leeds centres."""
    chosen = {name: kwargs.pop(name) for name in OPTION_KEYWORDS if name in kwargs}
    clients = clients_for(fake, interval, time)
    options = refresh.Options(
        clients=clients, postcodes=table, centres=leeds_centres(table), **chosen
    )
    try:
        return refresh.refresh(db.main_db_path(data_dir), list(registers), options, **kwargs)
    finally:
        clients.close()


def directory_tables(database) -> dict:
    """The whole directory as a user would see it, without timestamps."""
    return {
        "practices": database.execute(
            "select key, name, address, postcode, latitude, longitude, phone, email, website, "
            "source, retired_at is not null, retired_reason from practices order by key"
        ).fetchall(),
        "practitioners": database.execute(
            "select register, registration_number, name, profession, source, "
            "retired_at is not null, retired_reason from practitioners order by 1, 2"
        ).fetchall(),
        "links": database.execute(
            "select p.key, l.register, l.registration_number from practice_practitioners l "
            "join practices p on p.id = l.practice_id order by 1, 2, 3"
        ).fetchall(),
        "registrations": database.execute(
            "select register, registration_number, outcome, status_raw, name_on_register "
            "from registrations order by 1, 2"
        ).fetchall(),
        "located": database.execute("select count(*) from practice_points").fetchone(),
    }


def registration_tables(database) -> dict:
    """Every check ever recorded and the GOsC ids resolved, without timestamps or row ids: a
    check recorded twice, or never, shows here."""
    return {
        "checks": sorted(
            database.execute(
                "select register, registration_number, outcome, status_raw, name_on_register, "
                "profession, source_url, evidence_sha256, reason, changed from registration_checks"
            ).fetchall(),
            key=repr,
        ),
        "gosc_registrants": database.execute(
            "select register_id, registration_number, name from gosc_registrants order by 1"
        ).fetchall(),
        "check_queue": database.execute(
            "select register, registration_number from check_queue order by 1, 2"
        ).fetchall(),
    }


def refresh_in_child(argv: list[str]) -> None:
    """A refresh in this process, against fake registers started by the test process, that
    SIGKILLs itself right after the page (HCPC: check) numbered `kill_after` is saved.

    argv: data folder, base URLs as JSON, register, kill_after (0: never), "resume" or "new".
    """
    import json
    import os
    import signal

    data_dir, urls, register, kill_after, mode = argv
    table = postcodes.PostcodeTable(db.postcodes_db_path(data_dir))
    clients = clients_at(json.loads(urls))
    saved = []

    def die_after_the_chosen_page(register_saved: str) -> None:
        saved.append(register_saved)
        if len(saved) == int(kill_after):
            os.kill(os.getpid(), signal.SIGKILL)

    options = refresh.Options(
        clients=clients, postcodes=table, centres=leeds_centres(table),
        on_saved=die_after_the_chosen_page,
    )  # fmt: skip
    summary = refresh.refresh(
        db.main_db_path(data_dir), [register], options, resume=mode == "resume"
    )
    print(json.dumps({"pages": len(saved), "summary": summary}))


if __name__ == "__main__":
    import sys

    refresh_in_child(sys.argv[1:])
