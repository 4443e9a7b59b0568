"""Refresh the directory from the public registers (being written)."""

from __future__ import annotations

from sqlite_utils import Migrations

MIGRATIONS = Migrations("finder.refresh")
