"""Replication with Litestream: streaming finder.db to a replica (`finder replicate`),
restoring it (`finder restore`), and keeping a reader node's copy current.

Opt-in: nothing here runs unless FINDER_REPLICA_URL is set and a command asks for it.
"""

from finder.replication.copies import NotACopy, copy_lag, follow, open_copy, refresh_copy
from finder.replication.heartbeat import HEARTBEAT_SECONDS, beat, lag_seconds, last_beat
from finder.replication.litestream import (
    ReplicationError,
    binary,
    config_yaml,
    replica_url,
    sync_interval,
)
from finder.replication.restore import Restored, parse_timestamp, restore_to
from finder.replication.writer import replicate, systemd_unit

__all__ = [
    "HEARTBEAT_SECONDS",
    "NotACopy",
    "ReplicationError",
    "Restored",
    "beat",
    "binary",
    "config_yaml",
    "copy_lag",
    "follow",
    "lag_seconds",
    "last_beat",
    "open_copy",
    "parse_timestamp",
    "refresh_copy",
    "replica_url",
    "replicate",
    "restore_to",
    "sync_interval",
    "systemd_unit",
]
