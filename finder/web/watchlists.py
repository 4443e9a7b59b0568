"""Watchlists over JSON (and CSV): routes over finder.watch, every one behind an API key.

- GET    /api/v1/watchlists                                  the key holder's watchlists
- POST   /api/v1/watchlists                                  {name, webhook_url?}; 201
- GET    /api/v1/watchlists/{id}                             with its entries and their state
- DELETE /api/v1/watchlists/{id}                             204
- PUT    /api/v1/watchlists/{id}/entries                     bulk rows (JSON list or text/csv)
- DELETE /api/v1/watchlists/{id}/entries/{entry_id}          204
- GET    /api/v1/watchlists/{id}/events[.csv]?after=&since=&limit=

A watchlist belongs to the key's owner: another owner's key gets the same 404 as a watchlist
that does not exist. The OpenAPI description is finder.web.openapi.watchlists.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, request

from finder import watch
from finder.errors import InvalidInput
from finder.web.auth import require_key_holder
from finder.web.registrations_api import body_rows, wants_csv
from finder.web.requests_db import get_db

bp = Blueprint("watchlists_api", __name__, url_prefix="/api/v1")


def owner() -> str:
    return require_key_holder().owner


@bp.get("/watchlists")
def list_watchlists():
    return jsonify({"watchlists": watch.list_watchlists(get_db(), owner())})


@bp.post("/watchlists")
def create():
    holder = owner()
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidInput(
            'Send a JSON object with Content-Type: application/json, like {"name": '
            '"Clinicians", "webhook_url": "https://example.com/hooks/finder"}.',
            code="invalid_json",
        )
    watchlist, secret = watch.create_watchlist(
        get_db(), holder, body.get("name"), body.get("webhook_url"), config=current_app.config
    )
    answer = dict(watchlist, webhook_secret=secret)
    return jsonify(answer), 201, {"Location": f"/api/v1/watchlists/{watchlist['id']}"}


@bp.get("/watchlists/<watchlist_id>")
def show(watchlist_id: str):
    database, holder = get_db(), owner()
    watchlist = watch.get_watchlist(database, holder, watchlist_id)
    return jsonify(dict(watchlist, items=watch.list_entries(database, holder, watchlist_id)))


@bp.delete("/watchlists/<watchlist_id>")
def delete(watchlist_id: str):
    watch.delete_watchlist(get_db(), owner(), watchlist_id)
    return "", 204


@bp.put("/watchlists/<watchlist_id>/entries")
def replace_entries(watchlist_id: str):
    database, holder = get_db(), owner()
    watch.get_watchlist(database, holder, watchlist_id)  # 404 before reading another's body
    counts = watch.replace_entries(database, holder, watchlist_id, body_rows())
    return jsonify(dict(counts, entries=counts["added"] + counts["kept"]))


@bp.delete("/watchlists/<watchlist_id>/entries/<entry_id>")
def delete_entry(watchlist_id: str, entry_id: str):
    watch.delete_entry(get_db(), owner(), watchlist_id, entry_id)
    return "", 204


@bp.get("/watchlists/<watchlist_id>/events")
def events(watchlist_id: str):
    return _events(watchlist_id, as_csv=wants_csv())


@bp.get("/watchlists/<watchlist_id>/events.csv")
def events_csv(watchlist_id: str):
    return _events(watchlist_id, as_csv=True)


def _events(watchlist_id: str, *, as_csv: bool):
    database = get_db()
    watchlist = watch.get_watchlist(database, owner(), watchlist_id)
    page, cursor = watch.events_page(
        database,
        watchlist["id"],
        after=request.args.get("after"),
        since=since_param(),
        limit=limit_param(),
    )
    if as_csv:
        filename = f"watchlist-{watchlist['id']}-events.csv"
        response = Response(
            watch.events_csv(page),  # the header line even with no events
            mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )
        if cursor:
            response.headers["X-Next-Cursor"] = cursor
        return response
    return jsonify({"watchlist_id": watchlist["id"], "events": page, "next_cursor": cursor})


def limit_param() -> int:
    value = request.args.get("limit", "100")
    # ASCII digits only: "²" and "٣" pass str.isdigit() but int() refuses them
    if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= watch.MAX_EVENTS_PAGE:
        raise InvalidInput(
            f"limit must be a whole number from 1 to {watch.MAX_EVENTS_PAGE}, not {value!r}.",
            code="invalid_limit",
        )
    return int(value)


def since_param() -> str | None:
    """`since` (a date or a time) as the stored timestamp form, or None."""
    value = request.args.get("since")
    return None if value in (None, "") else watch.parse_since(value)
