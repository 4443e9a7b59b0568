"""The "Check a registration" page and the insurers' CSV upload page."""

from __future__ import annotations

import csv
import io
import re

import pytest
from bs4 import BeautifulSoup
from stubregisters import ELLIS_CSV_ROW, PAGE_HASH, StubRegisters, registration
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from finder import create_app
from finder.registrations import apikeys
from finder.web.ratelimit import RateLimiter
from scrapers.errors import RegisterUnavailable


def texts(html: bytes, selector: str) -> list[str]:
    soup = BeautifulSoup(html, "html.parser")
    return [" ".join(el.get_text(" ").split()) for el in soup.select(selector)]


def attrs(html: bytes, selector: str, name: str) -> list[str]:
    return [el.get(name) for el in BeautifulSoup(html, "html.parser").select(selector)]


@pytest.fixture
def registers(app):
    stub = StubRegisters()
    stub.add(registration())
    stub.add(registration("gosc", "9123", "Alex Example"))
    stub.add(registration("gcc", "04567", "Robin Example", status_raw="Conditions of practice",
                          outcome="restricted"))  # fmt: skip
    app.extensions["register_clients"] = stub
    return stub


# --- the check form ------------------------------------------------------------------------


def test_the_check_page_asks_for_register_number_and_optional_name(client):
    response = client.get("/check")
    assert response.status_code == 200
    html = response.data
    assert texts(html, "h1") == ["Check a registration"]
    assert texts(html, "form.check-form label") == [
        "Register",
        "Registration number",
        "Their name (optional)",
    ]
    assert texts(html, "#register option") == [
        "HCPC – physiotherapists",
        "GOsC – osteopaths",
        "GCC – chiropractors",
    ]
    assert attrs(html, "form.check-form", "method") == ["get"]
    assert texts(html, ".error-summary") == []
    assert texts(html, ".register-authority p") == [
        "Answers are copies of what each public register showed when we last checked it, with "
        "the time of that check. The register is the authority: if it matters, check the "
        "register itself."
    ]
    assert texts(html, ".register-authority a") == [
        "Health and Care Professions Council (HCPC) register",
        "General Osteopathic Council (GOsC) register",
        "General Chiropractic Council (GCC) register",
    ]
    assert attrs(html, ".register-authority a", "href") == [
        "https://www.hcpc-uk.org",
        "https://www.osteopathy.org.uk",
        "https://www.gcc-uk.org",
    ]


def test_every_page_links_to_the_check_page(client):
    assert "Check a registration" in texts(client.get("/").data, ".site-nav a")
    assert attrs(client.get("/check").data, ".site-nav a[aria-current=page]", "href") == ["/check"]


def test_the_check_page_links_insurers_to_the_upload_page(client):
    assert attrs(client.get("/check").data, "main a[href='/check/bulk']", "href") == ["/check/bulk"]


# --- a result ------------------------------------------------------------------------------


def result_details(html: bytes) -> list[tuple[str, str]]:
    return list(
        zip(texts(html, ".result-details dt"), texts(html, ".result-details dd"), strict=True)
    )


def checked_text(html: bytes) -> str:
    [value] = [dd for dt, dd in result_details(html) if dt == "Checked"]
    assert re.fullmatch(r"\d{1,2} [A-Z][a-z]+ \d{4} at \d\d:\d\d UTC", value)
    return value


def test_a_result_shows_the_outcome_evidence_and_names_and_links_the_register(client, registers):
    response = client.get("/check?register=hcpc&number=ph123456&name=Dr+Ellis+Example")
    assert response.status_code == 200
    html = response.data
    checked = checked_text(html)
    assert texts(html, ".registration-result h2") == ["HCPC PH123456"]
    assert texts(html, ".result-outcome .badge") == ["Registered"]
    assert attrs(html, ".result-outcome .badge", "class") == [["badge", "badge--registered"]]
    assert texts(html, ".result-summary") == [
        "The Health and Care Professions Council (HCPC) register lists PH123456 as registered."
    ]
    assert result_details(html) == [
        ("Register", "Health and Care Professions Council (HCPC)"),
        ("Name on the register", "Ellis Example"),
        ("Name you gave", "Dr Ellis Example: Matches (score 100 out of 100)"),
        ("Status on the register", "Registered"),
        ("Checked", checked),
        ("Register entry", "See this entry on the HCPC register"),
        ("Evidence", f"SHA-256 of the register's page: {PAGE_HASH}"),
        ("Changed since the previous check", "No"),
    ]
    assert attrs(html, ".result-details a", "href") == [
        "https://www.hcpc-uk.org",
        "https://register.example/hcpc/PH123456",
    ]
    assert texts(html, ".result-authority") == [
        f"This is a copy of what the HCPC register showed, checked {checked}. The Health and "
        "Care Professions Council is the authority: check the HCPC register before relying on it."
    ]
    assert attrs(html, ".result-authority a", "href") == ["https://register.example/hcpc/PH123456"]
    assert texts(html, ".result-history code") == [
        "GET /api/v1/registrations/hcpc/PH123456/history"
    ]
    # The form is there again, filled in, to check another.
    assert attrs(html, "#number", "value") == ["ph123456"]
    assert attrs(html, "#register option[selected]", "value") == ["hcpc"]


def test_a_restricted_registration_says_to_read_the_entry(client, registers):
    html = client.get("/check?register=gcc&number=4567").data
    assert texts(html, ".result-outcome .badge") == ["Registered with restrictions"]
    assert texts(html, ".result-summary") == [
        "The General Chiropractic Council (GCC) register lists 04567 as registered with "
        "conditions, a caution or an admonishment: read the register's entry."
    ]


def test_a_number_not_on_the_register_is_not_found(client, registers):
    html = client.get("/check?register=gosc&number=94444&name=Sam+Example").data
    assert texts(html, ".result-outcome .badge") == ["Not found on the register"]
    assert texts(html, ".result-summary") == [
        "The General Osteopathic Council (GOsC) register has no entry for 94444. Check the "
        "number is right."
    ]
    assert ("Name on the register", "Not shown") in result_details(html)


def test_an_outage_shows_the_last_answer_marked_as_such(client, registers):
    client.get("/check?register=gosc&number=9123")
    registers.fail("gosc", "9123", RegisterUnavailable("outage page"))
    registers.answers.pop(("hcpc", "PH123456"))
    # The page always uses the default freshness, so make the cached answer old.
    from finder import db

    main = db.open_main(client.application.config["DATA_DIR"])
    main.execute("update registrations set checked_at = '2020-01-02T03:04:05+00:00'")
    main.conn.commit()
    main.close()
    html = client.get("/check?register=gosc&number=9123").data
    assert texts(html, ".result-outcome .badge") == ["Registered", "Last known answer"]
    assert texts(html, ".result-stale") == [
        "We could not get a fresh answer just now: the GOsC register's website did not answer "
        "just now. This is the last clear answer we had from it, checked 2 January 2020 at "
        "03:04 UTC."
    ]


def test_a_register_that_cannot_answer_never_reads_as_not_registered(client, registers):
    registers.fail("hcpc", "PH977777", RegisterUnavailable("HTTP 503"))
    html = client.get("/check?register=hcpc&number=PH977777").data
    assert texts(html, ".result-outcome .badge") == ["Could not check"]
    assert texts(html, ".result-summary") == [
        "We could not get a clear answer from the Health and Care Professions Council (HCPC) "
        "register: the HCPC register's website did not answer just now. This does not mean "
        "they are not registered: check the register yourself."
    ]
    # Nothing was read: no "Checked", no "Changed since the previous check".
    terms = texts(html, ".result-details dt")
    assert "Last tried" in terms and "Checked" not in terms
    assert "Changed since the previous check" not in terms
    # Where the check failed is no register entry: the link goes to the register's search.
    assert attrs(html, ".result-details dd a", "href")[-1] == (
        "https://www.hcpc-uk.org/check-the-register/"
    )
    # No "copy of what the register showed" when it showed nothing we could read.
    assert texts(html, ".result-authority") == [
        "The Health and Care Professions Council is the authority: search the HCPC register "
        "yourself."
    ]


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("register=hcpc&number=PH12A", "number",
         "'PH12A' is not valid: HCPC numbers are PH followed by up to 6 digits, like PH123456"),
        ("register=gcc&number=", "number", "Enter a registration number, for example 04567."),
        ("register=nmc&number=12A3456E", "register", "Choose the register: HCPC, GOsC or GCC."),
        ("number=9123", "register", "Choose the register: HCPC, GOsC or GCC."),
    ],
)  # fmt: skip
def test_bad_input_is_shown_in_an_error_summary_and_by_the_field(
    client, registers, query, field, message
):
    response = client.get("/check?" + query)
    assert response.status_code == 400
    html = response.data
    assert texts(html, ".error-summary li") == [message]
    assert attrs(html, ".error-summary a", "href") == [f"#{field}"]
    assert texts(html, f"#{field}-error") == [f"Error: {message}"]
    assert texts(html, "title")[0].startswith("Error: ")
    assert texts(html, ".registration-result") == []
    assert registers.lookups == []


def test_too_many_checks_from_one_address_get_a_429_page_with_retry_after(app, client, registers):
    app.extensions["public_rate_limiter"] = RateLimiter(1, 60.0, clock=lambda: 500.0)
    assert client.get("/check?register=gosc&number=9123").status_code == 200
    response = client.get("/check?register=gosc&number=9123")
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "60"
    assert texts(response.data, ".error-summary li") == [
        "You have made many checks in a short time: wait 60 seconds and try again."
    ]


def test_the_check_pages_carry_no_javascript(client, registers):
    for path in ["/check", "/check?register=hcpc&number=PH123456", "/check/bulk"]:
        assert b"<script" not in client.get(path).data


# --- the upload page -----------------------------------------------------------------------


@pytest.fixture
def api_key(main_db):
    return apikeys.create(main_db, "Example Insurance")


def form_token(client) -> str:
    [token] = attrs(client.get("/check/bulk").data, "input[name=csrf_token]", "value")
    return token


def upload(client, data: bytes, *, key: str, token: str | None = None, filename="checks.csv"):
    form = {"api_key": key, "file": (io.BytesIO(data), filename)}
    if token is not None:
        form["csrf_token"] = token
    return client.post("/check/bulk", data=form, content_type="multipart/form-data")


def test_the_upload_page_asks_for_the_key_and_a_file_in_a_protected_form(client):
    html = client.get("/check/bulk").data
    assert texts(html, "h1") == ["Check a file of registrations"]
    assert texts(html, "form label") == ["API key", "CSV file"]
    assert attrs(html, "form", "method") == ["post"]
    assert attrs(html, "form", "enctype") == ["multipart/form-data"]
    assert attrs(html, "#api_key", "type") == ["password"]
    assert len(attrs(html, "input[type=hidden][name=csrf_token]", "value")[0]) > 40
    assert texts(html, ".upload-rules li") == [
        "A first row of column names, with the columns register (hcpc, gosc or gcc) and "
        "registration_number , and optionally name .",
        "Any other columns are kept and come back in the results, so no two may share a name, "
        "and none may be called like a result column (such as outcome or reason ); an earlier "
        "results file can be uploaded again as it is.",
        'At most 10,000 rows and 5 MB. Save it as "CSV UTF-8".',
        "At most 100 numbers we have not checked recently: recent answers come from our copy, "
        "others are asked from the registers a few seconds apart. For more new numbers, upload "
        "smaller files, or ask the service's operator to run finder check --csv .",
    ]


def test_an_upload_returns_a_results_csv_to_download(client, registers, api_key):
    data = b"policy,register,registration_number,name\nP-1,hcpc,PH123456,Ellis Example\n"
    response = upload(client, data, key=api_key, token=form_token(client))
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert re.fullmatch(
        r'attachment; filename="registration-checks-\d{8}-\d{6}\.csv"',
        response.headers["Content-Disposition"],
    )
    [row] = csv.DictReader(io.StringIO(response.get_data(as_text=True)))
    assert {**row, "checked_at": "<now>"} == {
        **ELLIS_CSV_ROW,
        "policy": "P-1",
        "name": "Ellis Example",
        "error": "",
    }


GOOD_FILE = b"register,registration_number\ngosc,9123\n"


def test_an_upload_without_the_form_token_is_refused(client, registers, api_key):
    client.get("/check/bulk")  # the visitor has a session, but the post carries no token
    response = upload(client, GOOD_FILE, key=api_key)
    assert response.status_code == 400
    assert texts(response.data, ".error-summary li") == [
        "This form could not be sent: it has no security token, or your browser did not keep "
        "our cookie. Open the form again (cookies must be allowed) and send it."
    ]
    assert registers.lookups == []


def test_an_upload_with_another_visitors_token_is_refused(app, registers, api_key):
    attacker, victim = app.test_client(), app.test_client()
    victim.get("/check/bulk")
    response = upload(victim, GOOD_FILE, key=api_key, token=form_token(attacker))
    assert response.status_code == 400
    assert texts(response.data, ".error-summary li") == [
        "This form was not made for you by this site. Open the form again and send it."
    ]
    assert registers.lookups == []


def test_an_upload_with_a_forged_token_is_refused(client, registers, api_key):
    form_token(client)
    response = upload(client, GOOD_FILE, key=api_key, token="forged.token")
    assert response.status_code == 400
    assert texts(response.data, ".error-summary li") == [
        "This form has expired or was not made by this site. Open the form again and send it."
    ]


@pytest.mark.parametrize(
    ("key", "status", "message"),
    [
        ("", 401, "Enter your API key. The service's operator gives insurers one."),
        ("fk_not-a-key", 401, "That API key is not valid, or has been revoked."),
    ],
)
def test_an_upload_needs_a_valid_api_key(client, registers, api_key, key, status, message):
    response = upload(client, GOOD_FILE, key=key, token=form_token(client))
    assert response.status_code == status
    assert texts(response.data, ".error-summary li") == [message]
    assert texts(response.data, "#api_key-error") == [f"Error: {message}"]
    assert registers.lookups == []


def test_an_upload_with_a_revoked_key_is_refused(client, registers, main_db):
    key = apikeys.create(main_db, "Former Insurer")
    apikeys.revoke(main_db, "Former Insurer")
    response = upload(client, GOOD_FILE, key=key, token=form_token(client))
    assert response.status_code == 401
    assert texts(response.data, ".error-summary li") == [
        "That API key is not valid, or has been revoked."
    ]


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [
        (b"", 400, "The file is empty: it needs a header line register,registration_number,name "
         "and one line per registration."),
        (b"Surname,Number\nExample,PH123456\n", 400,
         "The file needs the columns register and registration_number (name is optional); "
         "missing: register, registration_number. Its first line has: Surname, Number."),
        ("register,registration_number,name\ngcc,04567,Zoë\n".encode("cp1252"), 400,
         "The file is not UTF-8 text: in Excel, save it as CSV UTF-8 (Comma delimited) and "
         "upload it again."),
        (b"register,registration_number\n" + b"gcc,04567\n" * 10_001, 413,
         "The file has 10,001 rows; one upload can check at most 10,000. Split it into smaller "
         "files."),
    ],
    ids=["empty", "wrong-columns", "not-utf8", "10001-rows"],
)  # fmt: skip
def test_a_bad_file_is_explained_next_to_the_file_field(
    client, registers, api_key, data, status, message
):
    response = upload(client, data, key=api_key, token=form_token(client))
    assert response.status_code == status
    assert texts(response.data, ".error-summary li") == [message]
    assert texts(response.data, "#file-error") == [f"Error: {message}"]
    assert registers.lookups == []


def test_an_upload_without_a_file_asks_for_one(client, registers, api_key):
    response = client.post(
        "/check/bulk",
        data={"api_key": api_key, "csrf_token": form_token(client)},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert texts(response.data, ".error-summary li") == ["Choose a CSV file to check."]


def client_with_upload_limit(data_dir, limit: int):
    app = create_app({"DATA_DIR": str(data_dir), "SECRET_KEY": "t", "MAX_UPLOAD_BYTES": limit})
    return app.test_client()


def upload_of_size(client, api_key, size: int):
    # Encoded in memory: the test client would spool a big body to a file the app never reads.
    big = FileStorage(io.BytesIO(b"x" * size), filename="big.csv")
    boundary, body = encode_multipart(
        {"api_key": api_key, "csrf_token": form_token(client), "file": big}
    )
    return client.post(
        "/check/bulk", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )


def test_a_file_over_the_size_limit_gets_a_413_page(data_dir, api_key):
    response = upload_of_size(client_with_upload_limit(data_dir, 1 << 20), api_key, 1 << 20)
    assert response.status_code == 413
    assert texts(response.data, ".error-summary li") == [
        "The file is larger than the 1 MB limit: split it into smaller files."
    ]


def test_a_file_over_a_limit_below_1_mb_gets_a_413_page_giving_the_limit_in_kb(data_dir, api_key):
    client = client_with_upload_limit(data_dir, 512 * 1024)
    assert "At most 10,000 rows and 0.5 MB." in " ".join(
        texts(client.get("/check/bulk").data, "li")
    )
    response = upload_of_size(client, api_key, 600 * 1024)
    assert response.status_code == 413
    assert texts(response.data, ".error-summary li") == [
        "The file is larger than the 512 KB limit: split it into smaller files."
    ]


@pytest.mark.parametrize(
    ("size", "text"),
    [(5 << 20, "5 MB"), (3 << 19, "1.5 MB"), (512 * 1024, "512 KB"), (900, "900 bytes")],
)
def test_sizes_are_described_in_mb_kb_or_bytes(size, text):
    from finder.web.errors import describe_size

    assert describe_size(size) == text


def invalid_fields(html: bytes) -> list[tuple[str, str | None, bool]]:
    """(id, aria-invalid, marked with the error class) of every field flagged either way."""
    soup = BeautifulSoup(html, "html.parser")
    return [
        (el["id"], el.get("aria-invalid"), "input--error" in (el.get("class") or []))
        for el in soup.select("input, select")
        if el.get("aria-invalid") or "input--error" in (el.get("class") or [])
    ]


@pytest.mark.parametrize(
    ("query", "field"),
    [("register=hcpc&number=PH12A", "number"), ("register=nmc&number=12A3456E", "register")],
)
def test_a_field_in_error_is_marked_invalid_for_screen_readers_and_the_eye(
    client, registers, query, field
):
    response = client.get("/check?" + query)
    assert response.status_code == 400
    assert invalid_fields(response.data) == [(field, "true", True)]


def test_upload_fields_in_error_are_marked_invalid_for_screen_readers_and_the_eye(
    client, registers, api_key
):
    bad_key = upload(client, GOOD_FILE, key="fk_not-a-key", token=form_token(client))
    bad_file = upload(client, b"", key=api_key, token=form_token(client))
    assert invalid_fields(bad_key.data) == [("api_key", "true", True)]
    assert invalid_fields(bad_file.data) == [("file", "true", True)]


def test_a_busy_register_with_nothing_cached_gets_a_clear_503_page(app, client):
    from finder import registrations

    class Busy:
        def lookup(self, register, number):
            raise registrations.RegisterBusy(register, 10.0)

    app.extensions["register_clients"] = Busy()
    response = client.get("/check?register=gosc&number=9123")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "10"
    assert texts(response.data, ".error-summary li") == [
        "The GOsC register is busy with other checks and this one has never been checked here: "
        "try again in 10 seconds."
    ]


def test_an_upload_needing_the_registers_for_over_100_numbers_gets_a_422_page(
    client, registers, api_key
):
    data = "register,registration_number\n" + "".join(f"gcc,{n}\n" for n in range(9001, 9102))
    response = upload(client, data.encode(), key=api_key, token=form_token(client))
    assert response.status_code == 422
    [message] = texts(response.data, ".error-summary li")
    assert message.startswith("101 of these registrations are not fresh in the cache")
    assert "`finder check --csv`" in message
    assert registers.lookups == []


def test_a_stored_answer_says_in_plain_words_when_the_registers_pages_changed(client, registers):
    from finder import db
    from finder.registrations import health

    client.get("/check?register=hcpc&number=PH123456")  # asked, understood, stored
    with db.open_main(client.application.config["DATA_DIR"]) as main:
        health.layout_changed(main, "hcpc", "HCPC detail page: no x", "2026-12-07T09:00:00Z")
    html = client.get("/check?register=hcpc&number=PH123456").data  # from the store
    assert texts(html, ".register-notice") == [
        "The HCPC register changed its pages on 7 December 2026, and we cannot read the new "
        "ones yet: answers for it are the last ones we could read. Check the register itself "
        "before relying on them."
    ]
    assert registers.lookups == [("hcpc", "PH123456")]
