"""Watchlists: an API key holder's registrations, re-checked by a monitor that reports changes.

- `schema`: the tables (watchlists, watch_entries, watch_events, watch_deliveries);
- `store`: watchlists and their entries, each seen and changed by its owner only;
- `events`: what the monitor should check next, what it saw, change events, deliveries;
- `hooksecrets`: webhook signing secrets, derived from a service key (never stored).
"""

from finder.watch.events import (
    EVENT_KINDS,
    entries_due,
    event_dict,
    events_page,
    pending_deliveries,
    record_check,
    record_delivery,
    record_event,
    record_unreadable,
    watched_counts,
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
    "EVENT_KINDS",
    "create_watchlist",
    "delete_entry",
    "delete_watchlist",
    "entries_due",
    "event_dict",
    "events_page",
    "find_watchlist",
    "get_watchlist",
    "list_entries",
    "list_watchlists",
    "pending_deliveries",
    "record_check",
    "record_delivery",
    "record_event",
    "record_unreadable",
    "replace_entries",
    "watched_counts",
]
