"""Watchlists in the library: owned, filled, read and deleted; the monitor's side of the store."""

from __future__ import annotations

import json

import pytest

from finder import watch
from finder.errors import InvalidInput, NotFound
from finder.watch import hooksecrets

ACME, BRILL = "Acme Insurance", "Brill Cover"
ROWS = [
    {"register": "hcpc", "registration_number": "ph900001", "name": "Ellis Example",
     "policy": "P-1"},
    {"register": "GOsC", "registration_number": "9001", "name": "", "policy": "P-2"},
]  # fmt: skip


@pytest.fixture
def config(data_dir):
    return {"DATA_DIR": str(data_dir), "WEBHOOK_KEY": ""}


def public(host, port):
    return ["93.184.216.34"]  # a public address, whatever the name (no DNS in tests)


def make(main_db, config, owner=ACME, name="Clinicians", url=None):
    return watch.create_watchlist(main_db, owner, name, url, config=config, resolver=public)


def test_a_watchlist_is_its_owners_alone(main_db, config):
    mine, secret = make(main_db, config)
    assert secret is None and mine["owner"] == ACME and mine["entries"] == 0
    assert [w["id"] for w in watch.list_watchlists(main_db, ACME)] == [mine["id"]]
    assert watch.list_watchlists(main_db, BRILL) == []
    for call in (
        lambda: watch.get_watchlist(main_db, BRILL, mine["id"]),
        lambda: watch.replace_entries(main_db, BRILL, mine["id"], ROWS),
        lambda: watch.list_entries(main_db, BRILL, mine["id"]),
        lambda: watch.delete_watchlist(main_db, BRILL, mine["id"]),
    ):
        with pytest.raises(NotFound, match=f"no watchlist {mine['id']} for this API key"):
            call()
    assert watch.get_watchlist(main_db, ACME, mine["id"])["name"] == "Clinicians"


def test_names_are_unique_per_owner_and_needed(main_db, config):
    make(main_db, config)
    make(main_db, config, owner=BRILL)  # another owner may use the same name
    with pytest.raises(InvalidInput, match="already have a watchlist called 'Clinicians'"):
        make(main_db, config)
    with pytest.raises(InvalidInput, match="needs a name"):
        make(main_db, config, name="  ")


def test_the_webhook_secret_is_shown_once_and_never_stored(main_db, config):
    watchlist, secret = make(main_db, config, url="https://hooks.example.com/finder")
    assert secret.startswith("whsec_") and len(secret) > 40
    dump = "\n".join(main_db.iterdump())
    assert secret not in dump and secret[6:] not in dump
    (salt,) = main_db.execute(
        "select webhook_salt from watchlists where id = ?", [watchlist["id"]]
    ).fetchone()
    assert hooksecrets.signing_secret(config, salt) == secret  # what deliveries sign with
    assert hooksecrets.signing_secret({**config, "WEBHOOK_KEY": "other"}, salt) != secret


def test_replacing_entries_keeps_what_the_monitor_knows_and_extra_columns(main_db, config):
    watchlist, _ = make(main_db, config)
    assert watch.replace_entries(main_db, ACME, watchlist["id"], ROWS) == {
        "added": 2, "kept": 0, "removed": 0}  # fmt: skip
    hcpc = watch.list_entries(main_db, ACME, watchlist["id"])[0]
    assert (hcpc["register"], hcpc["registration_number"], hcpc["extra"]) == (
        "hcpc", "PH900001", {"policy": "P-1"})  # fmt: skip
    watch.record_check(main_db, [hcpc["id"]], {"outcome": "registered"}, "2026-12-07T10:00:00Z")
    new_rows = [dict(ROWS[0], policy="P-9"), {"register": "gcc", "registration_number": "01234"}]
    assert watch.replace_entries(main_db, ACME, watchlist["id"], new_rows) == {
        "added": 1, "kept": 1, "removed": 1}  # fmt: skip
    entries = watch.list_entries(main_db, ACME, watchlist["id"])
    assert [(e["registration_number"], e["outcome"], e["extra"]) for e in entries] == [
        ("PH900001", "registered", {"policy": "P-9"}), ("01234", None, {})]  # fmt: skip


def test_one_bad_row_refuses_the_upload_and_changes_nothing(main_db, config):
    watchlist, _ = make(main_db, config)
    watch.replace_entries(main_db, ACME, watchlist["id"], ROWS)
    bad = [*ROWS, {"register": "nmc", "registration_number": "1"}, ROWS[0]]
    with pytest.raises(InvalidInput) as refused:
        watch.replace_entries(main_db, ACME, watchlist["id"], bad)
    assert refused.value.status == 422
    assert "row 3: 'nmc' is not a register" in refused.value.message
    assert "row 4: hcpc PH900001 is already in an earlier row" in refused.value.message
    assert len(watch.list_entries(main_db, ACME, watchlist["id"])) == 2


def test_deleting_an_entry_or_the_list(main_db, config):
    watchlist, _ = make(main_db, config)
    watch.replace_entries(main_db, ACME, watchlist["id"], ROWS)
    first = watch.list_entries(main_db, ACME, watchlist["id"])[0]
    with pytest.raises(NotFound):
        watch.delete_entry(main_db, BRILL, watchlist["id"], first["id"])
    watch.delete_entry(main_db, ACME, watchlist["id"], first["id"])
    with pytest.raises(NotFound, match="has no entry"):
        watch.delete_entry(main_db, ACME, watchlist["id"], first["id"])
    watch.delete_watchlist(main_db, ACME, watchlist["id"])
    with pytest.raises(NotFound):
        watch.get_watchlist(main_db, ACME, watchlist["id"])
    assert watch.watched_counts(main_db) == {}
    make(main_db, config)  # the name is free again


def test_entries_due_first_the_unchecked_then_the_unsettled_then_the_oldest(main_db, config):
    watchlist, _ = make(main_db, config)
    other, _ = make(main_db, config, owner=BRILL)
    numbers = ["PH900001", "PH900002", "PH900003", "PH900004"]
    rows = [{"register": "hcpc", "registration_number": n} for n in numbers]
    watch.replace_entries(main_db, ACME, watchlist["id"], rows)
    watch.replace_entries(main_db, BRILL, other["id"], rows[:1])
    entries = watch.list_entries(main_db, ACME, watchlist["id"])
    ids = {e["registration_number"]: e["id"] for e in entries}
    watch.record_check(
        main_db, [ids["PH900001"]], {"outcome": "registered"}, "2026-12-01T00:00:00Z"
    )
    watch.record_check(
        main_db, [ids["PH900002"]], {"outcome": "registered"}, "2026-12-03T00:00:00Z"
    )
    watch.record_check(
        main_db, [ids["PH900003"]], {"outcome": "restricted"}, "2026-12-05T00:00:00Z"
    )
    due = watch.entries_due(main_db, "hcpc", 10)
    assert [d["registration_number"] for d in due] == [
        "PH900001",  # Brill's entry of it was never checked
        "PH900004",
        "PH900003",
        "PH900002",
    ]
    assert len(due[0]["entries"]) == 2  # asked once for both lists
    later = watch.entries_due(main_db, "hcpc", 10, checked_before="2026-12-04T00:00:00Z")
    assert [d["registration_number"] for d in later] == ["PH900001", "PH900004", "PH900002"]
    assert watch.entries_due(main_db, "gosc", 10) == []
    assert watch.watched_counts(main_db) == {"hcpc": 4}


def test_an_event_is_fixed_once_recorded_and_queued_for_its_webhook(main_db, config):
    watchlist, _ = make(main_db, config, url="https://hooks.example.com/finder")
    watch.replace_entries(main_db, ACME, watchlist["id"], ROWS[:1])
    entry = main_db.execute("select * from watch_entries").fetchone()
    entry = dict(zip([c[0] for c in main_db.execute("select * from watch_entries").description],
                     entry, strict=True))  # fmt: skip
    event = watch.record_event(
        main_db, entry, "outcome_changed",
        {"outcome": "registered", "status_raw": "Registered"},
        {"outcome": "inactive", "status_raw": "Lapsed", "conditions": ["none"]},
        checked_at="2026-12-07T10:00:00Z", source_url="https://r.example/x",
        evidence_sha256="ab" * 32, now="2026-12-07T10:00:01Z",
    )  # fmt: skip
    assert event["id"].startswith("ev_") and event["entry"]["registration_number"] == "PH900001"
    assert event["after"] == {"outcome": "inactive", "status_raw": "Lapsed",
                              "name_on_register": None, "conditions": ["none"]}  # fmt: skip
    (due,) = watch.pending_deliveries(main_db, "2026-12-07T10:00:01Z")
    assert json.loads(due["payload"]) == event and due["attempts"] == 0
    assert watch.pending_deliveries(main_db, "2026-12-07T10:00:00Z") == []
    watch.record_delivery(
        main_db, event["id"], at="2026-12-07T10:00:02Z", status_code=500, error=None,
        delivered=False, next_attempt_at="2026-12-07T10:01:00Z",
    )  # fmt: skip
    assert watch.pending_deliveries(main_db, "2026-12-07T10:00:30Z") == []
    (again,) = watch.pending_deliveries(main_db, "2026-12-07T10:01:00Z")
    assert again["payload"] == due["payload"] and again["attempts"] == 1
    watch.record_delivery(main_db, event["id"], at="2026-12-07T10:01:01Z", status_code=204,
                          error=None, delivered=True, next_attempt_at=None)  # fmt: skip
    assert watch.pending_deliveries(main_db, "2026-12-08T00:00:00Z") == []
    page, cursor = watch.events_page(main_db, watchlist["id"])
    assert page == [event] and cursor == event["cursor"]
    assert watch.events_page(main_db, watchlist["id"], after=cursor) == ([], cursor)
    with pytest.raises(InvalidInput, match="'after' must be the cursor"):
        watch.events_page(main_db, watchlist["id"], after="yesterday")
