"""PoliteSession: identification, timeouts, retries, per-host spacing, robots.txt, our errors.

Runs against the fake registers on 127.0.0.1 with a fake clock and sleep, so nothing waits.
"""

from __future__ import annotations

import logging
import socket
from email.utils import formatdate

import pytest
import requests
from fakeregister import fake_register
from faketime import FakeTime

from scrapers.errors import RegisterUnavailable, RobotsDisallowed
from scrapers.http import PoliteSession, decode

CONTACT = "registers@finder.example"
DETAIL = "/check-the-register/professional-registration-detail/?query=PH123456&profession=PH"


class RecordingSession(requests.Session):
    """A real requests.Session that remembers the keyword arguments of each request."""

    def __init__(self, clock=None) -> None:
        super().__init__()
        self.calls: list[dict] = []
        self._clock = clock

    def request(self, method, url, **kwargs):
        started = self._clock() if self._clock else None
        self.calls.append({"url": url, "started": started, **kwargs})
        return super().request(method, url, **kwargs)


@pytest.fixture
def fake():
    with fake_register() as fake:
        fake.add_hcpc("PH123456", "Ellis Example")
        yield fake


@pytest.fixture
def fake_time():
    return FakeTime(1000.0)


def polite(fake_time, **kwargs) -> PoliteSession:
    kwargs.setdefault("min_interval", 0)
    return PoliteSession(CONTACT, clock=fake_time.clock, sleep=fake_time.sleep, **kwargs)


def test_user_agent_names_the_service_and_the_contact_address(fake, fake_time):
    with polite(fake_time) as session:
        session.get(fake.base_url("hcpc") + DETAIL)
    agents = {r.headers["User-Agent"] for r in fake.requests}
    assert agents == {f"finder/0.1 (UK practitioner register checker; contact: {CONTACT})"}


def test_every_request_passes_connect_and_read_timeouts(fake, fake_time):
    recorder = RecordingSession()
    with polite(fake_time, timeout=(3.0, 9.0), session=recorder) as session:
        session.get(fake.base_url("hcpc") + DETAIL)
    assert [call["timeout"] for call in recorder.calls] == [(3.0, 9.0), (3.0, 9.0)]


def test_fetch_returns_final_url_status_and_text(fake, fake_time):
    with polite(fake_time) as session:
        url, status, text = session.fetch(fake.base_url("hcpc") + DETAIL)
    assert (url, status, "PH123456" in text) == (fake.base_url("hcpc") + DETAIL, 200, True)


def test_429_is_retried_after_the_seconds_given_in_retry_after(fake, fake_time):
    fake.fault("429", register="hcpc", times=1, retry_after="7")
    with polite(fake_time) as session:
        response = session.get(fake.base_url("hcpc") + DETAIL)
    assert (response.status_code, fake_time.sleeps) == (200, [7.0])


def test_retry_after_given_as_an_http_date_is_honoured(fake, fake_time):
    wall_clock = 1_750_000_000.0
    fake.fault(
        "429", register="hcpc", times=1, retry_after=formatdate(wall_clock + 30, usegmt=True)
    )
    with polite(fake_time, now=lambda: wall_clock) as session:
        session.get(fake.base_url("hcpc") + DETAIL)
    assert fake_time.sleeps == [30.0]


def test_retry_after_longer_than_the_cap_gives_up_at_once(fake, fake_time):
    fake.fault("429", register="hcpc", retry_after="3600")
    with polite(fake_time, max_wait=60) as session, pytest.raises(RegisterUnavailable) as caught:
        session.get(fake.base_url("hcpc") + DETAIL)
    assert (caught.value.retry_after, fake_time.sleeps, len(fake.requests_for("hcpc"))) == (
        3600.0,
        [],
        1,
    )


def test_5xx_is_retried_with_doubling_back_off_then_reported_unavailable(fake, fake_time):
    fake.fault("500", register="hcpc", status=503)
    with (
        polite(fake_time, max_retries=3, backoff=2) as session,
        pytest.raises(RegisterUnavailable) as caught,
    ):
        session.get(fake.base_url("hcpc") + DETAIL)
    assert (caught.value.reason, caught.value.status_code, fake_time.sleeps) == (
        "HTTP 503 after 4 attempts",
        503,
        [2.0, 4.0, 8.0],
    )


def test_back_off_is_capped_at_max_wait(fake, fake_time):
    fake.fault("500", register="hcpc")
    with (
        polite(fake_time, max_retries=4, backoff=10, max_wait=25) as session,
        pytest.raises(RegisterUnavailable),
    ):
        session.get(fake.base_url("hcpc") + DETAIL)
    assert fake_time.sleeps == [10.0, 20.0, 25.0, 25.0]


def test_a_5xx_followed_by_success_returns_the_page(fake, fake_time):
    fake.fault("500", register="hcpc", times=2)
    with polite(fake_time) as session:
        assert session.get(fake.base_url("hcpc") + DETAIL).status_code == 200
    assert len(fake.requests_for("hcpc")) == 3


def test_requests_to_one_host_start_at_least_min_interval_apart(fake, fake_time):
    recorder = RecordingSession(clock=fake_time.clock)
    with polite(fake_time, min_interval=2.0, session=recorder) as session:
        for _ in range(3):
            session.get(fake.base_url("hcpc") + DETAIL)
    starts = [call["started"] for call in recorder.calls]  # robots.txt, then three pages
    assert [b - a for a, b in zip(starts, starts[1:], strict=False)] == [2.0, 2.0, 2.0]


def test_time_already_passed_counts_towards_the_interval(fake, fake_time):
    with polite(fake_time, min_interval=2.0) as session:
        session.get(fake.base_url("hcpc") + DETAIL)  # robots.txt at t, page at t+2
        fake_time.now += 1.5
        session.get(fake.base_url("hcpc") + DETAIL)
    assert fake_time.sleeps == [2.0, 0.5]


def test_different_hosts_do_not_wait_for_each_other(fake, fake_time):
    fake.add_gcc("04567", "Robin Example")
    with polite(fake_time, min_interval=2.0) as session:
        session.get(fake.base_url("hcpc") + DETAIL)
        session.get(fake.base_url("gcc") + "/search/chiro_results?chiro_registration_number=04567")
    assert fake_time.sleeps == [2.0, 2.0]  # each host: robots.txt, then its page


def test_robots_txt_is_fetched_once_per_host(fake, fake_time):
    with polite(fake_time) as session:
        for _ in range(3):
            session.get(fake.base_url("hcpc") + DETAIL)
    robots = [r for r in fake.requests_for("hcpc", include_robots=True) if r.path == "/robots.txt"]
    assert len(robots) == 1


def test_a_url_robots_txt_disallows_raises_and_is_never_requested(fake, fake_time):
    url = (
        fake.base_url("hcpc") + "/check-the-register/register-results/?query=Example&profession=PH"
    )
    with polite(fake_time) as session, pytest.raises(RobotsDisallowed):
        session.get(url)
    assert fake.requests_for("hcpc") == []


@pytest.mark.parametrize("status", [500, 503])
def test_a_robots_txt_answering_5xx_allows_nothing_and_is_unavailable_not_disallowed(
    fake, fake_time, caplog, status
):
    fake.fault("500", register="hcpc", path="/robots.txt", status=status)
    with (
        caplog.at_level(logging.WARNING, logger="scrapers.http"),
        polite(fake_time) as session,
        pytest.raises(RegisterUnavailable) as raised,
    ):
        session.get(fake.base_url("hcpc") + DETAIL)
    assert not isinstance(raised.value, RobotsDisallowed)
    assert (raised.value.reason, raised.value.status_code) == ("robots.txt unreachable", status)
    assert raised.value.url == fake.base_url("hcpc") + "/robots.txt"
    assert fake.requests_for("hcpc") == []  # the page itself was never asked for
    assert "fetching nothing from it" in caplog.text


def test_an_unreachable_robots_txt_is_asked_again_and_then_obeyed(fake, fake_time):
    fake.fault("500", register="hcpc", path="/robots.txt", times=1)
    with polite(fake_time) as session:
        with pytest.raises(RegisterUnavailable):
            session.get(fake.base_url("hcpc") + DETAIL)
        assert session.get(fake.base_url("hcpc") + DETAIL).status_code == 200
    robots = [r for r in fake.requests_for("hcpc", include_robots=True) if r.path == "/robots.txt"]
    assert len(robots) == 2


def test_a_robots_txt_host_that_does_not_answer_allows_nothing(fake_time):
    with socket.socket() as probe:  # a port with nothing listening on it
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with polite(fake_time, max_retries=0) as session, pytest.raises(RegisterUnavailable) as raised:
        session.get(f"http://127.0.0.1:{port}/page")
    assert raised.value.reason == "robots.txt unreachable"


def test_robots_txt_is_read_again_after_a_day(fake, fake_time):
    with polite(fake_time) as session:
        session.get(fake.base_url("hcpc") + DETAIL)
        fake_time.now += 23 * 3600
        session.get(fake.base_url("hcpc") + DETAIL)
        fake.robots["hcpc"] = "User-agent: *\nDisallow: /check-the-register/\n"
        fake_time.now += 3600
        with pytest.raises(RobotsDisallowed):
            session.get(fake.base_url("hcpc") + DETAIL)
    robots = [r for r in fake.requests_for("hcpc", include_robots=True) if r.path == "/robots.txt"]
    assert len(robots) == 2


def test_a_host_without_robots_txt_allows_everything(fake, fake_time):
    fake.robots["hcpc"] = None
    url = (
        fake.base_url("hcpc") + "/check-the-register/register-results/?query=Example&profession=PH"
    )
    with polite(fake_time) as session:
        assert session.get(url).status_code == 200


def test_ignoring_robots_is_possible_only_when_asked(fake, fake_time):
    url = (
        fake.base_url("hcpc") + "/check-the-register/register-results/?query=Example&profession=PH"
    )
    with polite(fake_time, respect_robots=False) as session:
        assert session.get(url).status_code == 200
    assert [r.path for r in fake.requests_for("hcpc", include_robots=True)] == [
        "/check-the-register/register-results/"
    ]


def test_403_challenge_is_unavailable_and_the_host_is_left_alone_for_a_while(fake, fake_time):
    fake.fault("403", register="hcpc", times=1)
    url = fake.base_url("hcpc") + DETAIL
    with polite(fake_time, block_cooldown=600) as session:
        with pytest.raises(RegisterUnavailable, match="403 challenge page"):
            session.get(url)
        with pytest.raises(RegisterUnavailable, match="backing off"):
            session.get(url)
        asked_while_blocked = len(fake.requests_for("hcpc"))
        fake_time.now += 601
        assert session.get(url).status_code == 200
    assert asked_while_blocked == 1


def test_a_timeout_becomes_register_unavailable(fake, fake_time):
    fake.fault("slow", register="hcpc", path="/check-the-register/", delay=0.3)
    with (
        polite(fake_time, timeout=(1.0, 0.05), max_retries=1) as session,
        pytest.raises(RegisterUnavailable) as caught,
    ):
        session.get(fake.base_url("hcpc") + DETAIL)
    assert (caught.value.reason, fake_time.sleeps) == ("timeout after 2 attempts", [2.0])


def test_a_refused_connection_becomes_register_unavailable(fake_time):
    with socket.socket() as probe:  # a port nobody listens on once the probe is closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with (
        polite(fake_time, max_retries=0, respect_robots=False) as session,
        pytest.raises(RegisterUnavailable) as caught,
    ):
        session.get(f"http://127.0.0.1:{port}/")
    assert caught.value.reason == "connection error after 1 attempts"


def test_tls_verification_stays_on():
    with PoliteSession(CONTACT) as session:
        assert session._session.verify is True


def make_response(body: bytes, content_type: str) -> requests.Response:
    response = requests.Response()
    response._content = body
    response.headers["Content-Type"] = content_type
    response.encoding = requests.utils.get_encoding_from_headers(response.headers)
    return response


def test_a_page_without_a_charset_is_read_as_utf8():
    assert decode(make_response("Siân Ó Dálaigh".encode(), "text/html")) == "Siân Ó Dálaigh"


def test_a_declared_charset_is_honoured():
    response = make_response("Siân".encode("cp1252"), "text/html; charset=windows-1252")
    assert decode(response) == "Siân"


def test_threads_sharing_a_session_send_one_request_at_a_time():
    import threading

    from fakeregister import fake_register

    from scrapers import hcpc
    from scrapers.http import PoliteSession

    with fake_register() as fake:
        fake.add_hcpc("PH123456", "Alex Example")
        fake.fault("slow", register="hcpc", delay=0.05)
        session = PoliteSession("test@example.invalid", min_interval=0, respect_robots=False)
        url = hcpc.detail_url(fake.base_url("hcpc"), "PH123456")
        threads = [threading.Thread(target=session.get, args=(url,)) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        session.close()
        assert fake.peak_concurrency["hcpc"] == 1


def test_a_deadline_bounds_every_request_of_a_lookup_together(fake, fake_time):
    """Requests 6 s apart, 15 s for the whole lookup: robots.txt at 0 s, pages at 6 and 12 s;
    a third page would start at 18 s, so the lookup gives up before asking for it."""
    url = fake.base_url("hcpc") + DETAIL
    with polite(fake_time, min_interval=6, deadline=15) as session:
        with session.within_deadline():
            session.get(url)
            session.get(url)
            with pytest.raises(RegisterUnavailable, match="no answer within 15 s"):
                session.get(url)
        session.get(url)  # a new lookup has its own 15 s
    assert len([r for r in fake.requests if r.path != "/robots.txt"]) == 3
