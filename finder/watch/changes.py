"""What changed for a watched entry between the state last seen and a new check.

One check makes at most one event, of the most telling kind:

- `not_found`: the register no longer lists the number;
- `outcome_changed`: registered, restricted, inactive or unknown (a wording nobody has mapped
  yet) changed, e.g. a lapse or a suspension, or conditions put on a registrant;
- `conditions_changed`: the register's conditions or hearing notes were added, changed or
  removed, the outcome staying the same;
- `status_changed`: the register's own status words changed, the outcome staying the same;
- `name_changed`: the name on the register changed;
- `unreadable`: the register could not be read for this entry for longer than a day (once a
  spell: the check that passes the day's mark makes it).

The before and after of an event always carry all four of outcome, raw status, name and
conditions, so a receiver sees every difference whatever the kind. The first good answer for
a new entry is its baseline: nothing is said.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from finder import times

UNREADABLE_AFTER = timedelta(days=1)
STATE_KEYS = ("outcome", "status_raw", "name_on_register", "conditions")


@dataclass(frozen=True)
class Observation:
    """What one check of a registration saw: a good answer (`state`), or none (`reason`)."""

    checked_at: str
    state: dict | None  # outcome, status_raw, name_on_register, conditions; None: unreadable
    source_url: str | None = None
    evidence_sha256: str | None = None
    reason: str | None = None  # why the register could not be read

    @property
    def readable(self) -> bool:
        return self.state is not None


@dataclass(frozen=True)
class Change:
    kind: str
    before: dict
    after: dict


def last_seen(entry: Mapping) -> dict:
    """The state a watch_entries row last had a good answer for (all None: no baseline)."""
    conditions = entry.get("last_conditions")
    return {
        "outcome": entry.get("last_outcome"),
        "status_raw": entry.get("last_status_raw"),
        "name_on_register": entry.get("last_name_on_register"),
        "conditions": _conditions(json.loads(conditions) if conditions else None),
    }


def compare(entry: Mapping, seen: Observation) -> Change | None:
    """The change `seen` makes to `entry` (a watch_entries row), or None."""
    before = last_seen(entry)
    if not seen.readable:
        return _unreadable(entry, seen, before)
    after = {key: seen.state.get(key) for key in STATE_KEYS}
    after["conditions"] = _conditions(after["conditions"])
    if before["outcome"] is None:
        return None  # the first good answer: the baseline
    kind = _kind(before, after)
    return Change(kind, before, after) if kind else None


def _kind(before: dict, after: dict) -> str | None:
    if after["outcome"] == "not_found" and before["outcome"] != "not_found":
        return "not_found"
    if after["outcome"] != before["outcome"]:
        return "outcome_changed"
    if after["conditions"] != before["conditions"]:
        return "conditions_changed"
    if after["status_raw"] != before["status_raw"]:
        return "status_changed"
    if after["name_on_register"] != before["name_on_register"]:
        return "name_changed"
    return None


def _unreadable(entry: Mapping, seen: Observation, before: dict) -> Change | None:
    """An event when this failed check is the first past a day of failures in a row."""
    since, previous = entry.get("unreadable_since"), entry.get("last_checked_at")
    if since is None or previous is None:
        return None  # the spell starts with this check
    mark = times.parse(since) + UNREADABLE_AFTER
    if not times.parse(previous) <= mark < times.parse(seen.checked_at):
        return None  # not a day yet, or said already by an earlier check of this spell
    after = {"outcome": "unknown", "status_raw": None, "name_on_register": None}
    return Change("unreadable", before, {**after, "conditions": None})


def _conditions(value) -> list[str] | None:
    """Conditions as a list of their texts, or None when there are none."""
    if not value:
        return None
    return [str(item) for item in value] if isinstance(value, list | tuple) else [str(value)]
