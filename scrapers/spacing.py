"""The politeness interval kept across processes.

The web service's check worker, `finder refresh` and `finder watch run` are separate
processes, each with its own PoliteSession. Each keeps the interval on its own; this file
makes them keep it together, so a register sees at most one request per interval from this
machine whatever runs. Each host has a small file holding the start time (wall clock) of the
last request reserved; a process takes the next free start time under an exclusive lock,
then sleeps until it outside the lock, so processes queue one interval apart.
"""

from __future__ import annotations

import fcntl
import os
import re
from pathlib import Path

# A reservation further ahead than this is not a queue of waiting processes but a clock that
# jumped back; it is forgotten rather than waited for.
MAX_AHEAD = 3600.0


class SharedSpacing:
    def __init__(self, folder: str | os.PathLike) -> None:
        self.folder = Path(folder)

    def reserve(
        self, host: str, interval: float, now: float, latest: float | None = None
    ) -> float | None:
        """Take the next start time for a request to `host`, at least `interval` after the one
        before; return the seconds to wait for it. None (and nothing taken) when that start
        would be after `latest`, the caller's deadline."""
        self.folder.mkdir(parents=True, exist_ok=True)
        with open(self._path(host), "a+", encoding="ascii") as file:
            fcntl.flock(file, fcntl.LOCK_EX)  # released when the file closes
            file.seek(0)
            last = _read_time(file.read())
            start = now
            if last is not None and last - now <= MAX_AHEAD:
                start = max(now, last + interval)
            if latest is not None and start > latest:
                return None
            file.seek(0)
            file.truncate()
            file.write(repr(start))
            file.flush()
        return start - now

    def _path(self, host: str) -> Path:
        return self.folder / (re.sub(r"[^A-Za-z0-9.-]", "_", host) + ".next")


def _read_time(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:  # empty (a new file) or damaged: start afresh
        return None
