"""FINDER_ROLE=reader: a read node answers from its copy of finder.db and sends what writes
to the writer (FINDER_WRITER_URL) with a 307, which keeps the method and the body; without a
writer address, a 503 says where such requests go. /healthz shows the copy's lag."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, current_app, redirect, request

from finder.errors import FinderError
from finder.replication import lag_seconds

ROLES = ("writer", "reader")
# Registration checks may ask a register and record the answer; bulk checks, history and
# watchlists need API keys and the writer's newest state (a watchlist just made must be there
# when its owner reads it). Everything else a reader can answer.
WRITER_BLUEPRINTS = {"check_pages", "registrations_api", "watchlists_api"}
READ_METHODS = {"GET", "HEAD", "OPTIONS"}


def role(config) -> str:
    value = str(config.get("ROLE") or "writer").strip().lower()
    if value not in ROLES:
        raise ValueError(f"FINDER_ROLE={value!r} is not valid: expected writer or reader")
    return value


def is_reader() -> bool:
    return current_app.config.get("ROLE") == "reader"


def init_app(app: Flask) -> None:
    writer = str(app.config.get("WRITER_URL") or "")
    if writer and (urlsplit(writer).scheme not in ("http", "https") or not urlsplit(writer).netloc):
        # a relative Location would send each check back to a reader, round and round
        raise ValueError(
            f"FINDER_WRITER_URL={writer!r} is not valid: expected the writer's address, like "
            "https://write.finder.example"
        )
    app.before_request(_send_writes_to_the_writer)


def _send_writes_to_the_writer():
    if request.blueprint not in WRITER_BLUEPRINTS and request.method in READ_METHODS:
        return None
    writer = str(current_app.config.get("WRITER_URL") or "").rstrip("/")
    if writer:
        path = request.full_path if request.query_string else request.path
        return redirect(writer + path, code=307)
    raise FinderError(
        "This is a read-only node: registration checks and watchlists are answered by the "
        "writer. "
        "Its operator sets FINDER_WRITER_URL, or routes /check, /api/v1/registrations and "
        "/api/v1/watchlists to the writer (docs/operations.md).",
        code="read_only_node",
        status=503,
    )


def health(db) -> tuple[str, dict]:
    """('ok' or why not, details) for /healthz: how far the copy trails the writer."""
    limit = float(current_app.config["READER_MAX_LAG"])
    lag = lag_seconds(db)
    details = {"role": "reader", "lag_seconds": lag, "max_lag_seconds": limit}
    if lag is None:
        return "error: the copy holds no heartbeat from `finder replicate`", details
    details["lag_seconds"] = round(lag, 2)
    if lag > limit:
        return f"error: the copy trails the writer by {lag:.0f} s (limit {limit:g} s)", details
    return f"ok (trails the writer by {lag:.1f} s)", details
