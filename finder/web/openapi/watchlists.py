"""OpenAPI: watchlists and their change events (routes in finder.web.watchlists)."""

from __future__ import annotations

from finder.registrations import MAX_BULK_ROWS
from finder.vocabulary import OUTCOMES, REGISTERS
from finder.watch import EVENT_KINDS, MAX_EVENTS_PAGE
from finder.watch.store import MAX_NAME_LENGTH
from finder.web.openapi import error_responses, timestamp

_KEY = [{"apiKey": []}]
_OWNED = (
    " Needs an API key. A watchlist belongs to the key's owner (`finder keys create NAME "
    "--owner ORG`): every key of that owner sees it, any other key gets 404."
)
_ID = {"name": "watchlist_id", "in": "path", "required": True, "schema": {"type": "integer"}}
_ENTRY_ID = {"name": "entry_id", "in": "path", "required": True, "schema": {"type": "integer"}}
_NULLABLE_TEXT = {"type": ["string", "null"]}
_OUTCOME = {"type": ["string", "null"], "enum": [*OUTCOMES, None]}
_CONDITIONS = {
    "type": ["array", "null"],
    "items": {"type": "string"},
    "description": "The register's conditions or notes on the registration; null when none",
}
_NO_CONTENT = {"204": {"description": "Done"}}
_EVENT_QUERY = [
    {
        "name": "after",
        "in": "query",
        "required": False,
        "schema": {"type": "string"},
        "description": "The `next_cursor` of the previous page: only later events. Omitted: "
        "from the first event",
    },
    {
        "name": "since",
        "in": "query",
        "required": False,
        "schema": {"type": "string"},
        "description": "Only events made on or after this date (2026-12-01) or time "
        "(2026-12-01T09:00:00Z), UTC",
    },
    {
        "name": "limit",
        "in": "query",
        "required": False,
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_EVENTS_PAGE, "default": 100},
    },
]


def _json(description: str, ref: str) -> dict:
    schema = {"$ref": f"#/components/schemas/{ref}"}
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _state(description: str) -> dict:
    return {
        "type": "object",
        "description": description,
        "properties": {
            "outcome": _OUTCOME,
            "status_raw": _NULLABLE_TEXT,
            "name_on_register": _NULLABLE_TEXT,
            "conditions": _CONDITIONS,
        },
    }


SCHEMAS = {
    "Watchlist": {
        "type": "object",
        "required": ["id", "owner", "name", "webhook_url", "created_at", "entries"],
        "properties": {
            "id": {"type": "integer"},
            "owner": {"type": "string"},
            "name": {"type": "string"},
            "webhook_url": _NULLABLE_TEXT,
            "created_at": timestamp(),
            "entries": {"type": "integer", "description": "How many registrations it watches"},
        },
    },
    "NewWatchlist": {
        "type": "object",
        "required": ["name"],
        "properties": {
            "name": {"type": "string", "minLength": 1, "maxLength": MAX_NAME_LENGTH},
            "webhook_url": {
                "type": ["string", "null"],
                "description": "https, resolving to public addresses only (unless the operator "
                "allows the host with FINDER_WEBHOOK_ALLOW_HOSTS); refused with 400 otherwise",
            },
        },
    },
    "CreatedWatchlist": {
        "allOf": [{"$ref": "#/components/schemas/Watchlist"}],
        "properties": {
            "webhook_secret": {
                "type": ["string", "null"],
                "description": "The HMAC-SHA256 key of the webhook's signatures. Shown only in "
                "this answer: keep it now. null without a webhook",
            }
        },
    },
    "WatchEntry": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "register": {"type": "string", "enum": list(REGISTERS)},
            "registration_number": {"type": "string"},
            "name": _NULLABLE_TEXT,
            "extra": {"type": "object", "description": "The upload's other columns, kept"},
            "entry_added_at": timestamp(),
            "outcome": _OUTCOME,
            "status_raw": _NULLABLE_TEXT,
            "name_on_register": _NULLABLE_TEXT,
            "conditions": _CONDITIONS,
            "checked_at": timestamp(nullable=True),
            "source_url": _NULLABLE_TEXT,
            "evidence_sha256": _NULLABLE_TEXT,
            "unreadable_since": timestamp(nullable=True),
        },
    },
    "WatchlistWithEntries": {
        "allOf": [{"$ref": "#/components/schemas/Watchlist"}],
        "properties": {
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/WatchEntry"}}
        },
    },
    "EntriesReplaced": {
        "type": "object",
        "properties": {
            "added": {"type": "integer"},
            "kept": {"type": "integer", "description": "Already watched: their state is kept"},
            "removed": {"type": "integer", "description": "Not in this upload: no longer watched"},
            "entries": {"type": "integer"},
        },
    },
    "WatchEvent": {
        "type": "object",
        "description": "One change; a webhook delivery's body is exactly this object, the same "
        "for every retry",
        "properties": {
            "id": {"type": "string", "description": "Unique; a receiver deduplicates on it"},
            "cursor": {"type": "string"},
            "watchlist_id": {"type": "integer"},
            "kind": {"type": "string", "enum": list(EVENT_KINDS)},
            "entry": {
                "type": "object",
                "properties": {
                    "id": {"type": "integer"},
                    "register": {"type": "string", "enum": list(REGISTERS)},
                    "registration_number": {"type": "string"},
                    "name": _NULLABLE_TEXT,
                },
            },
            "before": _state("What the register said before"),
            "after": _state("What it says now"),
            "checked_at": timestamp(),
            "source_url": _NULLABLE_TEXT,
            "evidence_sha256": _NULLABLE_TEXT,
            "created_at": timestamp(),
        },
    },
    "WatchEvents": {
        "type": "object",
        "properties": {
            "watchlist_id": {"type": "integer"},
            "events": {"type": "array", "items": {"$ref": "#/components/schemas/WatchEvent"}},
            "next_cursor": {
                "type": ["string", "null"],
                "description": "Send as `after` for the events after these (null: none yet)",
            },
        },
    },
}

_EVENTS_RESPONSES = {"200": {
    "description": "Events, oldest first. As CSV, the next cursor is in the X-Next-Cursor header",
    "content": {
        "application/json": {"schema": {"$ref": "#/components/schemas/WatchEvents"}},
        "text/csv": {"schema": {"type": "string"}},
    },
}, **error_responses(400, 401, 404)}  # fmt: skip

OPENAPI_PATHS = {
    "/watchlists": {
        "get": {
            "summary": "The key owner's watchlists (API key)",
            "description": _OWNED,
            "security": _KEY,
            "responses": {
                "200": {
                    "description": "Watchlists",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "watchlists": {
                                        "type": "array",
                                        "items": {"$ref": "#/components/schemas/Watchlist"},
                                    }
                                },
                            }
                        }
                    },
                },
                **error_responses(401),
            },  # fmt: skip
        },
        "post": {
            "summary": "Make a watchlist, optionally with a signed webhook (API key)",
            "description": "Answers the webhook's signing secret once." + _OWNED,
            "security": _KEY,
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/NewWatchlist"}}
                },
            },
            "responses": {
                "201": _json("Made", "CreatedWatchlist"),
                **error_responses(400, 401, 409),
            },
        },
    },
    "/watchlists/{watchlist_id}": {
        "get": {
            "summary": "A watchlist with its entries and what the monitor last saw (API key)",
            "description": _OWNED,
            "security": _KEY,
            "parameters": [_ID],
            "responses": {
                "200": _json("The watchlist", "WatchlistWithEntries"),
                **error_responses(401, 404),
            },
        },
        "delete": {
            "summary": "Stop watching: the entries go, the events stay on record (API key)",
            "description": _OWNED,
            "security": _KEY,
            "parameters": [_ID],
            "responses": {**_NO_CONTENT, **error_responses(401, 404)},
        },
    },
    "/watchlists/{watchlist_id}/entries": {
        "put": {
            "summary": f"Set the registrations watched, up to {MAX_BULK_ROWS:,} (API key)",
            "description": "Body: the bulk check format, a JSON list of rows or a CSV file "
            "(Content-Type text/csv) with register, registration_number, optional name, any "
            "other columns kept. The list becomes exactly these rows: one already watched keeps "
            "its state, one left out is no longer watched. Any bad row refuses the whole upload "
            "(422, naming the rows) and changes nothing." + _OWNED,
            "security": _KEY,
            "parameters": [_ID],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "array",
                            "items": {"$ref": "#/components/schemas/BulkRow"},
                            "maxItems": MAX_BULK_ROWS,
                        }
                    },
                    "text/csv": {"schema": {"type": "string"}},
                },
            },
            "responses": {
                "200": _json("Replaced", "EntriesReplaced"),
                **error_responses(400, 401, 404, 413, 415, 422),
            },
        }
    },
    "/watchlists/{watchlist_id}/entries/{entry_id}": {
        "delete": {
            "summary": "Stop watching one registration (API key)",
            "description": _OWNED,
            "security": _KEY,
            "parameters": [_ID, _ENTRY_ID],
            "responses": {**_NO_CONTENT, **error_responses(401, 404)},
        }
    },
    "/watchlists/{watchlist_id}/events": {
        "get": {
            "summary": "The watchlist's change events, cursor-paged (API key)",
            "description": "Send 'Accept: text/csv' for CSV." + _OWNED,
            "security": _KEY,
            "parameters": [_ID, *_EVENT_QUERY],
            "responses": _EVENTS_RESPONSES,
        }
    },
    "/watchlists/{watchlist_id}/events.csv": {
        "get": {
            "summary": "The same events as CSV (API key)",
            "description": _OWNED,
            "security": _KEY,
            "parameters": [_ID, *_EVENT_QUERY],
            "responses": _EVENTS_RESPONSES,
        }
    },
}
