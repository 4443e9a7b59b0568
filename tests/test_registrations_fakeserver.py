"""End to end: registrations.check and check_many against the fake registers, fault by fault.

Our code never sleeps for real here: the sessions get a recording `sleep` and a fake clock.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fakeregister import fake_register
from faketime import FakeTime

from finder import db, registrations, vocabulary
from finder.registrations import RegisterClients
from scrapers.http import PoliteSession

NOW = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
NUMBERS = {"hcpc": "PH123456", "gosc": "9123", "gcc": "04567"}
NAMES = {"hcpc": "Ellis Example", "gosc": "Alex Example", "gcc": "Robin Example"}


@pytest.fixture
def fake():
    with fake_register() as fake:
        fake.add_hcpc("PH123456", NAMES["hcpc"])
        fake.add_gosc("9123", NAMES["gosc"])
        fake.add_gcc("04567", NAMES["gcc"])
        yield fake


@pytest.fixture
def fake_time():
    return FakeTime()


@pytest.fixture
def clients(fake, fake_time):
    sessions = {
        register: PoliteSession(
            "registers@finder.example",
            timeout=(1.0, 2.0),  # a busy machine's slow page is no timeout; "slow" shortens it
            min_interval=2.0,
            max_retries=2,
            clock=fake_time.clock,
            sleep=fake_time.sleep,
        )
        for register in vocabulary.REGISTERS
    }
    base_urls = {register: fake.base_url(register) for register in vocabulary.REGISTERS}
    clients = RegisterClients(sessions, base_urls, outage_cooldown=0, clock=fake_time.clock)
    yield clients
    clients.close()


def check(main_db, clients, register, *, at=NOW, **kwargs):
    return registrations.check(
        main_db, register, NUMBERS[register], clients=clients, now=at, **kwargs
    ).to_dict()


@pytest.mark.parametrize("register", sorted(NUMBERS))
def test_each_register_answers_registered_with_its_page_as_evidence(
    register, main_db, clients, fake
):
    result = check(main_db, clients, register, name=NAMES[register])
    assert (result["outcome"], result["name_on_register"], result["name_match"]["verdict"]) == (
        "registered",
        NAMES[register],
        "exact",
    )
    assert result["source_url"].startswith(fake.base_url(register))
    assert len(result["evidence_sha256"]) == 64


@pytest.mark.parametrize(
    ("register", "number"), [("hcpc", "PH999999"), ("gosc", "94444"), ("gcc", "9999")]
)
def test_a_number_the_register_does_not_know_is_not_found(register, number, main_db, clients):
    result = registrations.check(main_db, register, number, clients=clients, now=NOW)
    assert (result.outcome, result.stale, result.reason) == ("not_found", False, None)


@pytest.mark.parametrize("register", sorted(NUMBERS))
@pytest.mark.parametrize("fault", ["500", "403", "truncated", "outage", "redesigned", "slow"])
def test_a_failing_register_serves_the_last_good_answer_marked_stale(
    fault, register, main_db, clients, fake
):
    good = check(main_db, clients, register)
    fake.fault(fault, register=register, delay=0.5)
    clients.sessions[register].timeout = (1.0, 0.2)  # shorter than the slow fault's delay
    stale = check(main_db, clients, register, refresh=True)
    unexplained = {"reason": None, "reason_code": None}
    assert {**stale, **unexplained} == {**good, "stale": True, **unexplained}
    code = "layout_changed" if fault == "redesigned" else "register_unavailable"
    assert stale["reason_code"] == code
    expected = {
        "500": "register unavailable: HTTP 500 after 3 attempts",
        "403": "register unavailable: 403 challenge page",
        "truncated": "register unavailable: truncated page",
        "slow": "register unavailable: timeout after 3 attempts",
    }.get(fault)
    if expected:
        assert stale["reason"] == expected
    elif fault == "outage":
        assert stale["reason"].startswith("register unavailable: ")
    else:
        assert stale["reason"].startswith("register page not understood (layout changed?): ")
    assert (
        main_db["registrations"].get((register, NUMBERS[register]))["checked_at"]
        == (good["checked_at"])
    )


@pytest.mark.parametrize("register", sorted(NUMBERS))
@pytest.mark.parametrize("fault", ["500", "403", "truncated", "outage", "redesigned"])
def test_a_failing_register_with_nothing_cached_gives_unknown_never_not_found(
    fault, register, main_db, clients, fake
):
    fake.fault(fault, register=register)
    result = check(main_db, clients, register)
    assert (result["outcome"], result["stale"]) == ("unknown", False)
    assert result["reason"]
    assert main_db["registrations"].count == 0
    assert [h["outcome"] for h in registrations.history(main_db, register, NUMBERS[register])] == [
        "unknown"
    ]


def test_a_429_is_retried_after_the_time_the_register_asks_for(main_db, clients, fake, fake_time):
    fake.fault("429", register="hcpc", times=1, retry_after="7")
    result = check(main_db, clients, "hcpc")
    assert result["outcome"] == "registered"
    assert 7.0 in fake_time.sleeps


def test_a_status_change_between_two_checks_is_marked_changed(main_db, clients, fake):
    first = check(main_db, clients, "hcpc")
    fake.hcpc["PH123456"].status = "Suspended"
    second = check(main_db, clients, "hcpc", at=NOW + timedelta(days=8))
    assert (first["changed"], second["changed"]) == (False, True)
    assert (second["outcome"], second["status_raw"]) == ("inactive", "Suspended")
    assert first["evidence_sha256"] != second["evidence_sha256"]


def test_a_thousand_row_bulk_check_answers_every_row_in_order(data_dir, clients, fake):
    rows = []
    for i in range(1000):
        register = ("hcpc", "gosc", "gcc")[i % 3]
        number = {"hcpc": f"PH{910000 + i}", "gosc": str(92000 + i), "gcc": f"{9000 + i:05d}"}[
            register
        ]
        name = f"Person{i} Example"
        if i % 10:  # every tenth is not on the register
            {"hcpc": fake.add_hcpc, "gosc": fake.add_gosc, "gcc": fake.add_gcc}[register](
                number, name
            )
        rows.append(
            {"policy": f"P{i}", "register": register, "registration_number": number, "name": name}
        )
    rows.append({"policy": "bad", "register": "hcpc", "registration_number": "PH12A"})
    db.open_main(data_dir).close()
    done = []
    results = registrations.check_many(
        db.main_db_path(data_dir), rows, clients=clients, progress=done.append, now=NOW
    )
    assert [r["policy"] for r in results] == [r["policy"] for r in rows]
    assert [r["outcome"] for r in results[:10]] == ["not_found"] + ["registered"] * 9
    assert sum(r["outcome"] == "registered" for r in results) == 900
    assert sum(r["outcome"] == "not_found" for r in results) == 100
    assert all(r["name_match"] == "exact" for r in results if r["outcome"] == "registered")
    assert results[-1]["error"].endswith(
        "HCPC numbers are PH followed by up to 6 digits, like PH123456"
    )
    assert sum(done) == 1001
    assert max(fake.peak_concurrency.values()) == 1  # each register: one request at a time
