"""A small in-memory rate limiter: at most `limit` requests per `period` seconds per client.

Sliding window over the times of each client's recent requests. In memory and per process: a
deployment with several processes gives each its own budget, which is fine for a courtesy limit
that protects the registers from one client hammering the public check.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable


class RateLimiter:
    """`hit(client)` records a request and says how long to wait when over the limit."""

    def __init__(
        self, limit: int, period: float = 60.0, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit  # 0 or less: no limit
        self.period = period
        self._clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()
        self._last_sweep = clock()

    def hit(self, client: str) -> float | None:
        """Count one request from `client`; None if allowed, else seconds until it would be."""
        if self.limit <= 0:
            return None
        now = self._clock()
        cutoff = now - self.period
        with self._lock:
            if now - self._last_sweep >= self.period:
                self._forget_before(cutoff)
                self._last_sweep = now
            hits = self._hits.setdefault(client, deque())
            while hits and hits[0] <= cutoff:
                hits.popleft()
            if len(hits) >= self.limit:
                return max(hits[0] + self.period - now, 0.0)
            hits.append(now)
            return None

    def _forget_before(self, cutoff: float) -> None:
        # Once a period, drop every client whose hits are all old, so memory stays bounded by
        # the clients seen recently (a sweep on every hit would cost O(clients) per request).
        for client in list(self._hits):
            hits = self._hits[client]
            while hits and hits[0] <= cutoff:
                hits.popleft()
            if not hits:
                del self._hits[client]

    def clients(self) -> int:
        """How many clients have requests inside the window (for tests and /healthz-style use)."""
        with self._lock:
            self._forget_before(self._clock() - self.period)
            return len(self._hits)
