"""Who may check what: API keys, the public rate limit and the shared register clients.

One module for the pages and the API alike. create_app puts the limiter and the clients in
`app.extensions` under LIMITER_KEY and CLIENTS_KEY; tests swap in fakes under the same keys.
"""

from __future__ import annotations

import threading

from flask import current_app, request

from finder import db
from finder.errors import FinderError
from finder.registrations import RegisterClients, apikeys
from finder.registrations.background import BackgroundChecks
from finder.web.ratelimit import RateLimiter
from finder.web.requests_db import get_db

LIMITER_KEY = "public_rate_limiter"
CLIENTS_KEY = "register_clients"
CHECKS_KEY = "background_checks"
_making_checks = threading.Lock()
_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="finder"'}


def register_clients() -> RegisterClients:
    return current_app.extensions[CLIENTS_KEY]


def background_checks() -> BackgroundChecks:
    """The app's queue of checks for the registers, made on first use with the app's register
    clients (so a test that swaps the clients in before its first check is served by them)."""
    extensions = current_app.extensions
    with _making_checks:
        if CHECKS_KEY not in extensions:
            extensions[CHECKS_KEY] = BackgroundChecks(
                db.main_db_path(current_app.config["DATA_DIR"]),
                register_clients(),
                capacity=int(current_app.config["CHECK_QUEUE_SIZE"]),
                interval=float(current_app.config["REQUEST_INTERVAL"]),
            )
        return extensions[CHECKS_KEY]


def check_wait() -> float:
    """How long a request waits for a register before answering what is known."""
    return float(current_app.config["CHECK_WAIT"])


def public_rate_limiter() -> RateLimiter:
    return current_app.extensions[LIMITER_KEY]


def retry_after_if_limited() -> int | None:
    """Count a public check from this client; the whole seconds to wait if over the limit."""
    wait = public_rate_limiter().hit(request.remote_addr or "unknown")
    return None if wait is None else max(1, int(wait + 0.999))


def require_api_key() -> str:
    """The key's name, or a 401 saying how to get and send a key."""
    return require_key_holder().name


def require_key_holder() -> apikeys.KeyHolder:
    """Who holds the request's key (its name and owner), or a 401 saying how to send one."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise FinderError(
            "This needs an API key: send it as the header 'Authorization: Bearer <key>'. "
            "The service's operator makes keys with `finder keys create NAME`.",
            code="api_key_required",
            status=401,
            headers=_CHALLENGE,
        )
    holder = apikeys.holder(get_db(), token.strip())
    if holder is None:
        raise FinderError(
            "That API key is not valid, or has been revoked. Ask the service's operator for "
            "a new one.",
            code="invalid_api_key",
            status=401,
            headers=_CHALLENGE,
        )
    return holder


def optional_api_key() -> str | None:
    """The key's name when a Bearer key was sent, None when none was. A key that was sent but
    is not valid is the same 401 as where a key is required: an insurer whose key was revoked
    must be told, not quietly served as the public. Other Authorization schemes (a proxy's
    Basic credentials, say) are not ours, and are ignored."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return require_api_key()
