"""Webhook signing secrets, derived rather than stored.

A receiver checks our HMAC-SHA256 signature with a secret shown once, when its watchlist is
made. We need that secret again for every delivery, so it cannot be kept as a hash like an API
key; kept as it is, a copy of finder.db (a Litestream replica, a backup) would let anyone sign
events an insurer would trust. So each watchlist keeps only a random salt, and its secret is
HMAC-SHA256(service key, salt): the service key is FINDER_WEBHOOK_KEY, or when that is empty
a key file made on first use in the data folder, beside finder.db but never inside it (and not
replicated with it). Losing or changing the service key changes every webhook's secret.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from collections.abc import Mapping
from pathlib import Path

from finder.errors import DataMissing

KEY_FILE_NAME = "webhook-signing.key"
SECRET_PREFIX = "whsec_"  # makes a leaked secret easy to recognise


def new_salt() -> str:
    return secrets.token_urlsafe(24)


def service_key(config: Mapping) -> bytes:
    """FINDER_WEBHOOK_KEY, else the data folder's key file (made, readable by us only)."""
    configured = str(config.get("WEBHOOK_KEY") or "").strip()
    if configured:
        return configured.encode("utf-8")
    path = Path(config["DATA_DIR"]).expanduser() / KEY_FILE_NAME
    try:
        return _read_key(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written whole under another name, then linked into place (which fails if it exists): a
    # process starting at the same moment never reads a half-written, empty key.
    draft = path.with_name(f"{KEY_FILE_NAME}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(secrets.token_urlsafe(32).encode("ascii"))
    try:
        os.link(draft, path)
    except FileExistsError:
        pass  # of two processes making it at once, the first key linked wins
    finally:
        draft.unlink()
    return _read_key(path)


def _read_key(path: Path) -> bytes:
    key = path.read_bytes().strip()
    if not key:  # HMAC with an empty key is a secret anyone with finder.db could work out
        raise DataMissing(
            f"The webhook signing key file {path} is empty: delete it to make a new one (every "
            "webhook's secret then changes) or set FINDER_WEBHOOK_KEY."
        )
    return key


def signing_secret(config: Mapping, salt: str) -> str:
    """The secret a watchlist's webhook is signed with (what its owner was shown)."""
    digest = hmac.new(service_key(config), salt.encode("utf-8"), hashlib.sha256).digest()
    return SECRET_PREFIX + base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")
