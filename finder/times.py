"""Timestamps: one format in the database and in every answer, ISO 8601 UTC with a `Z`.

`2026-12-07T14:05:09Z`: seconds, no fraction. Strings of this form sort in time order, so the
database can compare and order them as text.
"""

from __future__ import annotations

from datetime import UTC, datetime

FORMAT = "%Y-%m-%dT%H:%M:%SZ"
PATTERN = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$"  # FORMAT as a regular expression (OpenAPI)


def iso(moment: datetime) -> str:
    """`moment` (timezone-aware) as the one stored format."""
    return moment.astimezone(UTC).strftime(FORMAT)


def now_iso() -> str:
    return iso(datetime.now(UTC))


def parse(text: str) -> datetime:
    """A stored timestamp (or an older `+00:00` one) as an aware datetime."""
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
