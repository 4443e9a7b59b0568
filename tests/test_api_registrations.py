"""The registration-check API: public single checks, history and bulk (API key), with stub
registers standing in for the real ones (end-to-end runs are in test_api_registrations_e2e.py).
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

import pytest
from stubregisters import ELLIS_CSV_ROW, PAGE_HASH, StubRegisters, registration

from finder import registrations
from finder.registrations import apikeys
from finder.web.ratelimit import RateLimiter
from scrapers.errors import LayoutChanged, RegisterUnavailable


@pytest.fixture
def registers(app):
    stub = StubRegisters()
    stub.add(registration())
    stub.add(registration("gosc", "9123", "Alex Example"))
    stub.add(registration("gcc", "04567", "Robin Example"))
    app.extensions["register_clients"] = stub
    return stub


@pytest.fixture
def api_key(main_db):
    return apikeys.create(main_db, "Example Insurance")


def bearer(key: str) -> dict:
    return {"Authorization": f"Bearer {key}"}


def without_time(body: dict) -> dict:
    checked_at = datetime.fromisoformat(body["checked_at"])
    assert checked_at.tzinfo is not None and checked_at.utcoffset().total_seconds() == 0
    assert abs((datetime.now(UTC) - checked_at).total_seconds()) < 600
    return {**body, "checked_at": "<now>"}


def csv_rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


# --- GET /registrations/{register}/{number} -----------------------------------------------


def test_a_public_check_answers_with_every_field(client, registers):
    response = client.get("/api/v1/registrations/hcpc/ph%20123456")
    assert response.status_code == 200
    assert without_time(response.get_json()) == {
        "register": "hcpc",
        "registration_number": "PH123456",
        "outcome": "registered",
        "status_raw": "Registered",
        "name_on_register": "Ellis Example",
        "name_match": None,
        "checked_at": "<now>",
        "source_url": "https://register.example/hcpc/PH123456",
        "evidence_sha256": PAGE_HASH,
        "stale": False,
        "changed": False,
        "reason": None,
        "reason_code": None,
        "register_notice": None,
    }


def test_a_public_check_says_whether_the_name_given_matches(client, registers):
    exact = client.get("/api/v1/registrations/gcc/04567?name=robin%20EXAMPLE").get_json()
    other = client.get("/api/v1/registrations/gcc/04567?name=Sam+Otherperson").get_json()
    assert exact["name_match"] == {
        "verdict": "exact",
        "score": 100.0,
        "name_given": "robin EXAMPLE",
    }
    assert other["name_match"]["verdict"] == "mismatch"
    assert registers.lookups == [("gcc", "04567")]  # the second answer came from the cache


def test_max_age_days_zero_asks_the_register_again(client, registers, api_key):
    client.get("/api/v1/registrations/gosc/9123")
    client.get("/api/v1/registrations/gosc/9123")
    client.get("/api/v1/registrations/gosc/9123?max_age_days=0", headers=bearer(api_key))
    assert registers.lookups == [("gosc", "9123"), ("gosc", "9123")]


def test_without_an_api_key_max_age_days_below_the_default_is_refused(client, registers):
    client.get("/api/v1/registrations/gosc/9123")
    response = client.get("/api/v1/registrations/gosc/9123?max_age_days=0")
    assert response.status_code == 403
    assert response.get_json() == {
        "error": {
            "code": "api_key_required_for_fresh_check",
            "message": "max_age_days below 7 (a fresher answer than the cache keeps) needs an "
            "API key to force a fresh check: send 'Authorization: Bearer <key>', or leave "
            "max_age_days out (the answer says when it was checked).",
        }
    }
    assert client.get("/api/v1/registrations/gosc/9123?max_age_days=30").status_code == 200
    assert registers.lookups == [("gosc", "9123")]


def test_a_busy_register_with_nothing_cached_is_a_503_with_retry_after(client, registers):
    registers.fail("gosc", "9123", registrations.RegisterBusy("gosc", 10.0))
    response = client.get("/api/v1/registrations/gosc/9123")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "10"
    assert response.get_json()["error"]["code"] == "register_busy"


def test_a_register_outage_serves_the_last_good_answer_marked_stale(client, registers, api_key):
    first = client.get("/api/v1/registrations/hcpc/PH123456").get_json()
    registers.fail("hcpc", "PH123456", RegisterUnavailable("HTTP 503", status_code=503))
    stale = client.get(
        "/api/v1/registrations/hcpc/PH123456?max_age_days=0", headers=bearer(api_key)
    ).get_json()
    assert stale == {
        **first,
        "stale": True,
        "reason": "register unavailable: HTTP 503",
        "reason_code": "register_unavailable",
    }


def test_a_redesigned_page_is_unknown_with_a_reason_never_not_found(client, registers):
    registers.fail("gcc", "09234", LayoutChanged("no result cards"))
    body = client.get("/api/v1/registrations/gcc/9234").get_json()
    assert (body["registration_number"], body["outcome"], body["stale"], body["reason"]) == (
        "09234",
        "unknown",
        False,
        "register page not understood (layout changed?): no result cards",
    )


@pytest.mark.parametrize(
    ("path", "code", "message"),
    [
        ("hcpc/PH12A", "invalid_registration_number",
         "'PH12A' is not valid: HCPC numbers are PH followed by up to 6 digits, like PH123456"),
        ("hcpc/123456", "invalid_registration_number",
         "'123456' is not valid: HCPC numbers are PH followed by up to 6 digits, like PH123456"),
        ("gosc/91x3", "invalid_registration_number",
         "'91x3' is not valid: GOsC numbers are digits only, like 9123"),
        ("gcc/0456789", "invalid_registration_number",
         "'0456789' is not valid: GCC numbers are up to 5 digits, like 04567"),
        ("nmc/12A3456E", "invalid_register", "'nmc' is not a register: use hcpc, gosc or gcc"),
        ("hcpc/PH123456?max_age_days=soon", "invalid_max_age",
         "max_age_days must be a number of days from 0 to 3650, like 7 (0 always asks the "
         "register), not 'soon'."),
        ("hcpc/PH123456?max_age_days=-1", "invalid_max_age",
         "max_age_days must be a number of days from 0 to 3650, like 7 (0 always asks the "
         "register), not '-1'."),
    ],
)  # fmt: skip
def test_bad_input_gets_a_400_saying_what_to_fix(client, registers, path, code, message):
    response = client.get("/api/v1/registrations/" + path)
    assert response.status_code == 400
    assert response.get_json() == {"error": {"code": code, "message": message}}
    assert registers.lookups == []


def test_accept_text_csv_gives_the_check_as_csv(client, registers):
    response = client.get(
        "/api/v1/registrations/hcpc/PH123456?name=Ellis+Example", headers={"Accept": "text/csv"}
    )
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == 'attachment; filename="hcpc-PH123456.csv"'
    [row] = csv_rows(response.get_data(as_text=True))
    assert {**row, "checked_at": "<now>"} == ELLIS_CSV_ROW


def test_json_is_the_default_for_browsers_and_clients_that_accept_anything(client, registers):
    for accept in ["*/*", "text/html,application/xhtml+xml,*/*;q=0.8", "application/json"]:
        response = client.get("/api/v1/registrations/gosc/9123", headers={"Accept": accept})
        assert response.mimetype == "application/json"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_public_checks_are_rate_limited_per_client_with_retry_after(app, client, registers):
    clock = FakeClock()
    app.extensions["public_rate_limiter"] = RateLimiter(2, 60.0, clock=clock)
    assert client.get("/api/v1/registrations/gosc/9123").status_code == 200
    clock.now += 10
    assert client.get("/api/v1/registrations/gosc/9123").status_code == 200
    clock.now += 10
    limited = client.get("/api/v1/registrations/gosc/9123")
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "40"
    assert limited.get_json() == {
        "error": {
            "code": "rate_limited",
            "message": "Too many checks from your address: wait 40 seconds and try again. For "
            "many checks at once, ask for an API key and use POST /api/v1/registrations/bulk.",
        }
    }
    other = client.get("/api/v1/registrations/gosc/9123", environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert other.status_code == 200
    clock.now += 41
    assert client.get("/api/v1/registrations/gosc/9123").status_code == 200


def test_the_rate_limit_comes_from_the_setting(data_dir):
    from finder import create_app

    app = create_app({"DATA_DIR": str(data_dir), "PUBLIC_RATE_LIMIT": 7})
    assert app.extensions["public_rate_limiter"].limit == 7


# --- API keys ------------------------------------------------------------------------------

KEYED = [
    ("get", "/api/v1/registrations/hcpc/PH123456/history"),
    ("post", "/api/v1/registrations/bulk"),
]


@pytest.mark.parametrize(("method", "path"), KEYED)
def test_keyed_endpoints_without_a_key_say_how_to_send_one(client, registers, method, path):
    for headers in [{}, {"Authorization": "Basic dXNlcjpwYXNz"}, {"Authorization": "Bearer "}]:
        response = getattr(client, method)(path, headers=headers)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == 'Bearer realm="finder"'
        assert response.get_json() == {
            "error": {
                "code": "api_key_required",
                "message": "This needs an API key: send it as the header 'Authorization: "
                "Bearer <key>'. The service's operator makes keys with `finder keys create "
                "NAME`.",
            }
        }


INVALID_KEY = {
    "error": {
        "code": "invalid_api_key",
        "message": "That API key is not valid, or has been revoked. Ask the service's operator "
        "for a new one.",
    }
}


@pytest.mark.parametrize(("method", "path"), KEYED)
def test_keyed_endpoints_refuse_a_wrong_key(client, registers, api_key, method, path):
    response = getattr(client, method)(path, headers=bearer(api_key + "x"))
    assert (response.status_code, response.get_json()) == (401, INVALID_KEY)


@pytest.mark.parametrize(("method", "path"), KEYED)
def test_keyed_endpoints_refuse_a_revoked_key(client, registers, main_db, method, path):
    key = apikeys.create(main_db, "Former Insurer")
    apikeys.revoke(main_db, "Former Insurer")
    response = getattr(client, method)(path, headers=bearer(key))
    assert (response.status_code, response.get_json()) == (401, INVALID_KEY)
    assert registers.lookups == []


# --- history -------------------------------------------------------------------------------


def test_history_lists_every_check_newest_first_with_what_changed(client, registers, api_key):
    client.get("/api/v1/registrations/hcpc/PH123456")
    registers.add(registration(status_raw="Lapsed", outcome="inactive"))
    client.get("/api/v1/registrations/hcpc/PH123456?max_age_days=0", headers=bearer(api_key))
    registers.fail("hcpc", "PH123456", RegisterUnavailable("HTTP 500", status_code=500))
    client.get("/api/v1/registrations/hcpc/PH123456?max_age_days=0", headers=bearer(api_key))

    response = client.get("/api/v1/registrations/HCPC/ph123456/history", headers=bearer(api_key))
    assert response.status_code == 200
    body = response.get_json()
    assert (body["register"], body["registration_number"]) == ("hcpc", "PH123456")
    assert [(c["outcome"], c["status_raw"], c["changed"], c["reason"]) for c in body["checks"]] == [
        ("unknown", None, False, "register unavailable: HTTP 500"),
        ("inactive", "Lapsed", True, None),
        ("registered", "Registered", False, None),
    ]
    assert set(body["checks"][1]) == {
        "checked_at", "outcome", "status_raw", "name_on_register", "source_url",
        "evidence_sha256", "changed", "reason",
    }  # fmt: skip


def test_history_as_csv(client, registers, api_key):
    client.get("/api/v1/registrations/gosc/9123")
    response = client.get(
        "/api/v1/registrations/gosc/9123/history",
        headers={**bearer(api_key), "Accept": "text/csv"},
    )
    assert response.mimetype == "text/csv"
    rows = csv_rows(response.get_data(as_text=True))
    assert [(r["outcome"], r["status_raw"], r["name_on_register"]) for r in rows] == [
        ("registered", "Registered", "Alex Example")
    ]


def test_history_of_a_number_never_checked_is_a_404(client, registers, api_key):
    response = client.get("/api/v1/registrations/gcc/09901/history", headers=bearer(api_key))
    assert response.status_code == 404
    assert response.get_json() == {
        "error": {"code": "not_found", "message": "GCC 09901 has never been checked here"}
    }


def test_history_of_a_malformed_number_is_a_400(client, registers, api_key):
    response = client.get("/api/v1/registrations/gcc/CH1/history", headers=bearer(api_key))
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_registration_number"


# --- bulk ----------------------------------------------------------------------------------


def bulk(client, key, body, content_type, accept="application/json", query=""):
    return client.post(
        "/api/v1/registrations/bulk" + query,
        data=body,
        headers={**bearer(key), "Content-Type": content_type, "Accept": accept},
    )


def test_bulk_json_gives_one_result_per_row_in_order_and_keeps_extra_fields(
    client, registers, api_key
):
    rows = [
        {
            "policy": "P-1",
            "register": "gcc",
            "registration_number": "4567",
            "name": "Robin Example",
        },
        {"policy": "P-2", "register": "hcpc", "registration_number": "PH12A"},
        {"policy": "P-3", "register": "gosc", "registration_number": 9123},
        {"policy": "P-4", "register": "hcpc", "registration_number": "PH999999"},
        "not a row",
    ]
    response = bulk(client, api_key, json.dumps(rows), "application/json")
    assert response.status_code == 200
    body = response.get_json()
    assert body["count"] == 5
    results = [{**r, "checked_at": r["checked_at"] and "<now>"} for r in body["results"]]
    assert results[0] == {
        "policy": "P-1",
        "register": "gcc",
        "registration_number": "04567",
        "name": "Robin Example",
        "outcome": "registered",
        "status_raw": "Practising",
        "name_on_register": "Robin Example",
        "name_match": "exact",
        "name_match_score": 100.0,
        "checked_at": "<now>",
        "source_url": "https://register.example/gcc/04567",
        "evidence_sha256": PAGE_HASH,
        "stale": False,
        "changed": False,
        "reason": None,
        "error": None,
    }
    assert [(r.get("policy"), r["outcome"], r["error"]) for r in results[1:]] == [
        ("P-2", None, "'PH12A' is not valid: HCPC numbers are PH followed by up to 6 digits, "
         "like PH123456"),
        ("P-3", "registered", None),
        ("P-4", "not_found", None),
        (None, None, "Each row must be an object with register and number."),
    ]  # fmt: skip


def test_bulk_csv_in_and_csv_out_keeps_the_columns_and_their_order(client, registers, api_key):
    upload = (
        "\ufeffPolicy,Register,Registration Number,Name\r\n"
        "P-1,hcpc,PH123456,Dr Ellis Example\r\n"
        "P-2,gosc,9123,\r\n"
    ).encode()
    response = bulk(client, api_key, upload, "text/csv; charset=utf-8", accept="text/csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="registration-checks.csv"'
    )
    reader = csv.reader(io.StringIO(response.get_data(as_text=True)))
    header = next(reader)
    assert header == [
        "Policy", "register", "registration_number", "name", "outcome", "status_raw",
        "name_on_register", "name_match", "name_match_score", "checked_at", "source_url",
        "evidence_sha256", "stale", "changed", "reason", "error",
    ]  # fmt: skip
    rows = [dict(zip(header, line, strict=True)) for line in reader]
    assert [(r["Policy"], r["outcome"], r["name_match"], r["error"]) for r in rows] == [
        ("P-1", "registered", "exact", ""),
        ("P-2", "registered", "", ""),
    ]


def test_bulk_answers_from_the_cache_and_max_age_days_zero_asks_again(client, registers, api_key):
    rows = json.dumps([{"register": "gosc", "registration_number": "9123"}])
    bulk(client, api_key, rows, "application/json")
    bulk(client, api_key, rows, "application/json")
    assert registers.lookups == [("gosc", "9123")]
    bulk(client, api_key, rows, "application/json", query="?max_age_days=0")
    assert registers.lookups == [("gosc", "9123"), ("gosc", "9123")]


def header_and_rows(count: int) -> bytes:
    return ("register,registration_number\n" + "gosc,9123\n" * count).encode()


@pytest.mark.parametrize(
    ("body", "content_type", "status", "code", "message"),
    [
        (b"", "text/csv", 400, "empty_file",
         "The file is empty: it needs a header line register,registration_number,name and one "
         "line per registration."),
        (b"register,registration_number\n", "text/csv", 400, "empty_file",
         "The file has a header line but no registrations to check."),
        (b"reg;number\nhcpc;PH123456\n", "text/csv", 400, "missing_columns",
         "The file needs the columns register and registration_number (name is optional); "
         "missing: register, registration_number. Its first line has: reg;number."),
        ("register,registration_number,name\nhcpc,PH123456,Zoë Exämple\n".encode("latin-1"),
         "text/csv", 400, "not_utf8",
         "The file is not UTF-8 text: in Excel, save it as CSV UTF-8 (Comma delimited) and "
         "upload it again."),
        (header_and_rows(10_001), "text/csv", 413, "too_many_rows",
         "The file has 10,001 rows; one upload can check at most 10,000. Split it into smaller "
         "files."),
        (json.dumps([{"register": "gosc", "registration_number": "9123"}] * 10_001).encode(),
         "application/json", 413, "too_many_rows",
         "That is 10,001 rows; one request takes at most 10,000. Split the rows into several "
         "requests."),
        (b"", "application/json", 400, "empty_body",
         'The body is empty: send a JSON list of rows, like [{"register": "hcpc", '
         '"registration_number": "PH123456", "name": "Ellis Example"}].'),
        (b'{"register": "hcpc"}', "application/json", 400, "invalid_json",
         'Send a non-empty JSON list of rows, like [{"register": "hcpc", '
         '"registration_number": "PH123456", "name": "Ellis Example"}].'),
        (b"[]", "application/json", 400, "invalid_json",
         'Send a non-empty JSON list of rows, like [{"register": "hcpc", '
         '"registration_number": "PH123456", "name": "Ellis Example"}].'),
        (b"register,registration_number\nhcpc,PH123456\n", "text/plain", 415,
         "unsupported_media_type",
         "Send the rows as CSV with 'Content-Type: text/csv', or as a JSON list of objects with "
         "'Content-Type: application/json' (got 'text/plain')."),
    ],
    ids=["empty", "header-only", "wrong-columns", "latin-1", "10001-csv", "10001-json",
         "empty-json", "json-object", "json-empty-list", "text-plain"],
)  # fmt: skip
def test_bad_bulk_input_gets_a_4xx_saying_what_to_fix(
    client, registers, api_key, main_db, body, content_type, status, code, message
):
    client.get("/api/v1/registrations/gosc/9123")  # something already stored
    before = list(main_db["registration_checks"].rows)
    response = bulk(client, api_key, body, content_type)
    assert response.status_code == status
    assert response.get_json() == {"error": {"code": code, "message": message}}
    assert registers.lookups == [("gosc", "9123")]
    assert list(main_db["registration_checks"].rows) == before


def test_a_list_or_object_value_is_that_rows_error_and_the_other_rows_are_checked(
    client, registers, api_key
):
    rows = [
        {"register": "hcpc", "registration_number": ["PH900001"], "ref": "a"},
        {"register": "gosc", "registration_number": "9123", "ref": {"x": 1}},
        {"register": "gosc", "registration_number": "9123", "ref": "c"},
    ]
    response = bulk(client, api_key, json.dumps(rows).encode(), "application/json")
    assert response.status_code == 200
    results = response.get_json()["results"]
    assert [(r["outcome"], r["error"]) for r in results] == [
        (None, 'Row 1: registration_number must be text, like "04567", not a list or an object.'),
        (None, 'Row 2: ref must be text, like "04567", not a list or an object.'),
        ("registered", None),
    ]
    assert results[0]["ref"] == "a"
    assert registers.lookups == [("gosc", "9123")]


def test_broken_json_gets_a_400_naming_the_problem(client, registers, api_key):
    response = bulk(client, api_key, b'[{"register": "hcpc",', "application/json")
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "invalid_json"
    assert error["message"].startswith("The body is not valid JSON (Expecting property name")


def test_a_body_over_the_upload_limit_gets_a_413(data_dir, registers, api_key):
    from finder import create_app

    app = create_app({"DATA_DIR": str(data_dir), "MAX_UPLOAD_BYTES": 1024 * 1024})
    app.extensions["register_clients"] = registers
    response = bulk(app.test_client(), api_key, b"x" * (1024 * 1024 + 1), "text/csv")
    assert response.status_code == 413
    assert response.get_json() == {
        "error": {
            "code": "request_entity_too_large",
            "message": "That upload is too large: the limit is 1 MB.",
        }
    }


# --- OpenAPI -------------------------------------------------------------------------------


def test_the_openapi_document_describes_the_registration_endpoints(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    described = {
        path: sorted(spec["paths"][path]) for path in spec["paths"] if "registrations" in path
    }
    assert described == {
        "/registrations/{register}/{number}": ["get"],
        "/registrations/{register}/{number}/history": ["get"],
        "/registrations/bulk": ["post"],
    }
    check = spec["components"]["schemas"]["RegistrationCheck"]
    assert check["required"] == [
        "register", "registration_number", "outcome", "status_raw", "name_on_register",
        "name_match", "checked_at", "source_url", "evidence_sha256", "stale", "changed", "reason",
        "reason_code", "register_notice",
    ]  # fmt: skip
    assert sorted(spec["paths"]["/registrations/{register}/{number}"]["get"]["responses"]) == [
        "200", "202", "400", "401", "403", "429", "503",
    ]  # fmt: skip


# --- the rate limiter itself ---------------------------------------------------------------


def test_the_rate_limiter_forgets_clients_once_their_window_has_passed():
    clock = FakeClock()
    limiter = RateLimiter(1, 60.0, clock=clock)
    assert [limiter.hit(f"10.0.0.{i}") for i in range(3)] == [None, None, None]
    assert limiter.hit("10.0.0.1") == 60.0
    clock.now += 61
    assert limiter.clients() == 0
    assert limiter.hit("10.0.0.1") is None


def test_a_rate_limit_of_zero_means_no_limit():
    limiter = RateLimiter(0, 60.0, clock=FakeClock())
    assert {limiter.hit("10.0.0.1") for _ in range(1000)} == {None}
    assert limiter.clients() == 0


def test_the_rate_limiter_counts_every_hit_when_threads_share_it():
    from concurrent.futures import ThreadPoolExecutor

    limiter = RateLimiter(100, 60.0, clock=FakeClock())
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: limiter.hit("10.0.0.1"), range(400)))
    assert (answers.count(None), len(answers)) == (100, 400)


def test_an_upload_limit_below_1_mb_is_given_in_kb_not_0_mb(data_dir, registers, api_key):
    from finder import create_app

    app = create_app({"DATA_DIR": str(data_dir), "MAX_UPLOAD_BYTES": 256 * 1024})
    app.extensions["register_clients"] = registers
    response = bulk(app.test_client(), api_key, b"x" * (256 * 1024 + 1), "text/csv")
    assert response.status_code == 413
    assert response.get_json()["error"]["message"] == (
        "That upload is too large: the limit is 256 KB."
    )


def test_a_bulk_request_needing_the_registers_for_over_100_numbers_is_refused_before_any(
    client, registers, api_key
):
    rows = [{"register": "gcc", "registration_number": str(n)} for n in range(9001, 9102)]
    response = bulk(client, api_key, json.dumps(rows).encode(), "application/json")
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "too_many_register_checks"
    assert error["message"].startswith("101 of these registrations are not fresh in the cache")
    assert "`finder check --csv`" in error["message"] and "smaller batches" in error["message"]
    assert registers.lookups == []
    # 100 is fine; once cached, the same numbers come back from the cache without limit.
    assert (
        bulk(client, api_key, json.dumps(rows[:100]).encode(), "application/json").status_code
        == 200
    )
    cached = rows[:100] * 3
    response = bulk(client, api_key, json.dumps(cached).encode(), "application/json")
    assert (response.status_code, response.get_json()["count"]) == (200, 300)
    assert len(registers.lookups) == 100


@pytest.mark.parametrize("query", ["", "?max_age_days=0"])
def test_a_key_that_is_not_valid_is_told_so_even_where_no_key_is_needed(client, registers, query):
    response = client.get(
        f"/api/v1/registrations/gosc/9123{query}", headers={"Authorization": "Bearer fk_revoked"}
    )
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "invalid_api_key"
    assert registers.lookups == []


def test_checks_with_an_api_key_are_not_held_to_the_public_rate_limit(
    app, client, registers, api_key
):
    app.extensions["public_rate_limiter"] = RateLimiter(1, 60.0, clock=FakeClock())
    assert client.get("/api/v1/registrations/gosc/9123").status_code == 200
    assert client.get("/api/v1/registrations/gosc/9123").status_code == 429
    for _ in range(3):
        keyed = client.get("/api/v1/registrations/gosc/9123", headers=bearer(api_key))
        assert keyed.status_code == 200


def test_another_authorization_scheme_is_not_taken_for_a_key(client, registers):
    """A proxy's Basic credentials passed along must not turn a public check into a 401."""
    response = client.get(
        "/api/v1/registrations/gosc/9123", headers={"Authorization": "Basic dXNlcjpwYXNz"}
    )
    assert response.status_code == 200
