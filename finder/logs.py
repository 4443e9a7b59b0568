"""Logging: one line per event, the same under `finder serve`, waitress-serve and gunicorn.

create_app calls configure_logging, so whichever server loads the app, the per-check lines
(`finder.registrations`) and the refresh's (`finder.refresh`) are written; commands that
run without the app (`finder refresh`) call it themselves.
"""

from __future__ import annotations

import logging

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"  # one line per event


def configure_logging() -> None:
    """INFO and up to stderr, one line each: time, level, logger, message.

    A no-op when the process has set up logging already (the root logger has a handler: a
    second call, gunicorn's --log-config, pytest's capture), so handlers are never doubled.
    gunicorn's own loggers do not pass their lines to the root logger, so none is written twice.
    """
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
