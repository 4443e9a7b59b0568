"""The watchlist monitor: what counts as a change, what it checks first, how long a cycle takes,
and what it records, with stand-in register clients (tests/stubregisters.py)."""

from __future__ import annotations

import json
import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from stubregisters import StubRegisters, registration

from finder import db
from finder.registrations import history
from finder.registrations.policy import cache_max_age
from finder.registrations.renewals import renewal_window
from finder.watch import events, monitor, store
from finder.watch.changes import Observation, compare
from scrapers.errors import LayoutChanged, RegisterUnavailable

GOOD = {
    "last_outcome": "registered",
    "last_status_raw": "Registered",
    "last_name_on_register": "Ellis Example",
    "last_conditions": None,
    "last_checked_at": "2026-12-01T09:00:00Z",
    "unreadable_since": None,
}


def seen(outcome="registered", status="Registered", name="Ellis Example", conditions=None):
    state = {"outcome": outcome, "status_raw": status, "name_on_register": name}
    return Observation(
        "2026-12-07T09:00:00Z",
        {**state, "conditions": conditions},
        "https://register.example/hcpc/PH100001",
        "ab" * 32,
    )


def unreadable(at="2026-12-07T09:00:00Z"):
    return Observation(at, None, "https://register.example/x", reason="register unavailable: 503")


@pytest.mark.parametrize(
    ("now_seen", "kind"),
    [
        (seen(), None),
        (seen("inactive", "Lapsed"), "outcome_changed"),
        (seen("restricted", "Registered - Conditions of Practice"), "outcome_changed"),
        (seen("unknown", "Registered (under review)"), "outcome_changed"),
        (seen("not_found", None, None), "not_found"),
        (seen(conditions=["Must not practise unsupervised"]), "conditions_changed"),
        (seen(status="registered"), "status_changed"),
        (seen(name="Ellis Example-Smith"), "name_changed"),
    ],
)
def test_each_kind_of_change_makes_one_event_of_the_most_telling_kind(now_seen, kind):
    change = compare(GOOD, now_seen)
    assert (change and change.kind) == kind
    if change:
        assert change.before == {
            "outcome": "registered",
            "status_raw": "Registered",
            "name_on_register": "Ellis Example",
            "conditions": None,
        }
        assert change.after == {
            "outcome": now_seen.state["outcome"],
            "status_raw": now_seen.state["status_raw"],
            "name_on_register": now_seen.state["name_on_register"],
            "conditions": now_seen.state["conditions"],
        }


def test_removed_conditions_are_a_change_and_the_same_ones_are_not():
    restricted = {**GOOD, "last_conditions": json.dumps(["Must not practise unsupervised"])}
    assert compare(restricted, seen()).kind == "conditions_changed"
    assert compare(restricted, seen(conditions=["Must not practise unsupervised"])) is None


def test_the_first_good_answer_for_a_new_entry_is_its_baseline_without_an_event():
    new = {key: None for key in GOOD}
    assert compare(new, seen("inactive", "Lapsed")) is None
    assert compare(new, unreadable()) is None


def test_an_unreadable_register_is_an_event_once_a_day_has_passed_and_only_once():
    spell = {**GOOD, "unreadable_since": "2026-12-06T08:00:00Z"}
    # Failing for 23 hours: nothing yet. The first check past the day says so...
    assert compare({**spell, "last_checked_at": "2026-12-07T07:00:00Z"},
                   unreadable("2026-12-07T07:59:59Z")) is None  # fmt: skip
    change = compare({**spell, "last_checked_at": "2026-12-07T07:00:00Z"},
                     unreadable("2026-12-07T08:00:01Z"))  # fmt: skip
    assert change.kind == "unreadable"
    assert change.after == {
        "outcome": "unknown",
        "status_raw": None,
        "name_on_register": None,
        "conditions": None,
    }
    assert change.before["outcome"] == "registered"
    # ... and later checks of the same spell do not say it again.
    assert compare({**spell, "last_checked_at": "2026-12-07T08:00:01Z"}, unreadable()) is None
    # The first failure after good answers starts a spell: no event.
    assert compare(GOOD, unreadable()) is None


def test_renewal_windows_are_one_table_read_by_the_cache_policy_and_the_monitor():
    assert renewal_window("hcpc", "PH100001", date(2026, 5, 1)).register == "hcpc"
    assert renewal_window("hcpc", "PH100001", date(2027, 5, 1)) is None  # odd year
    assert renewal_window("hcpc", "PH100001", date(2026, 7, 1)) is None
    assert renewal_window("gcc", "04567", date(2026, 12, 14)).source.startswith(
        "https://www.gcc-uk.org/"
    )
    assert renewal_window("gosc", "9123", date(2026, 12, 14)) is None
    day = datetime(2026, 5, 1, tzinfo=UTC)
    assert cache_max_age("hcpc", "PH100001", day) == timedelta(days=1)
    assert cache_max_age("gosc", "9123", day) == timedelta(days=7)


def test_a_cycle_is_estimated_from_the_watchlist_size_and_the_politeness_interval():
    [hcpc, gosc] = monitor.cycle_estimates({"hcpc": 10_000, "gosc": 30}, 2.0)
    assert hcpc.describe() == (
        "HCPC: 10,000 registrations watched, one check every 2 s: a cycle takes about 5.6 hours."
    )
    # A GOsC lookup reads two pages: a search, then the registrant's page.
    assert gosc.describe() == (
        "GOsC: 30 registrations watched, one check every 4 s: a cycle takes about 2 minutes."
    )
    [slow] = monitor.cycle_estimates({"hcpc": 50_000}, 2.0, recheck_hours=24)
    assert slow.describe().endswith(
        "a cycle takes about 27.8 hours, longer than FINDER_WATCH_RECHECK_HOURS (24): each is "
        "checked about every 27.8 hours instead."
    )


def due_item(register, number, *entries):
    return {"register": register, "registration_number": number, "entries": list(entries)}


def entry(outcome="registered", checked="2026-12-01T00:00:00Z", unreadable_since=None):
    return {
        "last_outcome": outcome,
        "last_checked_at": checked,
        "unreadable_since": unreadable_since,
    }


def test_the_monitor_checks_the_renewal_window_then_unsettled_answers_then_the_oldest():
    items = [
        due_item("hcpc", "PH1", entry(checked="2026-01-01T00:00:00Z")),  # oldest
        due_item("hcpc", "PH2", entry("restricted")),
        due_item("hcpc", "PH3", entry(unreadable_since="2026-12-01T00:00:00Z")),
        due_item("hcpc", "PH4", entry(outcome=None, checked=None)),  # never checked
        due_item("hcpc", "PH5", entry("unknown")),
        due_item("hcpc", "PH6", entry()),
    ]
    today = date(2026, 12, 7)
    order = [
        i["registration_number"] for i in sorted(items, key=lambda i: monitor.priority(i, today))
    ]
    assert order == ["PH2", "PH3", "PH5", "PH4", "PH1", "PH6"]
    # GCC registrations lapse in December: in the window, all of them come before none.
    gcc = [due_item("gcc", "00001", entry()), due_item("gcc", "00002", entry("restricted"))]
    assert monitor.priority(gcc[0], today) < monitor.priority(items[1], today)


# -- a cycle with stand-in clients -------------------------------------------------------------


class Clients:
    """RegisterClients' lookup over a StubRegisters, remembering what was asked."""

    def __init__(self, stub: StubRegisters) -> None:
        self.stub = stub

    def lookup(self, register, number):
        return self.stub.lookup(register, number)


@pytest.fixture
def config(data_dir):
    return {
        "DATA_DIR": str(data_dir),
        "REQUEST_INTERVAL": 2.0,
        "WEBHOOK_KEY": "test",
        "WEBHOOK_ALLOW_HOSTS": "",
        "WATCH_RECHECK_HOURS": 0.0,
    }


class Clock:
    def __init__(self, start: datetime) -> None:
        self.at = start

    def __call__(self) -> datetime:
        return self.at


def watchlist(main_db, config, numbers, owner="Example Insurance", name="panel"):
    made, _ = store.create_watchlist(main_db, owner, name, None, config=config)
    rows = [
        {"register": "hcpc", "registration_number": n, "name": "Ellis Example"} for n in numbers
    ]
    store.replace_entries(main_db, owner, made["id"], rows)
    return made


def test_a_cycle_sets_baselines_then_reports_each_change_with_its_evidence(
    main_db, config, data_dir
):
    stub = StubRegisters()
    for number in ("PH100001", "PH100002"):
        stub.add(registration("hcpc", number, "Ellis Example"))
    panel = watchlist(main_db, config, ["PH100001", "PH100002"])
    clock = Clock(datetime(2026, 12, 7, 9, 0, tzinfo=UTC))
    watch = monitor.Monitor(db.main_db_path(data_dir), config, Clients(stub), now=clock)
    first = watch.run_cycle()["hcpc"]
    assert (first.due, first.checked, first.baselines, first.events) == (2, 2, 2, 0)
    stub.add(registration("hcpc", "PH100002", "Ellis Example", status_raw="Suspended",
                          outcome="inactive", page_sha256="cd" * 32))  # fmt: skip
    clock.at += timedelta(hours=1)
    second = watch.run_cycle()["hcpc"]
    assert (second.checked, second.baselines, second.events) == (2, 0, 1)
    [event] = events.events_page(main_db, panel["id"])[0]
    assert event["kind"] == "outcome_changed"
    assert event["entry"]["registration_number"] == "PH100002"
    assert (event["before"]["outcome"], event["after"]["outcome"]) == ("registered", "inactive")
    assert (event["before"]["status_raw"], event["after"]["status_raw"]) == (
        "Registered",
        "Suspended",
    )
    assert event["checked_at"] == "2026-12-07T10:00:00Z"
    assert event["evidence_sha256"] == "cd" * 32
    assert event["source_url"] == "https://register.example/hcpc/PH100002"
    # The check is in the registration's history like any other, with the same evidence.
    assert history(main_db, "hcpc", "PH100002")[0]["evidence_sha256"] == "cd" * 32
    third = watch.run_cycle()["hcpc"]
    assert third.events == 0


def test_one_check_serves_every_watchlist_watching_the_number(main_db, config, data_dir):
    stub = StubRegisters()
    stub.add(registration("hcpc", "PH100001", "Ellis Example"))
    mine = watchlist(main_db, config, ["PH100001"])
    theirs = watchlist(main_db, config, ["PH100001"], owner="Other Insurer")
    watch = monitor.Monitor(db.main_db_path(data_dir), config, Clients(stub))
    watch.run_cycle()
    stub.add(registration("hcpc", "PH100001", "Ellis Example", status_raw="Lapsed",
                          outcome="inactive"))  # fmt: skip
    watch.run_cycle()
    assert stub.lookups == [("hcpc", "PH100001")] * 2
    for panel in (mine, theirs):
        [event] = events.events_page(main_db, panel["id"])[0]
        assert (event["kind"], event["watchlist_id"]) == ("outcome_changed", panel["id"])


def test_a_new_status_nobody_has_mapped_is_reported_in_the_registers_own_words(
    main_db, config, data_dir
):
    stub = StubRegisters()
    stub.add(registration("hcpc", "PH100001", "Ellis Example"))
    panel = watchlist(main_db, config, ["PH100001"])
    watch = monitor.Monitor(db.main_db_path(data_dir), config, Clients(stub))
    watch.run_cycle()
    stub.add(registration("hcpc", "PH100001", "Ellis Example", status_raw="Under review",
                          outcome="unknown", outcome_reason="status not recognised"))  # fmt: skip
    watch.run_cycle()
    [event] = events.events_page(main_db, panel["id"])[0]
    assert (event["after"]["outcome"], event["after"]["status_raw"]) == ("unknown", "Under review")


def test_a_register_down_for_more_than_a_day_is_one_unreadable_event(main_db, config, data_dir):
    stub = StubRegisters()
    stub.add(registration("hcpc", "PH100001", "Ellis Example"))
    panel = watchlist(main_db, config, ["PH100001"])
    clock = Clock(datetime(2026, 12, 7, 9, 0, tzinfo=UTC))
    watch = monitor.Monitor(db.main_db_path(data_dir), config, Clients(stub), now=clock)
    watch.run_cycle()
    stub.fail("hcpc", "PH100001", RegisterUnavailable("HTTP 503 after 4 attempts", "https://x"))
    for hours in (1, 12, 24):  # failing from 10:00 on the 7th: a day at 10:00 on the 8th
        clock.at = datetime(2026, 12, 7, 9, 0, tzinfo=UTC) + timedelta(hours=hours)
        assert watch.run_cycle()["hcpc"].unreadable == 1
    assert events.events_page(main_db, panel["id"])[0] == []
    for hours in (30, 40):
        clock.at = datetime(2026, 12, 7, 9, 0, tzinfo=UTC) + timedelta(hours=hours)
        watch.run_cycle()
    [event] = events.events_page(main_db, panel["id"])[0]
    assert (event["kind"], event["checked_at"]) == ("unreadable", "2026-12-08T15:00:00Z")
    assert event["source_url"] == "https://x"
    # Readable again and unchanged: no event; the spell is over.
    stub.add(registration("hcpc", "PH100001", "Ellis Example"))
    clock.at += timedelta(hours=1)
    watch.run_cycle()
    assert len(events.events_page(main_db, panel["id"])[0]) == 1
    [entry_state] = store.list_entries(main_db, None, panel["id"])
    assert entry_state["unreadable_since"] is None


def test_a_page_not_understood_keeps_the_last_good_state_and_makes_no_event(
    main_db, config, data_dir
):
    stub = StubRegisters()
    stub.add(registration("hcpc", "PH100001", "Ellis Example"))
    panel = watchlist(main_db, config, ["PH100001"])
    watch = monitor.Monitor(db.main_db_path(data_dir), config, Clients(stub))
    watch.run_cycle()
    stub.fail("hcpc", "PH100001", LayoutChanged("no detail table", "https://x"))
    assert watch.run_cycle()["hcpc"].unreadable == 1
    [entry_state] = store.list_entries(main_db, None, panel["id"])
    assert (entry_state["outcome"], entry_state["status_raw"]) == ("registered", "Registered")
    assert entry_state["unreadable_since"] is not None
    assert events.events_page(main_db, panel["id"])[0] == []


def test_a_registration_checked_recently_is_not_due_until_the_recheck_time(
    main_db, config, data_dir
):
    stub = StubRegisters()
    stub.add(registration("hcpc", "PH100001", "Ellis Example"))
    watchlist(main_db, config, ["PH100001"])
    clock = Clock(datetime(2026, 12, 7, 9, 0, tzinfo=UTC))
    daily = {**config, "WATCH_RECHECK_HOURS": 24.0}
    watch = monitor.Monitor(db.main_db_path(data_dir), daily, Clients(stub), now=clock)
    assert watch.run_cycle()["hcpc"].checked == 1
    clock.at += timedelta(hours=23)
    assert (watch.anything_due(), watch.run_cycle()["hcpc"].checked) == (False, 0)
    clock.at += timedelta(hours=2)
    assert (watch.anything_due(), watch.run_cycle()["hcpc"].checked) == (True, 1)


def test_only_one_monitor_runs_at_a_time(data_dir):
    running = "Another `finder watch run` is running"
    with (
        monitor.MonitorLock(data_dir),
        pytest.raises(monitor.MonitorRunning, match=running),
        monitor.MonitorLock(data_dir),
    ):
        pass
    with monitor.MonitorLock(data_dir):  # freed when the first ended
        pass


def test_the_monitor_writes_no_long_transactions(main_db, config, data_dir):
    """Each check commits on its own: a reader (a web search) sees each as it lands."""
    stub = StubRegisters()
    numbers = [f"PH1000{i:02d}" for i in range(5)]
    for number in numbers:
        stub.add(registration("hcpc", number, "Ellis Example"))
    watchlist(main_db, config, numbers)
    seen_by_reader = []

    class Watching(Clients):
        def lookup(self, register, number):
            reader = db.connect(db.main_db_path(data_dir))
            seen_by_reader.append(reader.execute(
                "select count(*) from watch_entries where last_checked_at is not null"
            ).fetchone()[0])  # fmt: skip
            reader.close()
            return super().lookup(register, number)

    monitor.Monitor(db.main_db_path(data_dir), config, Watching(stub)).run_cycle()
    assert seen_by_reader == [0, 1, 2, 3, 4]


def test_after_an_outage_the_monitor_waits_out_the_registers_pause_before_each_check(
    main_db, config, data_dir
):
    stub = StubRegisters()
    for number in ("PH100001", "PH100002"):
        stub.add(registration("hcpc", number, "Ellis Example"))
    watchlist(main_db, config, ["PH100001", "PH100002"])
    calls = []

    class Pausing(Clients):
        def wait_out_pause(self, register):
            calls.append(("wait", register))
            return 0.0

        def lookup(self, register, number):
            calls.append(("ask", number))
            return super().lookup(register, number)

    monitor.Monitor(db.main_db_path(data_dir), config, Pausing(stub)).run_cycle()
    assert calls == [("wait", "hcpc"), ("ask", "PH100001"), ("wait", "hcpc"), ("ask", "PH100002")]


def test_a_cycle_that_checked_nothing_is_followed_by_a_wait_not_another_at_once(
    main_db, config, data_dir
):
    watchlist(main_db, config, ["PH100001"])

    class Broken(Clients):
        def lookup(self, register, number):
            raise RuntimeError("a bug of ours")  # never checked, so always due

    class Stop(threading.Event):
        """Records each wait; stops the monitor after the third."""

        waits: list = []

        def wait(self, timeout=None):
            self.waits.append(timeout)
            if len(self.waits) == 3:
                self.set()
            return self.is_set()

    watch = monitor.Monitor(db.main_db_path(data_dir), config, Broken(StubRegisters()))
    watch.stop = Stop()
    watch.run_forever(idle_poll=7.0)
    assert watch.stop.waits == [7.0, 7.0, 7.0]
