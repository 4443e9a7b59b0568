"""Delivering change events to their watchlist's webhook: signed, retried, each try recorded.

Each event is POSTed as JSON with the header

    Finder-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>." + body>

keyed with the watchlist's signing secret (shown once, when the list was made), so a receiver
can tell the event came from us and is not an old one replayed (`verify`). The body of an event
is the same bytes at every try (`event_body`): its id names one event, never two. A try that
does not end in a 2xx answer is tried again after 30 s, 1, 2, 4 ... minutes (at most an hour
apart; FINDER_WEBHOOK_RETRY_FIRST) until FINDER_WEBHOOK_RETRY_HOURS after the event, then given
up; the event stays in the watchlist's feed either way. The URL is checked again before every
try (finder.watch.netguard) and the connection goes to the address just checked.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import http.client
import json
import logging
import socket
import ssl
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlite_utils import Database

from finder import times
from finder.watch import events, hooksecrets, netguard

log = logging.getLogger("finder.watch")

SIGNATURE_HEADER = "Finder-Signature"
EVENT_ID_HEADER = "Finder-Event-Id"
MAX_RETRY_DELAY = 3600.0  # seconds: back-off doubles up to an hour between tries
REPLAY_TOLERANCE = 300  # seconds a receiver should accept a signature's timestamp for
USER_AGENT = "finder-webhooks/0.1"
MAX_ANSWER_BYTES = 64 * 1024  # what is read of a receiver's answer (only its status counts)


@dataclass(frozen=True)
class Sent:
    """How one try ended: the receiver's HTTP status, or why there was none."""

    status_code: int | None
    error: str | None = None

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


@dataclass(frozen=True)
class Attempt:
    event_id: str
    webhook_url: str
    attempt: int  # 1 for the first try
    sent: Sent
    next_attempt_at: str | None  # None: delivered, or given up


Send = Callable[[netguard.Target, bytes, Mapping[str, str], float], Sent]


def event_body(event: Mapping) -> bytes:
    """An event as the JSON a receiver gets: the same bytes for the same stored event."""
    return json.dumps(event, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of "<timestamp>." followed by the body."""
    message = str(int(timestamp)).encode("ascii") + b"." + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    return f"t={int(timestamp)},v1={sign(secret, timestamp, body)}"


def verify(
    secret: str, header: str, body: bytes, *, now: float, tolerance: int = REPLAY_TOLERANCE
) -> bool:
    """What a receiver does: the signature matches the body and its time is recent."""
    fields: dict[str, list[str]] = {}
    for part in str(header or "").split(","):
        key, _, value = part.strip().partition("=")
        fields.setdefault(key, []).append(value)
    try:
        timestamp = int(fields.get("t", [""])[0])
    except ValueError:
        return False
    if abs(now - timestamp) > tolerance:
        return False
    expected = sign(secret, timestamp, body)
    return any(hmac.compare_digest(expected, given) for given in fields.get("v1", []))


def next_attempt_at(
    attempts: int, *, created_at: str, now: datetime, first: float, retry_hours: float
) -> str | None:
    """When to try again after `attempts` failed tries, or None once past the retry period."""
    delay = min(first * 2 ** max(attempts - 1, 0), MAX_RETRY_DELAY)
    when = now + timedelta(seconds=delay)
    if when > times.parse(created_at) + timedelta(hours=retry_hours):
        return None
    return times.iso(when)


def deliver_due(
    db: Database,
    config: Mapping,
    *,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    send: Send | None = None,
    resolver: netguard.Resolver = netguard.resolve,
    batch: int = 500,
) -> list[Attempt]:
    """Try every event due for delivery now, once each; record each try. A receiver that
    could not be reached is not tried again in this pass for its other events (they stay due)."""
    send = send or post
    allow = netguard.AllowList.parse(str(config.get("WEBHOOK_ALLOW_HOSTS") or ""))
    made: list[Attempt] = []
    tried: set[str] = set()
    unreachable: set[str] = set()
    while True:
        limit = batch + len(tried)  # those tried in this pass may still be due: skip them
        due = events.pending_deliveries(db, now(), limit=limit)
        fresh = [item for item in due if item["event"]["id"] not in tried]
        for item in fresh:
            tried.add(item["event"]["id"])
            if item["webhook_url"] in unreachable:
                continue
            made.append(_deliver(db, item, config, allow, send, now(), resolver))
            if made[-1].sent.status_code is None:
                unreachable.add(item["webhook_url"])
        if not fresh or len(due) < limit:
            return made


def _deliver(db, item, config, allow, send, moment: datetime, resolver) -> Attempt:
    """One try of one event, recorded with when to try again."""
    event, url = item["event"], item["webhook_url"]
    sent = _try(item, config, allow, send, moment, resolver)
    later = None
    if not sent.delivered:
        later = next_attempt_at(
            item["attempts"] + 1,
            created_at=event["created_at"],
            now=moment,
            first=float(config.get("WEBHOOK_RETRY_FIRST", 30.0)),
            retry_hours=float(config.get("WEBHOOK_RETRY_HOURS", 24.0)),
        )
    number = events.record_delivery(
        db,
        event["id"],
        at=times.iso(moment),
        status_code=sent.status_code,
        error=sent.error,
        delivered=sent.delivered,
        next_attempt_at=later,
    )
    attempt = Attempt(event["id"], url, number, sent, later)
    _log(attempt)
    return attempt


def _try(item, config, allow, send, moment: datetime, resolver) -> Sent:
    body = item.get("payload")
    body = body.encode() if isinstance(body, str) else event_body(item["event"])
    try:
        target = netguard.check_webhook_url(item["webhook_url"], allow, resolver=resolver)
    except netguard.WebhookUrlRefused as refused:
        return Sent(None, f"not sent: {refused.message}")
    secret = hooksecrets.signing_secret(config, item["webhook_salt"])
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        EVENT_ID_HEADER: item["event"]["id"],
        SIGNATURE_HEADER: signature_header(secret, int(moment.timestamp()), body),
    }
    return send(target, body, headers, float(config.get("WEBHOOK_TIMEOUT", 10.0)))


def _log(attempt: Attempt) -> None:
    outcome = (
        "delivered"
        if attempt.sent.delivered
        else f"retry at {attempt.next_attempt_at}"
        if attempt.next_attempt_at
        else "given up"
    )
    log.info(
        "webhook event=%s attempt=%d status=%s error=%r %s",
        attempt.event_id,
        attempt.attempt,
        attempt.sent.status_code,
        attempt.sent.error,
        outcome,
    )


def post(target: netguard.Target, body: bytes, headers: Mapping[str, str], timeout: float) -> Sent:
    """POST `body` to the checked target, connecting only to its checked addresses (the
    first that answers); no redirect is followed. Once connected, the receiver has `timeout`
    seconds in all to take the event and answer: a socket's own timeout counts each read
    alone, so a receiver trickling its answer would hold the monitor for as long as it liked."""
    last_error = "no address to connect to"
    for address in target.addresses:
        connection = _connection(target, address, timeout)
        try:
            connection.connect()
        except (OSError, ssl.SSLError) as error:
            last_error = f"could not connect: {_describe(error, timeout)}"
            connection.close()
            continue
        cut = threading.Event()
        deadline = threading.Timer(timeout, _cut, (connection, cut))
        deadline.start()
        try:
            connection.request("POST", target.path, body=body, headers=dict(headers))
            answer = connection.getresponse()
            answer.read(MAX_ANSWER_BYTES)
            if cut.is_set():
                return Sent(None, f"no whole answer within {timeout:g} s")
            return Sent(answer.status, None if 200 <= answer.status < 300 else _why(answer))
        except (OSError, http.client.HTTPException) as error:
            if cut.is_set():
                return Sent(None, f"no whole answer within {timeout:g} s")
            return Sent(None, f"no answer: {_describe(error, timeout)}")
        finally:
            deadline.cancel()
            connection.close()
    return Sent(None, last_error)


def _cut(connection: http.client.HTTPConnection, cut: threading.Event) -> None:
    """End an exchange that has run out of time: the blocked read returns at once."""
    cut.set()
    with contextlib.suppress(AttributeError, OSError):  # already closed
        connection.sock.shutdown(socket.SHUT_RDWR)


def _why(answer: http.client.HTTPResponse) -> str:
    if 300 <= answer.status < 400:
        return f"HTTP {answer.status}: redirects are not followed (give the final URL)"
    return f"HTTP {answer.status}"


def _describe(error: Exception, timeout: float) -> str:
    if isinstance(error, TimeoutError | socket.timeout):
        return f"no answer within {timeout:g} s"
    if isinstance(error, ssl.SSLCertVerificationError):
        return f"its certificate was not accepted ({error.verify_message})"
    if isinstance(error, ConnectionRefusedError):
        return "connection refused"
    return type(error).__name__


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """HTTP to one checked address, with the URL's host in the Host header."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


def tls_context() -> ssl.SSLContext:
    """The system's trusted authorities, certificates checked (tests trust their own)."""
    return ssl.create_default_context()


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to one checked address; the certificate must be valid for the URL's host."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        self.tls = tls_context()
        super().__init__(host, port, timeout=timeout, context=self.tls)
        self.address = address

    def connect(self) -> None:
        raw = socket.create_connection((self.address, self.port), self.timeout)
        try:
            self.sock = self.tls.wrap_socket(raw, server_hostname=self.host)
        except BaseException:
            raw.close()
            raise


def _connection(target: netguard.Target, address: str, timeout: float):
    kind = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    return kind(target.host, target.port, address, timeout)
