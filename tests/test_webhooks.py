"""Webhooks: each event POSTed signed, retried with back-off for a day, every try recorded."""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from faketime import FakeTime
from webhookreceiver import webhook_receiver

from finder import times
from finder.watch import events, hooksecrets, netguard, store, webhooks

START = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
KEY = "test-webhook-service-key"


@pytest.fixture
def clock() -> FakeTime:
    return FakeTime(start=START.timestamp())


def wall(clock: FakeTime):
    return lambda: datetime.fromtimestamp(clock.clock(), UTC)


def settings(data_dir, **overrides) -> dict:
    return {
        "DATA_DIR": str(data_dir),
        "WEBHOOK_KEY": KEY,
        "WEBHOOK_ALLOW_HOSTS": "127.0.0.1",
        "WEBHOOK_TIMEOUT": 5.0,
        "WEBHOOK_RETRY_FIRST": 30.0,
        "WEBHOOK_RETRY_HOURS": 24.0,
        **overrides,
    }


def dns(host: str, port: int) -> list[str]:
    """Made-up DNS: a public host, and a test name for this machine."""
    return {"hooks.example.com": ["93.184.215.14"], "receiver.test": ["127.0.0.1"]}.get(host, [])


def watched_event(db, config, url: str) -> tuple[dict, str]:
    """A watchlist with a webhook to `url`, one entry, and one event of it: (event, secret)."""
    watchlist, secret = store.create_watchlist(
        db, "Example Insurance", "panel", url, config=config, resolver=dns
    )
    store.replace_entries(
        db,
        "Example Insurance",
        watchlist["id"],
        [{"register": "hcpc", "registration_number": "PH100001", "name": "Ellis Example"}],
    )
    entry = events.entries_due(db, "hcpc", 10)[0]["entries"][0]
    event = events.record_event(
        db,
        entry,
        "outcome_changed",
        {"outcome": "registered", "status_raw": "Registered", "name_on_register": "Ellis Example"},
        {"outcome": "inactive", "status_raw": "Lapsed", "name_on_register": "Ellis Example"},
        checked_at=times.iso(START),
        source_url="https://register.example/hcpc/PH100001",
        evidence_sha256="ab" * 32,
        now=times.iso(START),
    )
    return event, secret


def test_an_event_is_posted_once_with_a_signature_the_receiver_can_verify(main_db, data_dir):
    config = settings(data_dir)
    with webhook_receiver() as receiver:
        event, secret = watched_event(main_db, config, receiver.url)
        made = webhooks.deliver_due(main_db, config)
        again = webhooks.deliver_due(main_db, config)
    assert [(a.event_id, a.attempt, a.sent.status_code) for a in made] == [(event["id"], 1, 200)]
    assert again == []
    [request] = receiver.requests
    assert request.body == webhooks.event_body(event)
    assert request.headers["Finder-Event-Id"] == event["id"]
    assert request.headers["Content-Type"] == "application/json"
    signature = request.headers["Finder-Signature"]
    sent_at = int(signature.split(",")[0].removeprefix("t="))
    assert abs(sent_at - datetime.now(UTC).timestamp()) < 60
    assert webhooks.verify(secret, signature, request.body, now=sent_at)
    assert secret == hooksecrets.signing_secret(config, main_db.execute(
        "select webhook_salt from watchlists").fetchone()[0])  # fmt: skip
    # A wrong secret, a changed body or a replay ten minutes later do not verify.
    assert not webhooks.verify(secret + "x", signature, request.body, now=sent_at)
    assert not webhooks.verify(secret, signature, request.body + b" ", now=sent_at)
    assert not webhooks.verify(secret, signature, request.body, now=sent_at + 600)
    assert [d["status_code"] for d in events.deliveries(main_db, event["id"])] == [200]


def test_a_receiver_that_fails_twice_gets_the_same_event_on_the_third_try(main_db, data_dir, clock):
    config = settings(data_dir)
    with webhook_receiver(fail_first=2) as receiver:
        event, secret = watched_event(main_db, config, receiver.url)
        tries = []
        for wait in (0, 29, 1, 59, 1, 60):  # seconds from one pass to the next
            clock.sleep(wait)
            tries.append([a.sent.status_code for a in webhooks.deliver_due(
                main_db, config, now=wall(clock))])  # fmt: skip
    # Tried at once, 30 s later, then 60 s after that; nothing between or after.
    assert tries == [[500], [], [500], [], [200], []]
    assert [r.status for r in receiver.requests] == [500, 500, 200]
    assert {r.body for r in receiver.requests} == {webhooks.event_body(event)}
    assert {r.headers["Finder-Event-Id"] for r in receiver.requests} == {event["id"]}
    last = receiver.requests[-1]
    assert webhooks.verify(secret, last.headers["Finder-Signature"], last.body, now=clock.now)
    recorded = events.deliveries(main_db, event["id"])
    assert [(d["attempt"], d["at"], d["status_code"], d["next_attempt_at"]) for d in recorded] == [
        (1, "2026-12-07T10:00:00Z", 500, "2026-12-07T10:00:30Z"),
        (2, "2026-12-07T10:00:30Z", 500, "2026-12-07T10:01:30Z"),
        (3, "2026-12-07T10:01:30Z", 200, None),
    ]


def test_a_failing_receiver_is_retried_with_doubling_waits_for_a_day_then_given_up(
    main_db, data_dir, clock
):
    config = settings(data_dir)
    event, _ = watched_event(main_db, config, "https://hooks.example.com/finder")

    def unavailable(target, body, headers, timeout):
        return webhooks.Sent(503, "HTTP 503")

    while True:
        made = webhooks.deliver_due(
            main_db, config, now=wall(clock), send=unavailable, resolver=dns
        )
        if not made or made[-1].next_attempt_at is None:
            break
        clock.now = times.parse(made[-1].next_attempt_at).timestamp()
    recorded = events.deliveries(main_db, event["id"])
    gaps = [
        (times.parse(b["at"]) - times.parse(a["at"])).total_seconds()
        for a, b in zip(recorded, recorded[1:], strict=False)
    ]
    assert gaps[:8] == [30, 60, 120, 240, 480, 960, 1920, 3600]
    assert set(gaps[7:]) == {3600}
    last = times.parse(recorded[-1]["at"])
    assert (last - START).total_seconds() <= 24 * 3600 < (last - START).total_seconds() + 3600
    assert recorded[-1]["next_attempt_at"] is None
    assert main_db.execute("select delivery from watch_events").fetchone() == ("failed",)


def test_a_url_that_resolves_to_a_private_address_at_delivery_is_not_sent_to(main_db, data_dir):
    """DNS rebinding: public when the list was made, private now. Nothing is sent."""
    config = settings(data_dir, WEBHOOK_ALLOW_HOSTS="")
    event, _ = watched_event(main_db, config, "https://hooks.example.com/finder")
    sent = []
    made = webhooks.deliver_due(
        main_db,
        config,
        send=lambda *args: sent.append(args),
        resolver=lambda host, port: ["10.0.0.8"],
    )
    assert sent == []
    assert made[0].sent == webhooks.Sent(
        None,
        "not sent: The webhook URL's host hooks.example.com (10.0.0.8) is a private address: "
        "webhooks go only to public addresses (an operator can allow a host with "
        "FINDER_WEBHOOK_ALLOW_HOSTS).",
    )
    assert made[0].next_attempt_at is not None  # DNS may be put right: tried again later
    assert events.deliveries(main_db, event["id"])[0]["error"] == made[0].sent.error


def test_a_delivery_connects_to_the_address_checked_not_to_a_new_lookup(main_db, data_dir):
    # receiver.test exists only in this resolver: a second lookup by the HTTP client would fail.
    config = settings(data_dir, WEBHOOK_ALLOW_HOSTS="receiver.test")
    with webhook_receiver() as receiver:
        port = receiver.server.server_port
        event, _ = watched_event(main_db, config, f"http://receiver.test:{port}/hooks?list=1")
        made = webhooks.deliver_due(main_db, config, resolver=lambda host, port: ["127.0.0.1"])
    assert [a.sent.status_code for a in made] == [200]
    [request] = receiver.requests
    assert (request.path, request.headers["Host"]) == ("/hooks?list=1", f"receiver.test:{port}")


def test_a_redirect_is_not_followed_and_counts_as_a_failure(main_db, data_dir):
    config = settings(data_dir)
    with webhook_receiver(fail_first=1, fail_status=302) as receiver:
        watched_event(main_db, config, receiver.url)
        [attempt] = webhooks.deliver_due(main_db, config)
    assert attempt.sent == webhooks.Sent(
        302, "HTTP 302: redirects are not followed (give the final URL)"
    )
    assert len(receiver.requests) == 1


def test_an_unreachable_receiver_is_recorded_and_tried_later(main_db, data_dir):
    config = settings(data_dir, WEBHOOK_TIMEOUT=2.0)
    with webhook_receiver() as receiver:
        url = receiver.url
    event, _ = watched_event(main_db, config, url)  # the receiver has gone
    [attempt] = webhooks.deliver_due(main_db, config)
    assert attempt.sent == webhooks.Sent(None, "could not connect: connection refused")
    assert attempt.next_attempt_at is not None


def test_the_signature_is_an_hmac_of_the_timestamp_and_the_body():
    # Reproducible by a receiver in any language: HMAC-SHA256(secret, "<t>." + body), in hex.
    assert webhooks.sign("whsec_test", 1765101600, b'{"id":"ev_1"}') == (
        __import__("hmac").new(b"whsec_test", b'1765101600.{"id":"ev_1"}', "sha256").hexdigest()
    )
    header = webhooks.signature_header("whsec_test", 1765101600, b"{}")
    assert header.startswith("t=1765101600,v1=")
    assert not webhooks.verify("whsec_test", "v1=" + header.split("v1=")[1], b"{}", now=1765101600)
    assert not webhooks.verify("whsec_test", "garbage", b"{}", now=1765101600)


def test_netguard_refusal_is_the_message_an_owner_sees_at_creation():
    with pytest.raises(netguard.WebhookUrlRefused, match="loopback"):
        netguard.check_webhook_url("https://127.0.0.1/hook")


def test_the_readmes_receiver_code_verifies_our_signature_and_refuses_a_forgery():
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    code = readme.split("```python\n", 1)[1].split("```", 1)[0]
    namespace: dict = {}
    exec(code, namespace)  # noqa: S102 - our own README's example
    body = b'{"id":"ev_1","kind":"not_found"}'
    header = webhooks.signature_header("whsec_test", int(time.time()), body)
    assert namespace["verified"]("whsec_test", header, body)
    assert not namespace["verified"]("whsec_other", header, body)
    assert not namespace["verified"]("whsec_test", header, body.replace(b"not_found", b"x"))


CERTIFICATE = Path(__file__).parent / "files" / "webhooks" / "receiver-test.crt"
KEY_FILE = CERTIFICATE.with_suffix(".key")  # a test-only certificate for receiver.test


@pytest.fixture
def trust_test_certificate(monkeypatch):
    """Deliveries trust the test certificate (and only it), still checking host names."""
    monkeypatch.setattr(
        webhooks, "tls_context", lambda: ssl.create_default_context(cafile=str(CERTIFICATE))
    )


def test_https_goes_to_the_checked_address_and_checks_the_certificate_for_the_urls_host(
    main_db, data_dir, trust_test_certificate
):
    config = settings(data_dir, WEBHOOK_ALLOW_HOSTS="127.0.0.1")
    with webhook_receiver(tls=(str(CERTIFICATE), str(KEY_FILE))) as receiver:
        port = receiver.server.server_port
        event, secret = watched_event(main_db, config, f"https://receiver.test:{port}/hooks")
        [attempt] = webhooks.deliver_due(main_db, config, resolver=dns)
    assert attempt.sent == webhooks.Sent(200)
    [request] = receiver.requests
    assert request.headers["Host"] == f"receiver.test:{port}"
    assert webhooks.verify(secret, request.headers["Finder-Signature"], request.body,
                           now=time.time())  # fmt: skip


def test_a_certificate_for_another_host_is_refused(main_db, data_dir, trust_test_certificate):
    config = settings(data_dir, WEBHOOK_ALLOW_HOSTS="127.0.0.1")
    with webhook_receiver(tls=(str(CERTIFICATE), str(KEY_FILE))) as receiver:
        watched_event(main_db, config, f"https://127.0.0.1:{receiver.server.server_port}/hooks")
        [attempt] = webhooks.deliver_due(main_db, config)
    assert attempt.sent.status_code is None
    assert attempt.sent.error.startswith("could not connect: its certificate was not accepted")
    assert receiver.requests == []


def test_a_receiver_trickling_its_answer_fails_at_the_timeout_for_the_whole_answer():
    """Each byte comes well within the timeout, the whole answer does not: a socket timeout
    alone would wait for all of it and call it delivered."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def trickle():
        connection, _ = listener.accept()
        with connection:
            connection.recv(65536)
            connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 30\r\n\r\n")
            with contextlib.suppress(OSError):  # the sender hung up: what we are testing
                for _ in range(30):
                    time.sleep(0.1)
                    connection.sendall(b"x")

    server = threading.Thread(target=trickle, daemon=True)
    server.start()
    target = netguard.Target(
        f"http://127.0.0.1:{port}/hook", "http", "127.0.0.1", port, "/hook", ("127.0.0.1",)
    )
    try:
        sent = webhooks.post(target, b"{}", {"Content-Type": "application/json"}, timeout=0.5)
    finally:
        server.join(timeout=10)
        listener.close()

    assert sent == webhooks.Sent(None, "no whole answer within 0.5 s")
