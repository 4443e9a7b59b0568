"""The politeness interval is kept across processes: the web worker, a refresh and the watch
monitor together ask a register no more often than one of them alone."""

from __future__ import annotations

import multiprocessing
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import pairwise

import pytest

from finder.registrations import clients_from_config
from scrapers.errors import RegisterUnavailable
from scrapers.http import PoliteSession
from scrapers.spacing import MAX_AHEAD, SharedSpacing

INTERVAL = 0.5
# How much a loaded machine may shift when a request is sent and logged: a single gap is
# checked against the interval less this; whole spans, which shifts do not add up in, tightly.
JITTER = 0.15


def test_each_reservation_starts_an_interval_after_the_one_before(tmp_path):
    first, second = SharedSpacing(tmp_path), SharedSpacing(tmp_path)  # two processes' views

    assert first.reserve("register.example", 2.0, now=100.0) == 0.0
    assert second.reserve("register.example", 2.0, now=100.5) == pytest.approx(1.5)
    assert first.reserve("register.example", 2.0, now=100.5) == pytest.approx(3.5)
    assert second.reserve("other.example", 2.0, now=100.5) == 0.0  # hosts are apart


def test_a_start_after_the_deadline_is_refused_and_not_taken(tmp_path):
    spacing = SharedSpacing(tmp_path)
    spacing.reserve("register.example", 2.0, now=100.0)

    assert spacing.reserve("register.example", 2.0, now=100.0, latest=101.0) is None
    assert spacing.reserve("register.example", 2.0, now=100.0) == pytest.approx(2.0)


def test_a_clock_that_jumped_back_is_not_waited_for(tmp_path):
    spacing = SharedSpacing(tmp_path)
    spacing.reserve("register.example", 2.0, now=100.0 + MAX_AHEAD + 10)

    assert spacing.reserve("register.example", 2.0, now=100.0) == 0.0


def test_a_session_past_its_deadline_gives_up_instead_of_queueing(tmp_path):
    spacing = SharedSpacing(tmp_path)
    spacing.reserve("127.0.0.1", 60.0, now=time.time())  # another process just asked
    session = PoliteSession(
        "test@example.invalid", min_interval=60.0, deadline=5.0, respect_robots=False,
        spacing=spacing,
    )  # fmt: skip

    with pytest.raises(RegisterUnavailable, match="no answer within 5 s"):
        session.get("http://127.0.0.1:9/never-asked")


def test_processes_sharing_a_data_folder_keep_the_interval_together(tmp_path):
    arrivals = _arrivals_from_two_processes(tmp_path, shared=True)

    assert len(arrivals) == 8
    gaps = [later - earlier for earlier, later in pairwise(arrivals)]
    assert min(gaps) >= INTERVAL - JITTER, gaps
    assert arrivals[-1] - arrivals[0] >= 7 * INTERVAL - JITTER


def test_without_the_shared_folder_two_processes_ask_closer_together(tmp_path):
    # The control: the test above would catch processes keeping the interval alone.
    arrivals = _arrivals_from_two_processes(tmp_path, shared=False)

    # Each process spaces its own four (three intervals); together they do not space eight.
    assert len(arrivals) == 8
    assert arrivals[-1] - arrivals[0] < 5 * INTERVAL, arrivals


def test_clients_share_the_data_folders_spacing_in_real_time_only(tmp_path):
    config = {"DATA_DIR": str(tmp_path), "REQUEST_INTERVAL": 2}

    real = clients_from_config(config)
    faked = clients_from_config(config, sleep=lambda seconds: None)

    assert all(s._spacing.folder == tmp_path / "spacing" for s in real.sessions.values())
    assert all(s._spacing is None for s in faked.sessions.values())


def _arrivals_from_two_processes(tmp_path, *, shared: bool) -> list[float]:
    arrivals: list[float] = []

    class Recorder(BaseHTTPRequestHandler):
        def do_GET(self):
            arrivals.append(time.time())
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/page"
    folder = str(tmp_path / "spacing") if shared else None
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_ask_four_times, args=(url, folder)) for _ in range(2)]
    try:
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=30)
            assert worker.exitcode == 0
    finally:
        server.shutdown()
        server.server_close()
    return sorted(arrivals)


def _ask_four_times(url: str, folder: str | None) -> None:
    spacing = SharedSpacing(folder) if folder else None
    with PoliteSession(
        "test@example.invalid", min_interval=INTERVAL, respect_robots=False, spacing=spacing
    ) as session:
        for _ in range(4):
            session.get(url)
