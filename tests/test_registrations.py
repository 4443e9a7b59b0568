"""registrations.check: the cache policy, stale-if-error, change detection and history.

The register is a scripted fake here (answers and failures in order); the end-to-end tests
against the fake register server are in test_registrations_fakeserver.py.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from finder import registrations, vocabulary
from finder.errors import InvalidInput, NotFound
from scrapers.errors import LayoutChanged, RegisterUnavailable
from scrapers.records import NotFound as RegisterNotFound
from scrapers.records import Registration

NOW = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
URL = "https://register.example/PH123456"


def person(name="Ellis Example", status="Registered", outcome="registered", reason=None):
    return Registration(
        register="hcpc",
        registration_number="PH123456",
        name=name,
        profession="physiotherapist",
        status_raw=status,
        outcome=outcome,
        outcome_reason=reason,
        source_url=URL,
        page_sha256=f"sha-of-{name}-{status}",
    )


class ScriptedClients:
    """Answers lookups from a script, in order; raises the exceptions in it."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.asked: list[tuple[str, str]] = []

    def lookup(self, register, number):
        self.asked.append((register, number))
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def check(main_db, clients, *, at=NOW, name=None, **kwargs):
    return registrations.check(
        main_db, "hcpc", "PH123456", name, clients=clients, now=at, **kwargs
    ).to_dict()


def current_row(main_db):
    return main_db["registrations"].get(("hcpc", "PH123456"))


def test_a_first_check_asks_the_register_and_records_the_evidence(main_db):
    clients = ScriptedClients(person())
    assert check(main_db, clients, name="Dr E. Example") == {
        "register": "hcpc",
        "registration_number": "PH123456",
        "outcome": "registered",
        "status_raw": "Registered",
        "name_on_register": "Ellis Example",
        "name_match": {"verdict": "probable", "score": 85.0, "name_given": "Dr E. Example"},
        "checked_at": "2025-03-03T09:00:00Z",
        "source_url": URL,
        "evidence_sha256": "sha-of-Ellis Example-Registered",
        "stale": False,
        "changed": False,
        "reason": None,
        "reason_code": None,
    }
    assert clients.asked == [("hcpc", "PH123456")]


def test_a_fresh_cached_answer_is_served_without_asking_the_register(main_db):
    clients = ScriptedClients(person())
    first = check(main_db, clients)
    again = check(main_db, clients, at=NOW + timedelta(days=6, hours=23))
    assert again == first
    assert len(clients.asked) == 1


def test_an_answer_older_than_a_week_is_checked_again(main_db):
    clients = ScriptedClients(person(), person())
    check(main_db, clients)
    later = check(main_db, clients, at=NOW + timedelta(days=7, minutes=1))
    assert later["checked_at"] == "2025-03-10T09:01:00Z"
    assert len(clients.asked) == 2


def test_refresh_and_max_age_override_the_cache(main_db):
    clients = ScriptedClients(person(), person(), person())
    check(main_db, clients)
    check(main_db, clients, refresh=True)
    check(main_db, clients, at=NOW + timedelta(hours=2), max_age=timedelta(hours=1))
    check(main_db, clients, at=NOW + timedelta(days=20), max_age=timedelta(days=30))
    assert len(clients.asked) == 3


@pytest.mark.parametrize(
    ("register", "number", "day", "days"),
    [
        ("hcpc", "PH123456", "2026-04-19", 7),
        ("hcpc", "PH123456", "2026-04-20", 1),
        ("hcpc", "PH123456", "2026-05-31", 1),
        ("hcpc", "PH123456", "2026-06-01", 7),
        ("hcpc", "PH123456", "2025-05-01", 7),  # odd year: no renewal
        ("gcc", "04567", "2025-12-01", 1),
        ("gcc", "04567", "2025-12-31", 1),
        ("gcc", "04567", "2026-01-01", 7),
        ("gosc", "9123", "2025-12-15", 7),
    ],
)
def test_the_cache_is_kept_a_day_when_renewals_lapse_and_a_week_otherwise(
    register, number, day, days
):
    today = datetime.fromisoformat(day).replace(tzinfo=UTC)
    assert registrations.cache_max_age(register, number, today) == timedelta(days=days)


def test_in_renewal_time_a_two_day_old_physiotherapist_answer_is_checked_again(main_db):
    clients = ScriptedClients(person(), person(status="Lapsed", outcome="inactive"))
    check(main_db, clients, at=datetime(2026, 4, 29, tzinfo=UTC))
    result = check(main_db, clients, at=datetime(2026, 5, 1, tzinfo=UTC))
    assert (result["outcome"], result["changed"]) == ("inactive", True)


def test_an_outage_serves_the_last_good_answer_marked_stale_with_the_reason(main_db):
    clients = ScriptedClients(person(), RegisterUnavailable("HTTP 503 after 4 attempts", URL))
    good = check(main_db, clients)
    stale = check(main_db, clients, at=NOW + timedelta(days=8))
    assert stale == {
        **good,
        "stale": True,
        "reason": "register unavailable: HTTP 503 after 4 attempts",
        "reason_code": "register_unavailable",
    }
    assert current_row(main_db)["checked_at"] == good["checked_at"]


def test_a_redesigned_page_never_says_not_found_nor_overwrites_the_good_answer(main_db):
    clients = ScriptedClients(person(), LayoutChanged("no detail table with Name", URL))
    good = check(main_db, clients)
    before = current_row(main_db)
    result = check(main_db, clients, refresh=True)
    assert result["outcome"] == "registered"
    assert (result["stale"], result["reason"]) == (
        True,
        "register page not understood (layout changed?): no detail table with Name",
    )
    assert current_row(main_db) == before
    assert good["outcome"] == "registered"


def test_without_a_good_answer_a_failure_is_unknown_with_the_reason(main_db):
    clients = ScriptedClients(LayoutChanged("no result cards", URL))
    assert check(main_db, clients, name="Ellis Example") == {
        "register": "hcpc",
        "registration_number": "PH123456",
        "outcome": "unknown",
        "status_raw": None,
        "name_on_register": None,
        "name_match": None,
        "checked_at": "2025-03-03T09:00:00Z",
        "source_url": URL,
        "evidence_sha256": None,
        "stale": False,
        "changed": False,
        "reason": "register page not understood (layout changed?): no result cards",
        "reason_code": "layout_changed",
    }
    assert current_row_missing(main_db)


def current_row_missing(main_db):
    return main_db["registrations"].count_where("registration_number = 'PH123456'") == 0


def test_a_clear_not_found_is_a_good_answer(main_db):
    clients = ScriptedClients(RegisterNotFound("hcpc", "PH123456", URL, "sha-empty"))
    result = check(main_db, clients, name="Ellis Example")
    assert (result["outcome"], result["evidence_sha256"], result["stale"]) == (
        "not_found",
        "sha-empty",
        False,
    )
    assert result["name_match"] is None  # no name on the register to compare with
    assert current_row(main_db)["outcome"] == "not_found"


def test_a_status_nobody_has_mapped_is_unknown_and_says_so(main_db):
    odd = person(status="Under review", outcome="unknown", reason="status not recognised")
    result = check(main_db, ScriptedClients(odd))
    assert (result["outcome"], result["status_raw"], result["reason"]) == (
        "unknown",
        "Under review",
        "status not recognised: 'Under review'",
    )


def test_a_change_of_status_or_name_is_marked_and_kept_in_the_history(main_db):
    clients = ScriptedClients(
        person(),
        person(),
        RegisterUnavailable("truncated page", URL),
        person(status="Suspended", outcome="inactive"),
        person(name="Ellis Sample", status="Suspended", outcome="inactive"),
    )
    for day in range(5):
        check(main_db, clients, at=NOW + timedelta(days=day), refresh=True)
    history = registrations.history(main_db, "hcpc", "ph 123456")
    assert [
        (h["checked_at"][:10], h["outcome"], h["status_raw"], h["changed"]) for h in history
    ] == [
        ("2025-03-07", "inactive", "Suspended", True),
        ("2025-03-06", "inactive", "Suspended", True),
        ("2025-03-05", "unknown", None, False),
        ("2025-03-04", "registered", "Registered", False),
        ("2025-03-03", "registered", "Registered", False),
    ]
    assert history[0]["name_on_register"] == "Ellis Sample"
    assert history[2]["reason"] == "register unavailable: truncated page"
    assert sorted(history[0]) == sorted(
        [
            "checked_at",
            "outcome",
            "status_raw",
            "name_on_register",
            "source_url",
            "evidence_sha256",
            "changed",
            "reason",
        ]
    )


def test_a_cached_answer_still_says_its_check_changed_something(main_db):
    clients = ScriptedClients(person(), person(status="Suspended", outcome="inactive"))
    check(main_db, clients)
    check(main_db, clients, refresh=True)
    assert check(main_db, clients)["changed"] is True


def test_history_of_a_number_never_checked_is_not_found(main_db):
    with pytest.raises(NotFound, match="HCPC PH999999 has never been checked here"):
        registrations.history(main_db, "hcpc", "PH999999")


@pytest.mark.parametrize(
    ("register", "number", "expected"),
    [
        ("hcpc", " ph 123456 ", "PH123456"),
        ("HCPC", "PH900123", "PH900123"),
        ("gosc", "9123", "9123"),
        ("gcc", "4567", "04567"),
        ("gcc", "04567", "04567"),
    ],
)
def test_numbers_are_normalised_the_way_each_register_knows_them(register, number, expected):
    assert registrations.normalise_number(register, number) == expected


@pytest.mark.parametrize(
    ("register", "number", "code", "message"),
    [
        (
            "hcpc",
            "PH12A",
            "invalid_registration_number",
            "'PH12A' is not valid: HCPC numbers are PH followed by up to 6 digits, like PH123456",
        ),
        (
            "hcpc",
            "OT923456",
            "invalid_registration_number",
            "'OT923456' is not valid: HCPC numbers are PH followed by up to 6 digits, "
            "like PH123456",
        ),
        (
            "gosc",
            "G9123",
            "invalid_registration_number",
            "'G9123' is not valid: GOsC numbers are digits only, like 9123",
        ),
        (
            "gcc",
            "123456",
            "invalid_registration_number",
            "'123456' is not valid: GCC numbers are up to 5 digits, like 04567",
        ),
        (
            "gcc",
            "  ",
            "invalid_registration_number",
            "The registration number is empty: GCC numbers are up to 5 digits, like 04567",
        ),
        ("xyz", "1", "invalid_register", "'xyz' is not a register: use hcpc, gosc or gcc"),
    ],
)
def test_bad_numbers_and_registers_get_a_message_saying_what_is_expected(
    register, number, code, message
):
    with pytest.raises(InvalidInput) as caught:
        registrations.normalise_number(register, number)
    assert (caught.value.code, caught.value.status, caught.value.message) == (code, 400, message)


def test_a_bad_number_never_reaches_the_register(main_db):
    clients = ScriptedClients()
    with pytest.raises(InvalidInput):
        registrations.check(main_db, "hcpc", "PH12A", clients=clients)
    assert clients.asked == []


def test_after_an_outage_the_register_is_left_alone_for_a_while():
    class Session:
        calls = 0

        def fetch(self, url, params=None):
            Session.calls += 1
            raise RegisterUnavailable("HTTP 503 after 4 attempts", url)

    clock = [0.0]
    sessions = {register: Session() for register in vocabulary.REGISTERS}
    clients = registrations.RegisterClients(
        sessions, {r: "http://reg.invalid" for r in sessions}, clock=lambda: clock[0]
    )
    for _ in range(3):
        with pytest.raises(RegisterUnavailable, match="HTTP 503 after 4 attempts"):
            clients.lookup("hcpc", "PH123456")
    clock[0] = 61.0
    with pytest.raises(RegisterUnavailable):
        clients.lookup("hcpc", "PH123456")
    assert Session.calls == 2


def test_a_check_that_did_not_ask_the_down_register_keeps_no_one_elses_evidence(main_db):
    """During the pause after an outage, checks are answered at once without asking: none
    may carry the address of the lookup that failed (another person's page), nor be kept in
    the history as if a request had been made."""

    class Session:
        def fetch(self, url, params=None):
            raise RegisterUnavailable("HTTP 503 after 4 attempts", url)

    sessions = {register: Session() for register in vocabulary.REGISTERS}
    clients = registrations.RegisterClients(
        sessions, {r: "http://reg.invalid" for r in sessions}, clock=lambda: 0.0
    )
    first = registrations.check(main_db, "hcpc", "PH123456", clients=clients)
    second = registrations.check(main_db, "hcpc", "PH400003", clients=clients)
    assert "PH123456" in first.source_url
    assert (second.outcome, second.source_url, second.checked_at) == ("unknown", None, None)
    assert second.reason == (
        "register unavailable: HTTP 503 after 4 attempts (on a check moments ago; not asked "
        "again yet)"
    )
    with pytest.raises(NotFound):  # no check of it was kept
        registrations.history(main_db, "hcpc", "PH400003")
    assert len(registrations.history(main_db, "hcpc", "PH123456")) == 1


@pytest.mark.parametrize(
    ("register", "number"),
    [("hcpc", "PH١٢٣"), ("gosc", "٤٥٦٧"), ("gcc", "٤٥٦٧"), ("hcpc", "PH１２３")],
)
def test_digits_of_other_scripts_are_an_invalid_number_not_a_lookup(register, number):
    with pytest.raises(InvalidInput) as caught:
        registrations.normalise_number(register, number)
    assert caught.value.code == "invalid_registration_number"
    assert caught.value.message.startswith(f"'{number}' is not valid: ")


def test_gosc_numbers_with_and_without_leading_zeros_share_one_cache_key():
    assert registrations.normalise_number("gosc", "09123") == "9123"
    assert registrations.normalise_number("gosc", "0 9123") == "9123"
    with pytest.raises(InvalidInput, match="GOsC numbers are digits only"):
        registrations.normalise_number("gosc", "000")


def test_an_unmapped_status_is_kept_as_evidence_but_the_good_answer_stays_current(main_db):
    odd = person(status="Under review", outcome="unknown", reason="status not recognised")
    clients = ScriptedClients(person(), odd)
    check(main_db, clients)
    result = check(main_db, clients, at=NOW + timedelta(days=1), refresh=True)
    assert (result["outcome"], result["status_raw"], result["stale"], result["reason"]) == (
        "registered",
        "Registered",
        True,
        "status not recognised: 'Under review'",
    )
    assert current_row(main_db)["outcome"] == "registered"
    history = registrations.history(main_db, "hcpc", "PH123456")
    assert [(h["outcome"], h["status_raw"]) for h in history] == [
        ("unknown", "Under review"),
        ("registered", "Registered"),
    ]
    # Later answers from the cache still say the register could not confirm it...
    cached = check(main_db, clients, at=NOW + timedelta(days=2))
    assert (cached["outcome"], cached["stale"], cached["reason"]) == (
        "registered",
        True,
        "status not recognised: 'Under review'",
    )
    # ...until a check settles it.
    clients.answers.append(person())
    settled = check(main_db, clients, at=NOW + timedelta(days=3), refresh=True)
    assert (settled["outcome"], settled["stale"], settled["reason"]) == ("registered", False, None)
    assert check(main_db, clients, at=NOW + timedelta(days=4))["stale"] is False


def test_a_busy_register_serves_the_cached_answer_marked_stale(main_db):
    clients = ScriptedClients(person(), registrations.RegisterBusy("hcpc"))
    check(main_db, clients)
    result = check(main_db, clients, refresh=True)
    assert (result["outcome"], result["stale"], result["reason"]) == (
        "registered",
        True,
        "register busy",
    )
    assert main_db["registration_checks"].count == 1  # nothing was asked, nothing recorded


def test_a_busy_register_with_nothing_cached_says_try_again_with_503(main_db):
    with pytest.raises(registrations.RegisterBusy) as caught:
        check(main_db, ScriptedClients(registrations.RegisterBusy("hcpc", 10.0)))
    assert (caught.value.status, caught.value.code, caught.value.retry_after) == (
        503,
        "register_busy",
        10,
    )
    assert "try again in 10 seconds" in caught.value.message


def test_a_lookup_waits_only_so_long_for_another_check_of_the_register():
    sessions = {register: object() for register in vocabulary.REGISTERS}
    clients = registrations.RegisterClients(
        sessions, {r: "http://reg.invalid" for r in sessions}, busy_timeout=0.05
    )
    assert registrations.REGISTER_BUSY_TIMEOUT == 10.0
    held = clients._locks["hcpc"]
    held.acquire()
    try:
        with pytest.raises(registrations.RegisterBusy):
            clients.lookup("hcpc", "PH123456")
    finally:
        held.release()


def test_each_register_fetch_is_logged_in_one_line(main_db, caplog):
    caplog.set_level("INFO", logger="finder.registrations")
    check(main_db, ScriptedClients(person()))
    check(main_db, ScriptedClients())  # from the cache: no fetch, no line
    lines = [r.getMessage() for r in caplog.records if r.name == "finder.registrations"]
    assert len(lines) == 1
    assert lines[0].startswith(
        "register fetch register=hcpc number=PH123456 outcome=registered stale=False "
        "reason=None ms="
    )
