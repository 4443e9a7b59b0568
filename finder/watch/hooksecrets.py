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
        return path.read_bytes().strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(32).encode("ascii")
    try:  # exclusive create: of two processes making it at once, one key wins
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes().strip()
    with os.fdopen(descriptor, "wb") as file:
        file.write(key)
    return key


def signing_secret(config: Mapping, salt: str) -> str:
    """The secret a watchlist's webhook is signed with (what its owner was shown)."""
    digest = hmac.new(service_key(config), salt.encode("utf-8"), hashlib.sha256).digest()
    return SECRET_PREFIX + base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")
