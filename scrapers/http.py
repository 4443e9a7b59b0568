"""The polite HTTP session every register client goes through.

One place decides how we behave towards the registers: an honest User-Agent with a contact
address, connect/read timeouts, a minimum interval between requests to the same host (kept
across processes when given a `scrapers.spacing.SharedSpacing`), bounded retries with
back-off on 429/5xx (honouring Retry-After), a cool-down after a 403, and robots.txt
(RFC 9309: re-read daily; missing (4xx) allows everything, unreachable (5xx, no answer)
allows nothing until it answers). Clock and sleep are injectable so tests never wait for real.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

import requests

from scrapers.errors import RegisterUnavailable, RobotsDisallowed, check_not_refused
from scrapers.spacing import SharedSpacing

log = logging.getLogger(__name__)

USER_AGENT_TOKEN = "finder"  # the product token robots.txt rules are matched against
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
ROBOTS_MAX_AGE = 24 * 3600.0  # RFC 9309 2.4: re-read a host's robots.txt at least daily
ROBOTS_UNREACHABLE = "robots.txt unreachable"


def user_agent(contact: str, version: str = "0.1") -> str:
    """An honest User-Agent: who we are and how to reach us."""
    return f"{USER_AGENT_TOKEN}/{version} (UK practitioner register checker; contact: {contact})"


class PoliteSession:
    """A requests.Session wrapper that is polite to the registers and raises our exceptions.

    `get()` returns the Response for any status except 403/429/5xx, which raise
    RegisterUnavailable (after retries where retrying makes sense). `fetch()` returns
    `(final_url, status_code, text)`, the shape the register modules' fetch_* functions return.
    """

    def __init__(
        self,
        contact: str,
        *,
        version: str = "0.1",
        timeout: tuple[float, float] = (5.0, 20.0),
        min_interval: float = 2.0,
        max_retries: int = 3,
        backoff: float = 2.0,
        max_wait: float = 60.0,
        block_cooldown: float = 900.0,
        respect_robots: bool = True,
        deadline: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        now: Callable[[], float] = time.time,
        session: requests.Session | None = None,
        spacing: SharedSpacing | None = None,
    ) -> None:
        self.user_agent = user_agent(contact, version)
        self.timeout = timeout
        self.min_interval = min_interval
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_wait = max_wait
        self.block_cooldown = block_cooldown
        self.respect_robots = respect_robots
        # The most one get() may take in all (robots.txt, spacing, retries, back-off): a check
        # for a web request must end well inside a proxy's timeout; None for no limit.
        self.deadline = deadline
        self._lookup = threading.local()  # per thread: when the current lookup gives up
        self._clock = clock
        self._sleep = sleep
        self._now = now  # wall clock, only for Retry-After given as an HTTP date
        self._session = session or requests.Session()
        self._session.headers["User-Agent"] = self.user_agent
        self._last_request: dict[str, float] = {}
        # Set, the interval is kept together with the other processes sharing its folder.
        self._spacing = spacing
        self._blocked_until: dict[str, float] = {}
        # host -> (when read, by self._clock; its rules, None when it has none)
        self._robots: dict[str, tuple[float, RobotFileParser | None]] = {}
        # One request at a time through this session, even when web threads share it.
        self._lock = threading.Lock()

    def __enter__(self) -> PoliteSession:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._session.close()

    def fetch(self, url: str, params: Mapping[str, str] | None = None) -> tuple[str, int, str]:
        response = self.get(url, params=params)
        return response.url, response.status_code, decode(response)

    def get(self, url: str, params: Mapping[str, str] | None = None) -> requests.Response:
        with self._lock, self.within_deadline():
            return self._get(url, params)

    @contextmanager
    def within_deadline(self) -> Iterator[None]:
        """Every request in the block shares one deadline: a lookup that takes several pages
        (a search, then a registrant's page) has `deadline` seconds for all of them."""
        if self.deadline is None or self._give_up_at is not None:
            yield  # no limit, or inside an outer block that set it
            return
        self._lookup.give_up_at = self._clock() + self.deadline
        try:
            yield
        finally:
            self._lookup.give_up_at = None

    def _get(self, url: str, params: Mapping[str, str] | None) -> requests.Response:
        host = _host(url)
        blocked_until = self._blocked_until.get(host)
        if blocked_until is not None and self._clock() < blocked_until:
            reason = "backing off after a 403 from this host"
            raise RegisterUnavailable(reason, url, status_code=403)
        if self.respect_robots and not self._allowed(url):
            raise RobotsDisallowed(url)

        attempt = 1
        while True:
            try:
                return self._attempt(url, params)
            except _Retryable as failure:
                if failure.wait is not None and failure.wait > self.max_wait:
                    # Asked to wait longer than we are willing to: give up politely now.
                    raise RegisterUnavailable(
                        f"{failure.reason}, asked to retry after {failure.wait:.0f} s",
                        url,
                        status_code=failure.status_code,
                        retry_after=failure.wait,
                    ) from None
                if attempt > self.max_retries:
                    raise RegisterUnavailable(
                        f"{failure.reason} after {attempt} attempts",
                        url,
                        status_code=failure.status_code,
                    ) from failure.__cause__
                wait = failure.wait
                if wait is None:
                    wait = min(self.backoff * 2 ** (attempt - 1), self.max_wait)
                log.warning("%s from %s; retrying in %.1f s", failure.reason, url, wait)
                self._wait(wait, url)
                attempt += 1

    def _attempt(self, url: str, params: Mapping[str, str] | None) -> requests.Response:
        """One request: the response, RegisterUnavailable for a 403, _Retryable otherwise."""
        try:
            response = self._request(url, params)
        except requests.Timeout as exc:
            raise _Retryable("timeout") from exc
        except requests.RequestException as exc:  # refused, reset, bad chunking, too many redirects
            raise _Retryable("connection error") from exc
        status = response.status_code
        if status == 403:
            # A refusal (often a bot challenge): leave the host alone for a while, don't retry.
            self._blocked_until[_host(url)] = self._clock() + self.block_cooldown
            reason = _refusal_reason(response)
            response.close()
            raise RegisterUnavailable(reason, url, status_code=403)
        if status in RETRY_STATUSES:
            wait = self._retry_after(response)
            response.close()
            raise _Retryable(f"HTTP {status}", status, wait)
        return response

    def _request(self, url: str, params: Mapping[str, str] | None) -> requests.Response:
        self._space_out(url)
        log.debug("GET %s %s", url, dict(params or {}))
        return self._session.get(url, params=params, timeout=self._timeout(url))

    def _space_out(self, url: str) -> None:
        """Keep at least min_interval between the starts of two requests to one host."""
        host = _host(url)
        if self._spacing is not None:
            self._space_out_shared(host, url)
            return
        last = self._last_request.get(host)
        if last is not None:
            remaining = last + self.min_interval - self._clock()
            if remaining > 0:
                self._wait(remaining, url)
        self._last_request[host] = self._clock()

    def _space_out_shared(self, host: str, url: str) -> None:
        now = self._now()
        latest = None if self._give_up_at is None else now + self._give_up_at - self._clock()
        wait = self._spacing.reserve(host, self.min_interval, now, latest)
        if wait is None:
            raise RegisterUnavailable(f"no answer within {self.deadline:.0f} s", url)
        if wait > 0:
            self._sleep(wait)

    @property
    def _give_up_at(self) -> float | None:
        return getattr(self._lookup, "give_up_at", None)

    def _wait(self, seconds: float, url: str) -> None:
        """Sleep, unless that would pass the deadline: then give up now."""
        if self._give_up_at is not None and self._clock() + seconds > self._give_up_at:
            raise RegisterUnavailable(f"no answer within {self.deadline:.0f} s", url)
        self._sleep(seconds)

    def _timeout(self, url: str) -> tuple[float, float]:
        """The request's connect and read timeouts, cut to what is left of the deadline."""
        if self._give_up_at is None:
            return self.timeout
        left = self._give_up_at - self._clock()
        if left <= 0:
            raise RegisterUnavailable(f"no answer within {self.deadline:.0f} s", url)
        return (min(self.timeout[0], left), min(self.timeout[1], left))

    def _retry_after(self, response: requests.Response) -> float | None:
        value = response.headers.get("Retry-After")
        if not value:
            return None
        value = value.strip()
        if value.isdigit():
            return float(value)
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        return max(0.0, when.timestamp() - self._now())

    def _allowed(self, url: str) -> bool:
        """Whether robots.txt lets us fetch `url`; RegisterUnavailable when it can't be read."""
        parts = urlsplit(url)
        host = _host(url)
        cached = self._robots.get(host)
        if cached is None or self._clock() - cached[0] >= ROBOTS_MAX_AGE:
            parser = self._load_robots(f"{parts.scheme}://{parts.netloc}/robots.txt")
            cached = self._robots[host] = (self._clock(), parser)
        parser = cached[1]
        return parser is None or parser.can_fetch(USER_AGENT_TOKEN, url)

    def _load_robots(self, robots_url: str) -> RobotFileParser | None:
        """The host's robots rules; None (allow all) when it publishes none (4xx).

        Unreachable (a connection error, 429 or 5xx) means complete disallow (RFC 9309 2.3.1.4):
        RegisterUnavailable, not RobotsDisallowed, since it is temporary; nothing is cached, so
        the next request asks again.
        """
        try:
            response = self._request(robots_url, None)
        except requests.RequestException as exc:
            log.warning("could not fetch %s (%s); fetching nothing from it", robots_url, _kind(exc))
            log.debug("robots.txt failure in full: %r", exc)
            raise RegisterUnavailable(ROBOTS_UNREACHABLE, robots_url) from exc
        with response:
            status = response.status_code
            if status >= 500 or status == 429:
                log.warning("%s answered HTTP %d; fetching nothing from it", robots_url, status)
                raise RegisterUnavailable(ROBOTS_UNREACHABLE, robots_url, status_code=status)
            if status >= 400:
                return None  # 4xx: the host publishes no rules
            parser = RobotFileParser(robots_url)
            parser.parse(decode(response).splitlines())
            return parser


class _Retryable(Exception):
    """A failed attempt worth repeating after a wait (`wait` from Retry-After, if given)."""

    def __init__(self, reason: str, status_code: int | None = None, wait: float | None = None):
        super().__init__(reason)
        self.reason = reason
        self.status_code = status_code
        self.wait = wait


def decode(response: requests.Response) -> str:
    """Response text; UTF-8 when the server names no charset (requests would assume Latin-1)."""
    if "charset" in response.headers.get("Content-Type", "").lower():
        return response.text
    try:
        return response.content.decode("utf-8")
    except UnicodeDecodeError:
        return response.content.decode("cp1252", errors="replace")


def _kind(error: requests.RequestException) -> str:
    """A failure in plain words, without the library's own text (pools, adapters, errnos)."""
    if isinstance(error, requests.Timeout):
        return "no answer in time"
    if isinstance(error, requests.ConnectionError):
        return "could not connect"
    return "the connection failed"


def _host(url: str) -> str:
    return urlsplit(url).netloc.lower()


def _refusal_reason(response: requests.Response) -> str:
    try:
        check_not_refused(decode(response), response.url)
    except RegisterUnavailable as exc:
        if exc.reason == "403 challenge page":
            return exc.reason
    return "HTTP 403 forbidden"
