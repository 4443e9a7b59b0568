"""Watchlists: an API key holder's registrations, re-checked by a monitor that reports changes.

- `schema`: the tables (watchlists, watch_entries, watch_events, watch_deliveries);
- `store`: watchlists and their entries, each seen and changed by its owner only;
- `events`: what the monitor should check next, what it saw, change events, deliveries;
- `hooksecrets`: webhook signing secrets, derived from a service key (never stored);
- `monitor`, `observe`, `changes`: `finder watch run`, one check of a watched registration,
  and what changed (imported by the command that runs them);
- `webhooks`, `netguard`: signed deliveries, and which webhook URLs may be used.
"""

from finder.watch.events import (
    CSV_COLUMNS as EVENT_CSV_COLUMNS,
)
from finder.watch.events import (
    EVENT_KINDS,
    entries_due,
    entries_for,
    event_dict,
    events_csv,
    events_page,
    flat_event,
    parse_since,
    pending_deliveries,
    record_check,
    record_delivery,
    record_event,
    record_unreadable,
    watched_counts,
)
from finder.watch.events import (
    MAX_PAGE as MAX_EVENTS_PAGE,
)
from finder.watch.store import (
    create_watchlist,
    delete_entry,
    delete_watchlist,
    find_watchlist,
    get_watchlist,
    list_entries,
    list_watchlists,
    replace_entries,
)

__all__ = [
    "EVENT_CSV_COLUMNS",
    "EVENT_KINDS",
    "MAX_EVENTS_PAGE",
    "create_watchlist",
    "delete_entry",
    "delete_watchlist",
    "entries_due",
    "entries_for",
    "event_dict",
    "events_page",
    "find_watchlist",
    "events_csv",
    "flat_event",
    "get_watchlist",
    "list_entries",
    "list_watchlists",
    "parse_since",
    "pending_deliveries",
    "record_check",
    "record_delivery",
    "record_event",
    "record_unreadable",
    "replace_entries",
    "watched_counts",
]
