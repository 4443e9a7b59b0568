"""Checks for web requests go through a bounded queue a register at a time, so no request waits
on a register's politeness for longer than a short deadline (FINDER_CHECK_WAIT)."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from finder import db
from finder.errors import FinderError
from finder.registrations import background
from finder.registrations.background import BackgroundChecks, QueueFull, Waiting
from scrapers.records import Registration

PAGE_HASH = "cd" * 32


def person(number: str = "PH123456", name: str = "Ellis Example") -> Registration:
    return Registration(
        register="hcpc",
        registration_number=number,
        name=name,
        profession="physiotherapist",
        status_raw="Registered",
        outcome="registered",
        outcome_reason=None,
        source_url=f"https://register.example/hcpc/{number}",
        page_sha256=PAGE_HASH,
    )


class HeldRegister:
    """Stands in for RegisterClients: each lookup waits until the test lets it answer."""

    def __init__(self) -> None:
        self.go = threading.Event()
        self.asked: list[tuple[str, str]] = []
        self.started = threading.Semaphore(0)

    def lookup(self, register: str, number: str) -> Registration:
        self.asked.append((register, number))
        self.started.release()
        assert self.go.wait(timeout=30), "the test never let the register answer"
        return person(number)


@pytest.fixture
def held():
    register = HeldRegister()
    yield register
    register.go.set()  # never leave a worker waiting


@pytest.fixture
def checks(data_dir, held):
    db.open_main(data_dir).close()
    queue = BackgroundChecks(db.main_db_path(data_dir), held, capacity=3, interval=20.0)
    yield queue
    held.go.set()
    queue.close()


def test_a_check_not_done_by_the_deadline_finishes_in_the_background_and_is_stored(
    checks, held, main_db
):
    key = ("hcpc", "PH123456")
    answer = checks.wait(checks.submit([key]), deadline=0.05)[key]
    assert answer == Waiting("hcpc", "PH123456", retry_after=20)
    held.go.set()
    future = checks.submit([key])[key]  # still queued or done: the same check either way
    assert future.result(timeout=10).outcome == "registered"
    assert main_db["registrations"].get(key)["name_on_register"] == "Ellis Example"
    assert held.asked == [key]


def test_the_same_number_asked_twice_while_queued_is_checked_once(checks, held):
    key = ("hcpc", "PH123456")
    first, second = checks.submit([key])[key], checks.submit([key])[key]
    assert first is second
    held.go.set()
    assert first.result(timeout=10).registration_number == "PH123456"
    assert held.asked == [key]


def test_a_full_queue_refuses_at_once_with_when_to_ask_again(checks, held):
    checks.submit([("hcpc", f"PH10000{i}") for i in range(3)])
    with pytest.raises(QueueFull) as refused:
        checks.submit([("hcpc", "PH200000")])
    assert refused.value.status == 503
    assert refused.value.headers == {"Retry-After": "20"}  # a place frees after one check


def test_a_request_does_not_wait_for_a_check_too_far_back_to_finish_in_time(checks, held):
    """The second check waits for the first, 20 s a check, and the request may wait 15 s: it
    answers at once, with its answer before the register is let go at all."""
    first, second = ("hcpc", "PH100001"), ("hcpc", "PH100002")
    futures = checks.submit([first, second])
    held.started.acquire(timeout=10)  # the first check is with the register
    answer = checks.wait({second: futures[second]}, deadline=15.0)[second]
    assert held.go.is_set() is False
    assert answer == Waiting("hcpc", "PH100002", retry_after=40)


def test_a_worker_that_cannot_start_leaves_nothing_queued_and_the_next_check_works(
    checks, held, monkeypatch
):
    real_start = threading.Thread.start

    def no_threads_left(thread):
        raise RuntimeError("can't start new thread")

    monkeypatch.setattr(threading.Thread, "start", no_threads_left)
    with pytest.raises(FinderError) as refused:
        checks.submit([("hcpc", "PH123456")])
    assert (refused.value.status, refused.value.headers) == (503, {"Retry-After": "60"})
    monkeypatch.setattr(threading.Thread, "start", real_start)
    held.go.set()
    future = checks.submit([("hcpc", "PH123456")])[("hcpc", "PH123456")]
    assert future.result(timeout=10).outcome == "registered"


def test_a_closed_queue_refuses_new_checks(checks, held):
    held.go.set()
    checks.close()
    with pytest.raises(FinderError) as refused:
        checks.submit([("hcpc", "PH123456")])
    assert refused.value.status == 503


# --- through the web --------------------------------------------------------------------------


@pytest.fixture
def slow_app(app, held):
    app.config.update(CHECK_WAIT=0.05, CHECK_QUEUE_SIZE=2, REQUEST_INTERVAL=1.0)
    app.extensions["register_clients"] = held
    yield app
    held.go.set()
    checks = app.extensions.get("background_checks")
    if checks is not None:
        checks.close()


def test_the_api_answers_202_with_retry_after_while_the_register_is_asked(slow_app, held):
    client = slow_app.test_client()
    response = client.get("/api/v1/registrations/hcpc/PH123456")
    assert response.status_code == 202
    assert response.headers["Retry-After"] == "1"
    assert response.get_json() == {
        "register": "hcpc",
        "registration_number": "PH123456",
        "status": "checking",
        "retry_after": 1,
        "message": "This registration is being checked with the HCPC register now and has "
        "not been checked here before: ask again in 1 second.",
        "register_notice": None,
    }
    held.go.set()
    slow_app.extensions["background_checks"].submit([("hcpc", "PH123456")])[
        ("hcpc", "PH123456")
    ].result(timeout=10)
    again = client.get("/api/v1/registrations/hcpc/PH123456")
    assert (again.status_code, again.get_json()["outcome"]) == (200, "registered")
    assert held.asked == [("hcpc", "PH123456")]  # the second answer came from the cache


def test_a_stored_answer_is_served_marked_stale_while_a_fresh_one_is_asked(slow_app, held, main_db):
    main_db["registrations"].insert(
        {
            "register": "hcpc",
            "registration_number": "PH123456",
            "outcome": "registered",
            "status_raw": "Registered",
            "name_on_register": "Ellis Example",
            "profession": "physiotherapist",
            "checked_at": "2020-01-02T03:04:05Z",
            "source_url": "https://register.example/hcpc/PH123456",
        }
    )
    response = slow_app.test_client().get("/api/v1/registrations/hcpc/PH123456")
    body = response.get_json()
    assert (response.status_code, response.headers["Retry-After"]) == (200, "1")
    assert (body["outcome"], body["stale"], body["reason_code"]) == ("registered", True, "checking")
    assert body["checked_at"] == "2020-01-02T03:04:05Z"


def test_a_full_queue_is_a_503_with_retry_after_at_once(slow_app, held):
    client = slow_app.test_client()
    for number in ("PH100001", "PH100002"):
        assert client.get(f"/api/v1/registrations/hcpc/{number}").status_code == 202
    response = client.get("/api/v1/registrations/hcpc/PH100003")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "1"  # a place frees after one check
    assert response.get_json()["error"]["code"] == "checks_queue_full"


def test_a_full_queue_gives_the_upload_page_a_503_with_retry_after(slow_app, held, main_db):
    from test_pages_check import form_token, upload

    from finder.registrations import apikeys

    client = slow_app.test_client()
    for number in ("PH100001", "PH100002"):
        assert client.get(f"/api/v1/registrations/hcpc/{number}").status_code == 202
    key = apikeys.create(main_db, "Example Insurance")
    data = b"register,registration_number\nhcpc,PH100004\n"
    response = upload(client, data, key=key, token=form_token(client))
    assert (response.status_code, response.headers["Retry-After"]) == (503, "1")
    assert "Too many checks are waiting for the HCPC register" in response.get_data(as_text=True)


def test_the_check_page_says_the_register_is_being_asked_and_how_to_ask_again(slow_app, held):
    response = slow_app.test_client().get("/check?register=hcpc&number=PH123456")
    assert (response.status_code, response.headers["Retry-After"]) == (202, "1")
    html = response.get_data(as_text=True)
    assert "Being checked" in html
    assert "/check?register=hcpc&amp;number=PH123456" in html


def test_background_module_names_its_reason_as_the_vocabulary_does():
    from finder.vocabulary import reason_code

    assert reason_code(background.CHECKING_REASON) == "checking"


def test_a_hung_register_is_answered_within_the_wait_and_then_at_once_during_its_pause(
    data_dir,
):
    """The fake register takes 3 s to answer; a lookup may take 1 s in all. The first visitor
    is answered before the register gives up; once it has, the register is left alone for its
    pause, and the next visitor is answered without it being asked again."""
    from fakeregister import fake_register

    from finder import create_app
    from finder.registrations import clients_from_config

    with fake_register() as fake:
        fake.add_hcpc("PH123456", "Ellis Example")
        app = create_app(
            {
                "TESTING": True,
                "DATA_DIR": str(data_dir),
                "HCPC_URL": fake.base_url("hcpc"),
                "GOSC_URL": fake.base_url("gosc"),
                "GCC_URL": fake.base_url("gcc"),
                "REQUEST_INTERVAL": 0.001,
                "CHECK_WAIT": 0.05,
                "CONTACT": "tests <tests@finder.example>",
            }
        )
        clients = clients_from_config(app.config, deadline=1.0, sleep=lambda _: None)
        app.extensions["register_clients"] = clients
        fake.fault("slow", register="hcpc", delay=3.0)
        client = app.test_client()
        first = client.get("/api/v1/registrations/hcpc/PH123456")
        assert first.status_code == 202
        checks = app.extensions["background_checks"]
        gave_up = checks.submit([("hcpc", "PH123456")])[("hcpc", "PH123456")]
        assert gave_up.result(timeout=30).reason == "register unavailable: no answer within 1 s"
        asked = len(fake.requests_for("hcpc"))
        app.config["CHECK_WAIT"] = 10.0  # it may wait: what matters is who is asked
        second = client.get("/api/v1/registrations/hcpc/PH123456")
        assert second.status_code == 200
        assert (second.get_json()["outcome"], second.get_json()["reason_code"]) == (
            "unknown",
            "register_unavailable",
        )
        assert len(fake.requests_for("hcpc")) == asked  # not asked again during the pause
        checks.close()
        clients.close()


def test_a_bulk_request_answers_202_with_rows_still_being_checked_then_all_from_the_cache(
    slow_app, held, main_db
):
    from finder.registrations import apikeys

    slow_app.config["CHECK_QUEUE_SIZE"] = 4  # a request may fill half: two
    headers = {"Authorization": f"Bearer {apikeys.create(main_db, 'Example Insurance')}"}
    rows = [
        {"register": "hcpc", "registration_number": "PH100001", "policy": "P-1"},
        {"register": "hcpc", "registration_number": "PH100002", "policy": "P-2"},
    ]
    client = slow_app.test_client()
    first = client.post("/api/v1/registrations/bulk", json=rows, headers=headers)
    assert (first.status_code, first.headers["Retry-After"]) == (202, "2")
    assert [(r["policy"], r["outcome"], r["error"]) for r in first.get_json()["results"]] == [
        ("P-1", None, "being checked with the register now: send it again in 1 second"),
        ("P-2", None, "being checked with the register now: send it again in 2 seconds"),
    ]
    held.go.set()
    checks = slow_app.extensions["background_checks"]
    for future in checks.submit([("hcpc", "PH100001"), ("hcpc", "PH100002")]).values():
        future.result(timeout=10)
    again = client.post("/api/v1/registrations/bulk", json=rows, headers=headers)
    assert again.status_code == 200
    assert [(r["policy"], r["outcome"], r["error"]) for r in again.get_json()["results"]] == [
        ("P-1", "registered", None),
        ("P-2", "registered", None),
    ]
    assert held.asked == [("hcpc", "PH100001"), ("hcpc", "PH100002")]


def test_one_bulk_request_may_fill_at_most_half_a_registers_queue(slow_app, held, main_db):
    from finder.registrations import apikeys

    headers = {"Authorization": f"Bearer {apikeys.create(main_db, 'Example Insurance')}"}
    rows = [{"register": "hcpc", "registration_number": f"PH10000{i}"} for i in (1, 2)]
    response = slow_app.test_client().post("/api/v1/registrations/bulk", json=rows, headers=headers)
    assert response.status_code == 422  # the queue holds 2: one request may queue 1
    assert response.get_json()["error"]["code"] == "too_many_register_checks"
    assert held.asked == []


class BrokenHere:
    """A lookup that fails on our side (the database locked by an import, say), not the
    register's."""

    def lookup(self, register: str, number: str):
        raise sqlite3.OperationalError("database is locked")


def test_a_check_that_fails_here_is_a_503_with_retry_after_never_a_500(app, main_db):
    app.extensions["register_clients"] = BrokenHere()
    response = app.test_client().get("/api/v1/registrations/hcpc/PH123456")
    assert (response.status_code, response.headers["Retry-After"]) == (503, "30")
    assert response.get_json()["error"] == {
        "code": "check_failed",
        "message": "This check could not be completed just now: try again in 30 seconds.",
    }


def test_a_check_that_fails_here_serves_the_stored_answer_in_plain_words(app, main_db):
    main_db["registrations"].insert(
        {
            "register": "hcpc",
            "registration_number": "PH123456",
            "outcome": "registered",
            "status_raw": "Registered",
            "profession": "physiotherapist",
            "checked_at": "2020-01-02T03:04:05Z",
        }
    )
    app.extensions["register_clients"] = BrokenHere()
    client = app.test_client()
    body = client.get("/api/v1/registrations/hcpc/PH123456").get_json()
    assert (body["outcome"], body["stale"], body["reason_code"]) == ("registered", True, "other")
    html = client.get("/check?register=hcpc&number=PH123456").get_data(as_text=True)
    assert "database is locked" not in html and "OperationalError" not in html
