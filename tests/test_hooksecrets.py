"""The webhook service key file: made once, whole, readable by us only; never an empty key."""

from __future__ import annotations

import stat
from concurrent.futures import ThreadPoolExecutor

import pytest

from finder.errors import DataMissing
from finder.watch import hooksecrets


def test_the_key_file_is_made_once_private_and_gives_the_same_secret(tmp_path):
    config = {"DATA_DIR": str(tmp_path), "WEBHOOK_KEY": ""}
    with ThreadPoolExecutor(8) as pool:  # several processes' first use at once
        secrets = set(pool.map(lambda _: hooksecrets.signing_secret(config, "salt"), range(8)))
    assert len(secrets) == 1
    key_file = tmp_path / hooksecrets.KEY_FILE_NAME
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == [hooksecrets.KEY_FILE_NAME]  # no drafts


def test_an_empty_key_file_is_refused_not_used_as_an_empty_key(tmp_path):
    """HMAC with an empty key would let anyone holding a copy of finder.db (the salts) sign."""
    (tmp_path / hooksecrets.KEY_FILE_NAME).write_bytes(b"\n")
    config = {"DATA_DIR": str(tmp_path), "WEBHOOK_KEY": ""}
    with pytest.raises(DataMissing, match="is empty: delete it"):
        hooksecrets.signing_secret(config, "salt")
