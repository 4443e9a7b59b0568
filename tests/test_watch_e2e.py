"""End to end: watchlists made through the API, `finder watch run --once` against the fake
registers (tests/fakeregister.py) at a small politeness interval, change events POSTed to
receivers on 127.0.0.1 (plain http, allowed there by FINDER_WEBHOOK_ALLOW_HOSTS=127.0.0.1)."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from fakeregister import fake_register
from webhookreceiver import webhook_receiver

from finder import config as settings
from finder import create_app
from finder.cli import cli
from finder.registrations import apikeys
from finder.watch import events, webhooks

INTERVAL = 0.04  # seconds between two requests to one register, for a fast test
# How much later than it was sent a request may be logged by the fake (a new connection, a
# thread started, a busy machine): the client spaces the starts of its requests.
JITTER = 0.05
# The spaced-out test: under a loaded machine a request's sending and logging can slip by a
# tenth of a second or more, so its interval is long enough to tell that from no spacing.
SPACED = 0.5
SPACED_JITTER = 0.15
HCPC = [f"PH2{i:05d}" for i in range(90)]
GOSC = [str(5000 + i) for i in range(45)]
GCC = [f"{3000 + i:05d}" for i in range(65)]
# The five the registers change between the first and second runs, and what each becomes.
CHANGED = {
    ("hcpc", HCPC[3]): ("outcome_changed", "registered", "inactive", "Suspended"),
    ("hcpc", HCPC[11]): (
        "status_changed", "restricted", "restricted", "Registered - Conditions of Practice"),
    ("gosc", GOSC[3]): ("not_found", "registered", "not_found", None),  # suspended: unpublished
    ("gosc", GOSC[7]): ("outcome_changed", "registered", "restricted", "Conditions of practice"),
    ("gcc", GCC[12]): ("outcome_changed", "registered", "inactive", "Non-practising"),
}  # fmt: skip


@pytest.fixture
def fake():
    with fake_register() as fake:
        for i, number in enumerate(HCPC):
            status = "Registered - Caution" if i == 11 else "Registered"
            fake.add_hcpc(number, f"Sample Physio {i}", status=status)
        for i, number in enumerate(GOSC):
            fake.add_gosc(number, f"Sample Osteopath {i}")
        clinic = fake.add_practice("Sample Clinic", ("1 Sample Row",), "ZY1 3HG", 51.45, -2.59)
        for i, number in enumerate(GCC):
            fake.add_gcc(number, f"Sample Chiropractor {i}", practices=[clinic])
        yield fake


@pytest.fixture
def environment(monkeypatch, fake, data_dir):
    values = {
        "HCPC_URL": fake.base_url("hcpc"),
        "GOSC_URL": fake.base_url("gosc"),
        "GCC_URL": fake.base_url("gcc"),
        "REQUEST_INTERVAL": str(INTERVAL),
        "WATCH_RECHECK_HOURS": "0",
        "WEBHOOK_ALLOW_HOSTS": "127.0.0.1",
        "WEBHOOK_KEY": "e2e-service-key",
        "CONTACT": "tests <tests@finder.example>",
        "DATA_DIR": str(data_dir),
    }
    for name, value in values.items():
        monkeypatch.setenv(f"FINDER_{name}", value)
    return settings.from_environment()


def make_watchlist(client, key: str, name: str, url: str, rows: list[tuple[str, str]]) -> dict:
    headers = {"Authorization": f"Bearer {key}"}
    made = client.post("/api/v1/watchlists", json={"name": name, "webhook_url": url},
                       headers=headers)  # fmt: skip
    assert made.status_code == 201, made.get_json()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["register", "registration_number", "name", "policy"])
    writer.writerows([(r, n, "", f"POL-{i}") for i, (r, n) in enumerate(rows)])
    put = client.put(f"/api/v1/watchlists/{made.get_json()['id']}/entries", data=out.getvalue(),
                     headers={**headers, "Content-Type": "text/csv"})  # fmt: skip
    assert put.status_code == 200, put.get_json()
    assert put.get_json()["entries"] == len(rows)
    return made.get_json()


def run_once(runner, fake) -> tuple[str, dict[str, list]]:
    """`finder watch run --once`: its output, and each register's requests during it."""
    before = len(fake.requests)
    result = runner.invoke(cli, ["watch", "run", "--once"])
    assert result.exit_code == 0, result.output
    during = fake.requests[before:]
    return result.output, {
        r: [q for q in during if q.register == r] for r in ("hcpc", "gosc", "gcc")
    }


def assert_polite(
    requests_by_register: dict[str, list], interval: float = INTERVAL, jitter: float = JITTER
) -> None:
    """No register was asked faster than the interval: any k+1 of its requests (robots.txt
    included) span at least k intervals, less `jitter` for when each was logged."""
    for register, requests in requests_by_register.items():
        arrivals = sorted(r.at for r in requests)
        for i, first in enumerate(arrivals):
            for k, later in enumerate(arrivals[i + 1 :], start=1):
                assert later - first >= k * interval - jitter, (register, i, k, later - first)


def stored_events(main_db, watchlist_id: int) -> list[dict]:
    return events.events_page(main_db, watchlist_id, limit=1000)[0]


def test_a_run_reports_exactly_the_five_changes_each_delivered_once_signed(
    fake, environment, runner, main_db
):
    app = create_app({"TESTING": True, "SECRET_KEY": "test", **environment})
    client = app.test_client()
    key = apikeys.create(main_db, "Claims team", owner="Example Insurance")
    other_key = apikeys.create(main_db, "Other claims", owner="Other Insurer")
    watched = [("hcpc", n) for n in HCPC] + [("gosc", n) for n in GOSC] + [("gcc", n) for n in GCC]
    with webhook_receiver() as receiver, webhook_receiver(fail_first=2) as flaky:
        panel = make_watchlist(client, key, "Panel", receiver.url, watched)
        theirs = make_watchlist(
            client, other_key, "Panel", flaky.url, [("gcc", GCC[12]), ("hcpc", HCPC[0])]
        )
        assert panel["entries"] == 0 and len(watched) == 200

        # First run: every entry's baseline; nothing to say.
        output, asked = run_once(runner, fake)
        assert output.splitlines()[:3] == [
            "HCPC: 90 registrations watched, one check every 0.04 s: a cycle takes about 4 "
            "seconds.",
            "GOsC: 45 registrations watched, one check every 0.08 s: a cycle takes about 4 "
            "seconds.",
            "GCC: 65 registrations watched, one check every 0.04 s: a cycle takes about 3 seconds.",
        ]
        assert (
            "HCPC: 90 of 90 checked, 90 new (first answer kept, no event), 0 change events."
            in output
        )
        assert_polite(asked)
        assert stored_events(main_db, panel["id"]) == [] and receiver.requests == []

        # The registers change five entries.
        fake.hcpc[HCPC[3]].status = "Suspended"
        fake.hcpc[HCPC[11]].status = "Registered - Conditions of Practice"
        osteopaths = {o.number: o for o in fake.gosc}
        osteopaths[GOSC[3]].status = "Suspended"
        osteopaths[GOSC[7]].status = "Conditions of practice"
        osteopaths[GOSC[7]].notes = "Must practise under supervision"
        next(c for c in fake.gcc if c.number == GCC[12]).status = "Non-practising"

        output, asked = run_once(runner, fake)
        assert_polite(asked)
        assert len(asked["hcpc"]) == 1 + 90 and len(asked["gosc"]) >= 1 + 45  # robots.txt too
        found = stored_events(main_db, panel["id"])
        assert {
            (e["entry"]["register"], e["entry"]["registration_number"]): (
                e["kind"], e["before"]["outcome"], e["after"]["outcome"], e["after"]["status_raw"])
            for e in found
        } == CHANGED  # fmt: skip
        assert len(found) == 5
        gosc_conditions = next(e for e in found if e["entry"]["registration_number"] == GOSC[7])
        assert gosc_conditions["after"]["conditions"] == ["Must practise under supervision"]
        for event in found:
            assert event["source_url"].startswith(fake.base_url(event["entry"]["register"]))
            assert len(event["evidence_sha256"]) == 64
        assert output.splitlines()[3:] == [
            "HCPC: 90 of 90 checked, 2 change events (outcome_changed 1, status_changed 1).",
            "GOsC: 45 of 45 checked, 2 change events (not_found 1, outcome_changed 1).",
            "GCC: 65 of 65 checked, 2 change events (outcome_changed 2).",  # one on each list
            "Webhooks: 5 delivered, 1 to be tried again later, 0 given up.",
        ]

        # Each event reached the receiver once, as stored, with a signature that verifies.
        assert len(receiver.requests) == 5
        secret = panel["webhook_secret"]
        bodies = {}
        for request in receiver.requests:
            signature = request.headers["Finder-Signature"]
            sent_at = int(signature.split(",")[0].removeprefix("t="))
            assert webhooks.verify(secret, signature, request.body, now=sent_at)
            assert not webhooks.verify(theirs["webhook_secret"], signature, request.body,
                                       now=sent_at)  # fmt: skip
            bodies[request.headers["Finder-Event-Id"]] = json.loads(request.body)
        assert bodies == {event["id"]: event for event in found}

        # The other insurer's list shares one of those numbers: its own event, its own hook.
        [their_event] = stored_events(main_db, theirs["id"])
        assert (their_event["entry"]["registration_number"], their_event["watchlist_id"]) == (
            GCC[12], theirs["id"])  # fmt: skip
        assert [r.status for r in flaky.requests] == [500]

        # Running again: nothing changed, nothing said, nothing sent (the retry is not due).
        output, asked = run_once(runner, fake)
        assert_polite(asked)
        assert len(stored_events(main_db, panel["id"])) == 5
        assert len(stored_events(main_db, theirs["id"])) == 1
        assert (len(receiver.requests), len(flaky.requests)) == (5, 1)
        assert "Webhooks:" not in output

        # The receiver that failed twice gets the same event on the third try.
        soon = datetime.now(UTC) + timedelta(seconds=31)
        second = webhooks.deliver_due(main_db, environment, now=lambda: soon)
        later = soon + timedelta(seconds=61)
        third = webhooks.deliver_due(main_db, environment, now=lambda: later)
    assert [(a.attempt, a.sent.status_code) for a in second + third] == [(2, 500), (3, 200)]
    assert [r.status for r in flaky.requests] == [500, 500, 200]
    assert {r.body for r in flaky.requests} == {flaky.requests[0].body}
    last = flaky.requests[-1]
    assert webhooks.verify(theirs["webhook_secret"], last.headers["Finder-Signature"], last.body,
                           now=later.timestamp())  # fmt: skip
    assert json.loads(last.body) == their_event
    assert len(receiver.requests) == 5


def test_a_webhook_to_a_private_or_loopback_address_is_refused_when_not_allowed(
    fake, environment, main_db
):
    app = create_app({"TESTING": True, "SECRET_KEY": "test", **environment,
                      "WEBHOOK_ALLOW_HOSTS": ""})  # fmt: skip
    key = apikeys.create(main_db, "Claims team", owner="Example Insurance")
    headers = {"Authorization": f"Bearer {key}"}
    for url, why in [
        ("http://127.0.0.1:8080/hooks", "must start with https://"),
        ("https://127.0.0.1/hooks", "is a loopback address"),
        ("https://10.0.0.5/hooks", "is a private address"),
        ("https://169.254.169.254/latest", "is a link-local address"),
    ]:
        answer = app.test_client().post(
            "/api/v1/watchlists", json={"name": "Panel", "webhook_url": url}, headers=headers
        )
        assert answer.status_code == 400
        error = answer.get_json()["error"]
        assert error["code"] == "webhook_url_refused" and why in error["message"]
    assert main_db.execute("select count(*) from watchlists").fetchone() == (0,)


def test_the_monitor_keeps_each_registers_politeness_interval(
    fake, environment, runner, main_db, monkeypatch
):
    """At an interval well above the fake's logging jitter, every gap between two requests
    to one register is the interval (less what a busy machine adds to when a request is sent
    and logged), though all three are asked at once."""
    monkeypatch.setenv("FINDER_REQUEST_INTERVAL", str(SPACED))
    app = create_app({"TESTING": True, "SECRET_KEY": "test", **environment})
    key = apikeys.create(main_db, "Claims team", owner="Example Insurance")
    rows = [("hcpc", n) for n in HCPC[:10]] + [("gosc", n) for n in GOSC[:5]]
    rows += [("gcc", n) for n in GCC[:10]]
    with webhook_receiver() as receiver:
        make_watchlist(app.test_client(), key, "Panel", receiver.url, rows)
    output, asked = run_once(runner, fake)
    assert "HCPC: 10 registrations watched, one check every 0.5 s" in output
    assert [len(asked[r]) for r in ("hcpc", "gosc", "gcc")] == [11, 11, 11]
    assert_polite(asked, interval=SPACED, jitter=SPACED_JITTER)
    # The registers were asked side by side, not one after another: each register's first
    # request came before every register's last (an order, not a time: it holds under load).
    firsts = [min(r.at for r in asked[name]) for name in ("hcpc", "gosc", "gcc")]
    lasts = [max(r.at for r in asked[name]) for name in ("hcpc", "gosc", "gcc")]
    assert max(firsts) < min(lasts)
