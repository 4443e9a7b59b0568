"""Register health: the last page understood and the last layout change per register, recorded
by checks and shown by /healthz."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fakeregister import fake_register
from pages import read

from finder import registrations
from finder.registrations import RegisterClients, health


@pytest.fixture
def fake():
    with fake_register() as fake:
        fake.add_hcpc("PH123456", "Ellis Example")
        fake.add_gcc("04567", "Robin Example")
        yield fake


@pytest.fixture
def clients(fake):
    config = {f"{r.upper()}_URL": fake.base_url(r) for r in ("hcpc", "gosc", "gcc")}
    clients = registrations.clients_from_config({**config, "REQUEST_INTERVAL": 0})
    yield clients
    clients.close()


def check(main_db, clients, register, number, when):
    moment = datetime(2026, 12, 7, 9, 0, when, tzinfo=UTC)
    return registrations.check(main_db, register, number, clients=clients, refresh=True, now=moment)


def test_nothing_recorded_is_unknown_for_every_register(main_db):
    assert health.states(main_db) == {
        register: {
            "state": "unknown",
            "last_understood": None,
            "last_layout_change": None,
            "reason": None,
        }
        for register in ("hcpc", "gosc", "gcc")
    }


def test_a_check_the_register_answered_marks_its_page_understood(main_db, clients):
    check(main_db, clients, "hcpc", "PH123456", 1)
    assert health.states(main_db)["hcpc"] == {
        "state": "ok",
        "last_understood": "2026-12-07T09:00:01Z",
        "last_layout_change": None,
        "reason": None,
    }


def test_a_redesigned_page_is_a_layout_change_until_a_page_is_understood_again(
    main_db, clients, fake
):
    check(main_db, clients, "gcc", "04567", 1)
    fake.redesign("gcc")
    result = check(main_db, clients, "gcc", "04567", 2)
    assert (result.outcome, result.stale) == ("registered", True)  # the last known answer
    assert health.states(main_db)["gcc"] == {
        "state": "layout_changed",
        "last_understood": "2026-12-07T09:00:01Z",
        "last_layout_change": "2026-12-07T09:00:02Z",
        "reason": "GCC results page: no div.card.chiro_card and no 'Sorry, there are no results'",
    }
    fake.clear_faults()
    check(main_db, clients, "gcc", "04567", 3)
    assert health.states(main_db)["gcc"]["state"] == "ok"


def test_an_outage_changes_no_register_state(main_db, clients, fake):
    check(main_db, clients, "hcpc", "PH123456", 1)
    fake.fault("outage", register="hcpc")
    check(main_db, clients, "hcpc", "PH123456", 2)
    assert health.states(main_db)["hcpc"]["state"] == "ok"


def test_a_layout_change_in_the_same_second_as_an_understood_page_is_not_ok(main_db):
    health.page_understood(main_db, "gosc", "2026-12-07T09:00:00Z")
    health.layout_changed(main_db, "gosc", "GOsC registrant page: no x", "2026-12-07T09:00:00Z")
    assert health.states(main_db)["gosc"]["state"] == "layout_changed"


def test_healthz_shows_each_registers_state(client, main_db):
    health.page_understood(main_db, "hcpc", "2026-12-07T09:00:00Z")
    health.layout_changed(main_db, "gcc", "GCC results page: no x", "2026-12-07T09:05:00Z")
    body = client.get("/healthz").get_json()
    assert body["registers"] == {
        "hcpc": {
            "state": "ok",
            "last_understood": "2026-12-07T09:00:00Z",
            "last_layout_change": None,
            "reason": None,
        },
        "gosc": {
            "state": "unknown",
            "last_understood": None,
            "last_layout_change": None,
            "reason": None,
        },
        "gcc": {
            "state": "layout_changed",
            "last_understood": None,
            "last_layout_change": "2026-12-07T09:05:00Z",
            "reason": "GCC results page: no x",
        },
    }
    assert body["status"] == "ok"  # a register's redesign leaves the service up


class _OnePage:
    """A session that answers every request with one saved page, as the register would."""

    def __init__(self, name: str) -> None:
        self.text = read(name)

    def fetch(self, url, params=None):
        return url, 200, self.text

    def close(self) -> None:
        pass


def check_against(main_db, page: str):
    sessions = dict.fromkeys(("hcpc", "gosc", "gcc"), _OnePage(page))
    clients = RegisterClients(sessions, {r: "https://register.example" for r in sessions})
    return registrations.check(main_db, "hcpc", "PH123456", clients=clients, refresh=True)


@pytest.mark.parametrize(
    "page", ["hcpc_registered_outage_banner.html", "hcpc_registered_cloudflare_jsd.html"]
)
def test_a_good_page_with_the_banner_or_cloudflares_script_is_registered(main_db, page):
    result = check_against(main_db, page)
    assert (result.outcome, result.stale, result.reason) == ("registered", False, None)


def test_the_challenge_page_is_unknown_with_a_plain_reason_never_not_found(main_db):
    result = check_against(main_db, "hcpc_challenge.html")
    assert (result.outcome, result.reason) == (
        "unknown",
        "register unavailable: 403 challenge page",
    )
    assert health.states(main_db)["hcpc"]["state"] == "unknown"  # no layout change either


def test_a_page_understood_in_the_same_second_after_a_change_is_ok_again(main_db):
    health.layout_changed(main_db, "gcc", "GCC results page: no x", "2026-12-07T09:00:00Z")
    health.page_understood(main_db, "gcc", "2026-12-07T09:00:00Z")
    assert health.states(main_db)["gcc"]["state"] == "ok"
    assert health.notice(main_db, "gcc") is None
