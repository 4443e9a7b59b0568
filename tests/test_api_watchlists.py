"""The watchlist API: every route behind a key, each watchlist seen and changed only by its
owner's keys, webhook URLs checked, entries in the bulk format, events paged and as CSV."""

from __future__ import annotations

import csv
import io

import pytest

from finder import watch
from finder.registrations import apikeys

ROWS = [
    {"register": "hcpc", "registration_number": "PH900001", "name": "Ellis Example",
     "policy": "P-1"},
    {"register": "gosc", "registration_number": "9001", "name": "Alex Example", "policy": "P-2"},
]  # fmt: skip


@pytest.fixture
def keys(main_db):
    """Two keys of one insurer, and one of another."""
    return {
        "acme": apikeys.create(main_db, "Acme claims team", owner="Acme Insurance"),
        "acme2": apikeys.create(main_db, "Acme underwriting", owner="Acme Insurance"),
        "brill": apikeys.create(main_db, "Brill Cover"),
    }


def bearer(key: str) -> dict:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def made(client, keys):
    """Acme's watchlist with the two ROWS, and one event."""
    created = client.post("/api/v1/watchlists", json={"name": "Clinicians"},
                          headers=bearer(keys["acme"]))  # fmt: skip
    assert created.status_code == 201
    watchlist = created.get_json()
    put = client.put(f"/api/v1/watchlists/{watchlist['id']}/entries", json=ROWS,
                     headers=bearer(keys["acme"]))  # fmt: skip
    assert put.status_code == 200
    return watchlist


def add_event(main_db, watchlist_id: int, status: str, at: str) -> dict:
    entry = next(iter(main_db.query("select * from watch_entries where watchlist_id = ? "
                                    "order by id", [watchlist_id])))  # fmt: skip
    return watch.record_event(
        main_db, entry, "outcome_changed",
        {"outcome": "registered", "status_raw": "Registered", "conditions": None},
        {"outcome": "inactive", "status_raw": status, "conditions": ["Suspended; see order"]},
        checked_at=at, source_url="https://register.example/PH900001",
        evidence_sha256="ab" * 32, now=at,
    )  # fmt: skip


def test_making_and_listing_watchlists(client, keys):
    response = client.post("/api/v1/watchlists", json={"name": " Clinicians "},
                           headers=bearer(keys["acme"]))  # fmt: skip
    assert response.status_code == 201
    body = response.get_json()
    assert response.headers["Location"] == f"/api/v1/watchlists/{body['id']}"
    assert {k: body[k] for k in ("owner", "name", "webhook_url", "entries", "webhook_secret")} == {
        "owner": "Acme Insurance", "name": "Clinicians", "webhook_url": None, "entries": 0,
        "webhook_secret": None}  # fmt: skip
    other_key = client.get("/api/v1/watchlists", headers=bearer(keys["acme2"])).get_json()
    assert [w["id"] for w in other_key["watchlists"]] == [body["id"]]  # the owner's, not the key's
    assert client.get("/api/v1/watchlists", headers=bearer(keys["brill"])).get_json() == {
        "watchlists": []}  # fmt: skip
    again = client.post("/api/v1/watchlists", json={"name": "Clinicians"},
                        headers=bearer(keys["acme2"]))  # fmt: skip
    assert again.status_code == 409 and "already have a watchlist" in again.get_json()["error"][
        "message"]  # fmt: skip


@pytest.mark.parametrize("body", [
    None, [], {"name": ""}, {"name": 7}, {"name": "x" * 201},
    {"name": "Clinicians\x1b[2J"}, {"name": "a\x00b"}, {"name": "evil\u202etxt"},
])  # fmt: skip
def test_a_watchlist_needs_a_name(client, keys, body):
    response = client.post("/api/v1/watchlists", json=body, headers=bearer(keys["acme"]))
    assert response.status_code == 400
    assert response.get_json()["error"]["message"]


def test_the_webhook_secret_is_shown_once(client, keys, app):
    app.config["WEBHOOK_ALLOW_HOSTS"] = "127.0.0.1"
    response = client.post(
        "/api/v1/watchlists",
        json={"name": "Hooked", "webhook_url": "https://127.0.0.1:8443/finder"},
        headers=bearer(keys["acme"]),
    )
    assert response.status_code == 201
    body = response.get_json()
    assert body["webhook_secret"].startswith("whsec_")
    assert body["webhook_url"] == "https://127.0.0.1:8443/finder"
    shown = client.get(f"/api/v1/watchlists/{body['id']}", headers=bearer(keys["acme"]))
    listed = client.get("/api/v1/watchlists", headers=bearer(keys["acme"]))
    for later in (shown, listed):
        assert body["webhook_secret"] not in later.get_data(as_text=True)


@pytest.mark.parametrize(
    "url, why",
    [
        ("https://127.0.0.1/finder", "loopback"),
        ("https://10.1.2.3/finder", "private"),
        ("https://169.254.169.254/latest/meta-data", "link-local"),
        ("https://[::1]/finder", "loopback"),
        ("http://203.0.113.9/finder", "must start with https://"),
        ("ftp://example.com/x", "not a web address"),
    ],
)
def test_a_webhook_to_a_private_or_loopback_address_is_refused(client, keys, main_db, url, why):
    response = client.post("/api/v1/watchlists", json={"name": "Hooked", "webhook_url": url},
                           headers=bearer(keys["acme"]))  # fmt: skip
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "webhook_url_refused" and why in error["message"]
    assert watch.list_watchlists(main_db, "Acme Insurance") == []


def test_entries_in_the_bulk_format_keep_their_extra_columns(client, keys, made):
    shown = client.get(f"/api/v1/watchlists/{made['id']}", headers=bearer(keys["acme2"]))
    assert shown.status_code == 200
    body = shown.get_json()
    assert body["entries"] == 2
    assert [(e["register"], e["registration_number"], e["name"], e["extra"], e["outcome"])
            for e in body["items"]] == [
        ("hcpc", "PH900001", "Ellis Example", {"policy": "P-1"}, None),
        ("gosc", "9001", "Alex Example", {"policy": "P-2"}, None),
    ]  # fmt: skip
    upload = "Register,Registration Number,Name,Branch\r\nhcpc,ph 900001,Ellis Example,North\r\n"
    replaced = client.put(f"/api/v1/watchlists/{made['id']}/entries", data=upload,
                          content_type="text/csv", headers=bearer(keys["acme"]))  # fmt: skip
    assert replaced.get_json() == {"added": 0, "kept": 1, "removed": 1, "entries": 1}
    (entry,) = client.get(f"/api/v1/watchlists/{made['id']}",
                          headers=bearer(keys["acme"])).get_json()["items"]  # fmt: skip
    assert entry["extra"] == {"Branch": "North"}


def test_a_bad_upload_says_which_rows_and_changes_nothing(client, keys, made):
    url = f"/api/v1/watchlists/{made['id']}/entries"
    bad = [*ROWS, {"register": "hcpc", "registration_number": "PH12345678"}]
    response = client.put(url, json=bad, headers=bearer(keys["acme"]))
    assert response.status_code == 422
    assert "row 3:" in response.get_json()["error"]["message"]
    listed = client.put(url, json=[*ROWS, {"register": "hcpc", "registration_number": ["x"]}],
                        headers=bearer(keys["acme"]))  # fmt: skip
    message = listed.get_json()["error"]["message"]
    assert "row 3: registration_number must be text" in message  # said once, not "row 3: Row 3:"
    assert ".." not in message
    wrong_type = client.put(url, data="x", content_type="text/plain", headers=bearer(keys["acme"]))
    assert wrong_type.status_code == 415
    empty = client.put(url, data=b"", content_type="text/csv", headers=bearer(keys["acme"]))
    assert empty.status_code == 400
    shown = client.get(f"/api/v1/watchlists/{made['id']}", headers=bearer(keys["acme"]))
    assert shown.get_json()["entries"] == 2


def test_deleting_an_entry_and_the_watchlist(client, keys, made, main_db):
    base = f"/api/v1/watchlists/{made['id']}"
    first = client.get(base, headers=bearer(keys["acme"])).get_json()["items"][0]
    assert client.delete(f"{base}/entries/{first['id']}", headers=bearer(keys["acme"])
                         ).status_code == 204  # fmt: skip
    gone = client.delete(f"{base}/entries/{first['id']}", headers=bearer(keys["acme"]))
    assert gone.status_code == 404 and "has no entry" in gone.get_json()["error"]["message"]
    assert client.get(base, headers=bearer(keys["acme"])).get_json()["entries"] == 1
    assert client.delete(base, headers=bearer(keys["acme"])).status_code == 204
    assert client.get(base, headers=bearer(keys["acme"])).status_code == 404
    assert client.delete(base, headers=bearer(keys["acme"])).status_code == 404


def test_events_are_paged_by_cursor_and_come_as_csv(client, keys, made, main_db):
    first = add_event(main_db, made["id"], "Lapsed", "2026-11-30T09:00:00Z")
    second = add_event(main_db, made["id"], "Suspended", "2026-12-02T09:00:00Z")
    url = f"/api/v1/watchlists/{made['id']}/events"
    page = client.get(f"{url}?limit=1", headers=bearer(keys["acme"])).get_json()
    assert [e["id"] for e in page["events"]] == [first["id"]]
    assert page["events"][0] == first
    after = client.get(f"{url}?after={page['next_cursor']}", headers=bearer(keys["acme"]))
    assert [e["id"] for e in after.get_json()["events"]] == [second["id"]]
    end = after.get_json()["next_cursor"]
    assert client.get(f"{url}?after={end}", headers=bearer(keys["acme"])).get_json() == {
        "watchlist_id": made["id"], "events": [], "next_cursor": end}  # fmt: skip
    since = client.get(f"{url}?since=2026-12-01", headers=bearer(keys["acme"])).get_json()
    assert [e["id"] for e in since["events"]] == [second["id"]]
    for response in (
        client.get(url, headers={**bearer(keys["acme"]), "Accept": "text/csv"}),
        client.get(f"{url}.csv", headers=bearer(keys["acme"])),
    ):
        assert response.status_code == 200 and response.mimetype == "text/csv"
        rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
        assert [(r["id"], r["status_raw_before"], r["status_raw_after"]) for r in rows] == [
            (first["id"], "Registered", "Lapsed"),
            (second["id"], "Registered", "Suspended"),
        ]
        assert rows[0]["conditions_after"] == "Suspended; see order"
        assert rows[0]["evidence_sha256"] == "ab" * 32
        assert response.headers["X-Next-Cursor"] == end
    # No new events: still a CSV file a spreadsheet or csv.DictReader can read (its header)
    none = client.get(f"{url}.csv?after={end}", headers=bearer(keys["acme"]))
    assert none.get_data(as_text=True) == ",".join(watch.EVENT_CSV_COLUMNS) + "\r\n"


@pytest.mark.parametrize("query, code", [
    ("after=yesterday", "invalid_cursor"), ("after=99999999999999999999999", "invalid_cursor"),
    ("after=-1", "invalid_cursor"), ("since=last+week", "invalid_since"),
    ("limit=0", "invalid_limit"), ("limit=5000", "invalid_limit"),
    ("limit=%C2%B2", "invalid_limit"), ("limit=%D9%A3", "invalid_limit"),  # "²" and "٣"
])  # fmt: skip
def test_bad_event_queries_are_400_saying_why(client, keys, made, query, code):
    response = client.get(f"/api/v1/watchlists/{made['id']}/events?{query}",
                          headers=bearer(keys["acme"]))  # fmt: skip
    assert response.status_code == 400 and response.get_json()["error"]["code"] == code


@pytest.mark.parametrize("watchlist_id", ["99999999999999999999999", "-1", "1.0", "x", "١"])
def test_an_id_that_is_no_watchlist_is_404(client, keys, made, watchlist_id):
    for method, url, extra in routes(watchlist_id, "99999999999999999999999"):
        response = getattr(client, method)(url, headers=bearer(keys["acme"]), **extra)
        assert response.status_code == 404, (method, url)
    entry = f"/api/v1/watchlists/{made['id']}/entries/99999999999999999999999"
    assert client.delete(entry, headers=bearer(keys["acme"])).status_code == 404


def routes(watchlist_id, entry_id):
    base = f"/api/v1/watchlists/{watchlist_id}"
    return [
        ("get", base, {}),
        ("delete", base, {}),
        ("put", f"{base}/entries", {"json": [ROWS[0]]}),
        ("delete", f"{base}/entries/{entry_id}", {}),
        ("get", f"{base}/events", {}),
        ("get", f"{base}/events.csv", {}),
    ]


def test_another_owners_key_gets_404_on_every_route_and_changes_nothing(
    client, keys, made, main_db
):
    event = add_event(main_db, made["id"], "Lapsed", "2026-11-30T09:00:00Z")
    entry_id = event["entry"]["id"]
    before = client.get(f"/api/v1/watchlists/{made['id']}", headers=bearer(keys["acme"]))
    for method, url, extra in routes(made["id"], entry_id):
        response = getattr(client, method)(url, headers=bearer(keys["brill"]), **extra)
        assert response.status_code == 404, (method, url)
        assert response.get_json()["error"]["code"] == "not_found", (method, url)
        assert event["id"] not in response.get_data(as_text=True)
        missing = getattr(client, method)(url.replace(f"/{made['id']}", "/999999", 1),
                                          headers=bearer(keys["acme"]), **extra)  # fmt: skip
        assert (
            missing.get_json()["error"]["message"].replace("999999", str(made["id"]))
            == (response.get_json()["error"]["message"])
        ), "the same 404 as no watchlist at all"
    assert client.get("/api/v1/watchlists", headers=bearer(keys["brill"])).get_json() == {
        "watchlists": []}  # fmt: skip
    after = client.get(f"/api/v1/watchlists/{made['id']}", headers=bearer(keys["acme"]))
    assert after.get_json() == before.get_json()
    events = client.get(f"/api/v1/watchlists/{made['id']}/events", headers=bearer(keys["acme"]))
    assert [e["id"] for e in events.get_json()["events"]] == [event["id"]]


def test_every_route_needs_a_valid_key(client, keys, made, main_db):
    apikeys.revoke(main_db, "Acme underwriting")
    calls = [*routes(made["id"], 1), ("get", "/api/v1/watchlists", {}),
             ("post", "/api/v1/watchlists", {"json": {"name": "x"}})]  # fmt: skip
    for method, url, extra in calls:
        for headers in ({}, bearer("fk_not-a-key"), bearer(keys["acme2"])):
            response = getattr(client, method)(url, headers=headers, **extra)
            assert response.status_code == 401, (method, url, headers)
    assert client.get(f"/api/v1/watchlists/{made['id']}", headers=bearer(keys["acme"])
                      ).get_json()["entries"] == 2  # fmt: skip
