"""One process at a time per data folder for a long job (a refresh, the watch monitor): an OS
lock on a file, freed by the kernel if the process dies, the file saying who holds it."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from finder import times
from finder.errors import FinderError


class ProcessLock:
    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path).expanduser()
        self._file = None

    def busy(self, holder: str) -> FinderError:
        """The error for a second process, `holder` naming the first (pid, start)."""
        return FinderError(f"Another process holds {self.path.name} ({holder}).", status=409)

    def __enter__(self):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+")  # noqa: SIM115 - held until __exit__
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise self.busy(holder) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}, started {times.now_iso()}\n")
        handle.flush()
        self._file = handle
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._file is not None:
            self._file.truncate(0)
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None
