"""registrations.record (an answer read elsewhere, recorded as a check) and RegisterClients.ask
(the register's lock and outage pause, for lookups and walks alike)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from test_registrations import NOW, ScriptedClients, person

from finder import db, registrations, vocabulary
from scrapers.errors import RegisterUnavailable
from scrapers.records import NotFound as RegisterNotFound

TABLES = ("registrations", "registration_checks")


def rows(database) -> dict:
    return {table: list(database[table].rows) for table in TABLES}


def test_a_recorded_answer_lands_exactly_as_a_fetched_one(main_db, tmp_path, caplog):
    fetched = main_db
    recorded = db.connect(tmp_path / "recorded.db")
    db.migrate(recorded)
    caplog.set_level("INFO", logger="finder.registrations")
    later = NOW + timedelta(days=1)
    odd = person(status="Under review", outcome="unknown", reason="status not recognised")
    results = {"fetched": [], "recorded": []}
    for at, answer in ((NOW, person()), (later, person(name="Ellis Renamed")), (later, odd)):
        results["fetched"].append(
            registrations.check(
                fetched, "hcpc", "PH123456", clients=ScriptedClients(answer), refresh=True, now=at
            ).to_dict()
        )
        results["recorded"].append(
            registrations.record(recorded, "hcpc", "PH123456", answer, now=at).to_dict()
        )

    assert results["recorded"] == results["fetched"]
    assert [r["changed"] for r in results["recorded"]] == [False, True, False]
    assert results["recorded"][2]["stale"] is True  # the unmapped status kept the good answer
    assert rows(recorded) == rows(fetched)
    fetch_lines = [r for r in caplog.records if r.getMessage().startswith("register fetch")]
    assert len(fetch_lines) == 3  # the checks only: recording asks no register


def test_a_recorded_not_found_is_a_good_answer_and_numbers_are_normalised(main_db):
    answer = RegisterNotFound("gosc", "9123", "https://gosc.example/search", "sha")
    result = registrations.record(main_db, "gosc", "09123", answer, now=NOW)
    assert (result.registration_number, result.outcome, result.stale) == (
        "9123",
        "not_found",
        False,
    )
    assert main_db["registrations"].get(("gosc", "9123"))["outcome"] == "not_found"


def clients_with(session) -> registrations.RegisterClients:
    sessions = {register: session for register in vocabulary.REGISTERS}
    return registrations.RegisterClients(
        sessions, {r: f"http://{r}.invalid" for r in sessions}, clock=lambda: 0.0
    )


def test_ask_hands_the_session_and_base_url_and_an_outage_pauses_the_register():
    session = object()
    clients = clients_with(session)
    assert clients.ask("gcc", lambda s, base_url: (s is session, base_url)) == (
        True,
        "http://gcc.invalid",
    )

    def down(s, base_url):
        raise RegisterUnavailable("HTTP 503 after 4 attempts", base_url)

    with pytest.raises(RegisterUnavailable, match="HTTP 503"):
        clients.ask("gcc", down)
    asked = []
    with pytest.raises(RegisterUnavailable, match="not asked again yet"):
        clients.ask("gcc", lambda s, base_url: asked.append(base_url))
    assert asked == []
    assert clients.ask("gosc", lambda s, base_url: base_url) == "http://gosc.invalid"


def test_ask_each_holds_the_register_one_item_at_a_time():
    clients = clients_with(object())
    held = []

    def pages(session, base_url):
        for number in (1, 2, 3):
            held.append(clients._locks["gosc"].locked())
            yield number

    walk = clients.ask_each("gosc", pages)
    assert next(walk) == 1
    # Between items another check can have the register.
    checked = threading.Thread(target=lambda: clients.ask("gosc", lambda s, b: None))
    checked.start()
    checked.join(timeout=5)
    assert not checked.is_alive()
    assert list(walk) == [2, 3]
    assert held == [True, True, True]
