"""Helpers shared by the benchmarks: timing loops, a served app, an HTTP load loop.

Every benchmark prints its figure beside a baseline measured in the same run, because these
machines are noisy: compare ratios and medians, not absolute numbers.
"""

from __future__ import annotations

import multiprocessing
import os
import socket
import statistics
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def per_call_seconds(fn: Callable[[], object], calls: int, repeats: int = 5) -> float:
    """Median over `repeats` runs of the mean time of one call."""
    runs = []
    for _ in range(repeats):
        started = time.perf_counter()
        for _ in range(calls):
            fn()
        runs.append((time.perf_counter() - started) / calls)
    return statistics.median(runs)


def latencies(fn: Callable[[object], object], args: list, repeats: int = 3) -> list[float]:
    """Time of each call of fn(arg), over `repeats` passes of args."""
    times = []
    for _ in range(repeats):
        for arg in args:
            started = time.perf_counter()
            fn(arg)
            times.append(time.perf_counter() - started)
    return times


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * pct / 100))]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(config: dict, port: int, setup: Callable | None, threads: int = 4) -> None:
    import logging

    import waitress

    from finder import create_app

    logging.getLogger("waitress.queue").setLevel(logging.ERROR)  # "queue depth" is expected here

    app = create_app(config)

    @app.get("/bench/trivial")
    def trivial():
        return "ok"

    if setup:
        setup(app)
    waitress.serve(app, host="127.0.0.1", port=port, threads=threads, _quiet=True)


class ServedApp:
    """The app under waitress in a child process, as `finder serve` runs it."""

    def __init__(self, config: dict, setup: Callable | None = None, threads: int = 4):
        self.port = free_port()
        self.process = multiprocessing.get_context("spawn").Process(
            target=_serve, args=(config, self.port, setup, threads), daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> ServedApp:
        import requests

        self.process.start()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                requests.get(self.url + "/bench/trivial", timeout=1)
                return self
            except requests.ConnectionError:
                time.sleep(0.1)
        raise RuntimeError("the benchmark server did not start")

    def __exit__(self, *exc) -> None:
        self.process.terminate()
        self.process.join()

    def rss_mb(self) -> float:
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        kb = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS"))
        return kb / 1024


def requests_per_second(url_for: Callable[[int], str], total: int, threads: int = 4) -> float:
    """Send `total` GETs (bounded) from `threads` keep-alive clients; return requests/second."""
    import requests

    def worker(start: int) -> None:
        with requests.Session() as session:
            for i in range(start, total, threads):
                response = session.get(url_for(i), timeout=10)
                if response.status_code >= 500:
                    raise RuntimeError(f"{response.status_code} from {url_for(i)}")

    workers = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    started = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return total / (time.perf_counter() - started)


def cpu_note() -> str:
    return f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}"
