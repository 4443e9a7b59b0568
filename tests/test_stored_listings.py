"""The listings kept ready by triggers always show the data as it is now, whoever wrote it.

The reference here is built in Python from the base tables, not from the triggers' SQL, and
the writes are raw SQL of every kind a writer might use (conflict policies included), as well
as the directory's own upserts.
"""

from __future__ import annotations

import json
import random

import pytest

from finder import db, directory
from finder.directory import listings, stored_listings

REGISTERS = {"physiotherapist": "hcpc", "osteopath": "gosc", "chiropractor": "gcc"}


def reference(database, practice_id: int) -> list | None:
    """What a listing must hold, read the slow way."""
    row = database.execute(
        "select source, name, address, postcode, latitude, longitude, phone, email, website, "
        "features from practices where id = ?",
        (practice_id,),
    ).fetchone()
    if row is None:
        return None
    source, name, address, postcode, lat, lon, phone, email, website, features = row
    people = database.execute(
        """select t.name, t.profession, t.register, t.registration_number,
                r.outcome, r.status_raw, r.checked_at, r.source_url, r.reason
            from practice_practitioners l
            join practitioners t using (register, registration_number)
            left join registrations r using (register, registration_number)
            where l.practice_id = ? and t.retired_at is null""",
        (practice_id,),
    ).fetchall()
    return [
        practice_id,
        source,
        name,
        json.loads(address),
        postcode,
        lat,
        lon,
        phone,
        email,
        website,
        json.loads(features),
        # Only those who may practise: the register has not said they are inactive or unknown.
        sorted(list(person) for person in people if person[4] not in ("inactive", "not_found")),
    ]


def assert_listings_current(database) -> None:
    ids = [pid for (pid,) in database.execute("select id from practices")]
    stored = stored_listings.read(database, ids)
    for listing in stored.values():
        listing[-1] = sorted(listing[-1])
    assert stored == {pid: reference(database, pid) for pid in ids}


class RandomWriter:
    """Random writes to every table a listing is made of, by raw SQL."""

    def __init__(self, database, rng: random.Random):
        # The connection's own execute: writes join the caller's transaction (sqlite-utils'
        # would commit each one), so a link may come before its practitioner, as in a bulk load.
        self.sql, self.rng = database.conn.execute, rng
        self.next_practice, self.next_number = 1, 1

    # Adding outweighs removing, so the directory grows while every kind of write happens.
    WEIGHTS = {"do_add_practice": 3, "do_add_practitioner": 4, "do_link": 8,
               "do_record_registration": 4}  # fmt: skip

    def run(self) -> None:
        actions = [name for name in dir(self) if name.startswith("do_")]
        weights = [self.WEIGHTS.get(name, 1) for name in actions]
        getattr(self, self.rng.choices(actions, weights)[0])()

    def practice_id(self):
        row = self.sql("select id from practices order by random() limit 1").fetchone()
        return row and row[0]

    def practitioner(self):
        return self.sql(
            "select register, registration_number from practitioners order by random() limit 1"
        ).fetchone()

    def do_add_practice(self) -> None:
        key = self.next_practice
        self.next_practice += 1
        located = self.rng.random() < 0.9
        self.sql(
            "insert into practices (key, name, address, postcode, latitude, longitude, phone, "
            "features, source, updated_at) values (?, ?, ?, ?, ?, ?, ?, ?, 'test', 'now')",
            (
                f"test:{key}",
                f"Practice {key} “Ünïcode”",
                json.dumps([f"{key} Test Street", "Leeds"]),
                "LS6 2AB",
                self.rng.uniform(50, 58) if located else None,
                self.rng.uniform(-7, 1.7) if located else None,
                self.rng.choice([None, "01632 960001"]),
                json.dumps({"home_visits": self.rng.random() < 0.5}),
            ),
        )

    def do_change_practice(self) -> None:
        if pid := self.practice_id():
            column, value = self.rng.choice(
                [
                    ("name", f"Renamed {self.rng.random()}"),
                    ("phone", None),
                    ("email", "hello@clinic.example"),
                    ("latitude", self.rng.uniform(50, 58)),
                    ("features", json.dumps({"languages": ["cy"]})),
                    ("retired_at", self.rng.choice([None, "2026-12-01"])),
                    ("updated_at", "later"),  # not listed: the listing stays as it is
                ]
            )
            self.sql(f"update practices set {column} = ? where id = ?", (value, pid))

    def do_replace_practice(self) -> None:
        if pid := self.practice_id():
            self.sql(
                "insert or replace into practices (id, key, name, source, updated_at) "
                "select id, key, 'Replaced', source, updated_at from practices where id = ?",
                (pid,),
            )

    def do_take_a_key(self) -> None:
        """A REPLACE that deletes another row: without recursive triggers, its delete
        trigger does not run."""
        if pid := self.practice_id():
            key = self.sql("select key from practices where id = ?", (pid,)).fetchone()[0]
            self.sql(
                "insert or replace into practices (key, name, latitude, longitude, source, "
                "updated_at) values (?, 'Took the key', 53.8, -1.5, 'test', 'now')",
                (key,),
            )

    def do_remove_practice(self) -> None:
        if (pid := self.practice_id()) and self.rng.random() < 0.3:
            self.sql("delete from practices where id = ?", (pid,))

    def do_add_practitioner(self) -> None:
        profession = self.rng.choice(list(REGISTERS))
        number = {"hcpc": "PH9{:05d}", "gosc": "9{:04d}", "gcc": "0{:04d}"}[
            REGISTERS[profession]
        ].format(self.next_number)
        self.next_number += 1
        if self.rng.random() < 0.3 and (pid := self.practice_id()):
            # A bulk load may link first: the keys are only checked at commit.
            self.sql("insert into practice_practitioners values (?, ?, ?)",
                            (pid, REGISTERS[profession], number))  # fmt: skip
        self.sql(
            "insert into practitioners (register, registration_number, name, profession, "
            "source, updated_at) values (?, ?, ?, ?, 'test', 'now')",
            (REGISTERS[profession], number, f"Person {self.rng.randrange(50)}", profession),
        )

    def do_change_practitioner(self) -> None:
        if key := self.practitioner():
            column, value = self.rng.choice(
                [
                    ("name", f"Renamed {self.rng.randrange(50)}"),
                    ("retired_at", self.rng.choice([None, "2026-12-01"])),
                    ("updated_at", "later"),
                ]
            )
            self.sql(
                f"update practitioners set {column} = ? "
                "where register = ? and registration_number = ?",
                (value, *key),
            )

    def do_remove_practitioner(self) -> None:
        if (key := self.practitioner()) and self.rng.random() < 0.3:
            self.sql(
                "delete from practitioners where register = ? and registration_number = ?", key
            )

    def do_link(self) -> None:
        pid, key = self.practice_id(), self.practitioner()
        if pid and key:
            self.sql("insert or ignore into practice_practitioners values (?, ?, ?)",
                            (pid, *key))  # fmt: skip

    def do_move_link(self) -> None:
        link = self.sql("select * from practice_practitioners order by random() limit 1").fetchone()
        pid, key = self.practice_id(), self.practitioner()
        if link and pid and key:
            moved = (pid, *link[1:]) if self.rng.random() < 0.5 else (link[0], *key)
            self.sql(
                "update or ignore practice_practitioners set practice_id = ?, register = ?, "
                "registration_number = ? "
                "where practice_id = ? and register = ? and registration_number = ?",
                (*moved, *link),
            )

    def do_unlink(self) -> None:
        link = self.sql("select * from practice_practitioners order by random() limit 1").fetchone()
        if link:
            self.sql(
                "delete from practice_practitioners where practice_id = ? and register = ? "
                "and registration_number = ?",
                link,
            )

    def do_record_registration(self) -> None:
        if key := self.practitioner():
            policy = self.rng.choice(["insert", "insert or ignore", "insert or replace"])
            if (
                policy == "insert"
                and self.sql(
                    "select 1 from registrations where register = ? and registration_number = ?",
                    key,
                ).fetchone()
            ):
                policy = "insert or replace"
            self.sql(
                f"{policy} into registrations (register, registration_number, outcome, "
                "status_raw, checked_at, source_url) values (?, ?, ?, ?, ?, ?)",
                (
                    *key,
                    self.rng.choice(["registered", "inactive"]),
                    f"Status {self.rng.randrange(9)}",
                    f"2026-12-0{self.rng.randrange(1, 9)}T10:00:00Z",
                    self.rng.choice([None, "https://register.example/entry"]),
                ),
            )

    def do_change_registration(self) -> None:
        row = self.sql(
            "select register, registration_number from registrations order by random() limit 1"
        ).fetchone()
        if row:
            self.sql(
                "update registrations set outcome = 'restricted', checked_at = ? "
                "where register = ? and registration_number = ?",
                (f"2026-12-05T{self.rng.randrange(24):02d}:00:00Z", *row),
            )

    def do_forget_registration(self) -> None:
        self.sql(
            "delete from registrations where rowid in "
            "(select rowid from registrations order by random() limit 1)"
        )


@pytest.mark.parametrize("recursive_triggers", ["on", "off"])  # off: the sqlite3 shell's default
def test_listings_follow_every_kind_of_write(main_db, recursive_triggers):
    main_db.execute(f"pragma recursive_triggers = {recursive_triggers}")
    writer = RandomWriter(main_db, random.Random(5))
    for _ in range(40):
        with main_db.conn:
            for _step in range(15):
                writer.run()
        assert_listings_current(main_db)
    # The run really exercised the listings: practices with people and registration states.
    ids = [pid for (pid,) in main_db.execute("select id from practices")]
    listed = stored_listings.read(main_db, ids)
    people = [person for listing in listed.values() for person in listing[-1]]
    assert len(listed) > 30 and len(people) > 40
    assert sum(person[4] is not None for person in people) > 10  # a registration outcome


def test_the_directory_upserts_keep_listings_current(main_db):
    people = [
        {"register": "gosc", "registration_number": "9001", "name": "Ada Example",
         "profession": "osteopath", "source": "test"},
        {"register": "gcc", "registration_number": "00042", "name": "Ben Example",
         "profession": "chiropractor", "source": "test"},
    ]  # fmt: skip
    directory.upsert_practitioners(main_db, people)
    practice = {"key": "test:1", "name": "Clinic", "latitude": 53.8, "longitude": -1.5}
    pid = directory.upsert_practice(main_db, practice, [("gosc", "9001"), ("gcc", "00042")])
    directory.upsert_practice(main_db, {**practice, "phone": "01632 960002"}, [("gcc", "00042")])
    directory.retire_practitioners(main_db, [("gcc", "00042")])
    assert_listings_current(main_db)
    assert stored_listings.read(main_db, [pid])[pid][-1] == []


def test_coordinates_keep_every_digit(main_db):
    """SQLite's JSON would round a coordinate to 15 digits; the listing keeps all 17."""
    main_db.execute(
        "insert into practices (id, key, name, latitude, longitude, source, updated_at) "
        "values (7, 'test:7', 'Exact', 53.800000000000004, -1.5499999999999998, 'test', 'now')"
    )
    listing = stored_listings.read(main_db, [7])[7]
    assert (listing[5], listing[6]) == (53.800000000000004, -1.5499999999999998)


def test_a_directory_made_before_listings_were_kept_gets_them_all(data_dir):
    database = db.connect(db.main_db_path(data_dir))
    for migrations in db.migration_sets():
        migrations.apply(database, stop_before="keep_listings_ready")
    assert "practice_listings" not in database.table_names()
    writer = RandomWriter(database, random.Random(8))
    with database.conn:
        for _ in range(200):
            writer.run()
    db.migrate(database)
    assert_listings_current(database)
    database.close()


def test_a_practice_replaced_away_is_never_listed(main_db):
    """The sqlite3 shell's REPLACE (recursive triggers off) deletes the row that held the key
    without its delete trigger: its leftover listing must not come back in a search."""
    main_db.execute("pragma recursive_triggers = off")
    insert = (
        "insert or replace into practices (id, key, name, latitude, longitude, source, "
        "updated_at) values (?, 'test:1', ?, 53.8, -1.5, 'test', 'now')"
    )
    main_db.execute(insert, (1, "First"))
    main_db.execute(insert, (5, "Took its key"))
    hits = listings.load_hits(main_db, [(1, 0.0), (5, 0.0)])
    assert [(hit.practice_id, hit.practice.name) for hit in hits] == [(5, "Took its key")]
