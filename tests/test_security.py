"""What every answer carries for the browser's protection, what the app trusts of a proxy, and
hostile input answered in the documented error shape (never a 5xx)."""

from __future__ import annotations

import json
import logging
import re
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from flask import request
from stubregisters import EveryoneRegistered

from finder import create_app
from finder.config import SETTINGS
from finder.registrations import apikeys
from finder.web.security import MAX_URL_LENGTH, content_security_policy

EXPECTED_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data: https://tile.openstreetmap.org; "
        "style-src 'self'; object-src 'none'; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}
# A value for each path parameter of any route; a route with a parameter not named here fails
# test_every_route_answers_with_the_security_headers, so a new route cannot be missed.
PATH_VALUES = {
    "register": "hcpc",
    "number": "PH123456",
    "practice_id": "1",
    "postcode": "LS6 2AB",
    "filename": "finder.css",
    "watchlist_id": "1",
    "entry_id": "1",
}


def make_app(data_dir, **settings):
    app = create_app({"TESTING": True, "DATA_DIR": str(data_dir), "SECRET_KEY": "t", **settings})
    app.extensions["register_clients"] = EveryoneRegistered()
    return app


def security_headers(response) -> dict[str, str | None]:
    return {name: response.headers.get(name) for name in EXPECTED_HEADERS}


def every_request(app) -> list[tuple[str, str]]:
    """(method, path) for every method of every route, path parameters filled in."""
    requests = []
    for rule in app.url_map.iter_rules():
        unknown = set(rule.arguments) - set(PATH_VALUES)
        assert not unknown, f"{rule.rule}: give PATH_VALUES a value for {unknown}"
        path = app.url_map.bind("localhost").build(
            rule.endpoint, {name: PATH_VALUES[name] for name in rule.arguments}
        )
        requests.extend((method, path) for method in sorted(rule.methods))
    return requests


def test_csp_is_what_the_module_sends():
    tiles = next(s.default for s in SETTINGS if s.name == "MAP_TILES")
    assert EXPECTED_HEADERS["Content-Security-Policy"] == content_security_policy(tiles)


@pytest.mark.parametrize(
    ("tiles", "images"),
    [
        ("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "https://tile.openstreetmap.org"),
        ("https://{s}.tiles.example/{z}/{x}/{y}.png?key=k", "https://*.tiles.example"),
        ("http://127.0.0.1:9/{z}/{x}/{y}.png", "http://127.0.0.1:9"),
        ("", ""),
    ],
)
def test_images_are_allowed_from_the_map_tiles_host_only(data_dir, tiles, images):
    policy = make_app(data_dir, MAP_TILES=tiles).test_client().get("/").headers
    assert f"img-src 'self' data: {images}".strip() + ";" in policy["Content-Security-Policy"]


@pytest.mark.parametrize(
    "tiles",
    ["tile.example/{z}/{x}/{y}.png", "https://tile.example/map.png", "ftp://t.example/{z}/{x}/{y}"],
)
def test_a_tile_address_that_is_not_one_stops_the_app_with_a_clear_message(data_dir, tiles):
    with pytest.raises(ValueError, match="FINDER_MAP_TILES=.* is not valid"):
        make_app(data_dir, MAP_TILES=tiles)


def test_every_route_answers_with_the_security_headers(data_dir, main_db):
    app = make_app(data_dir)
    client = app.test_client()
    key = apikeys.create(main_db, "Example Insurance")
    requests = every_request(app)
    # Pages, the API, static files and /healthz are all there (a guard on the walk itself).
    paths = {path for _, path in requests}
    assert {"/", "/api/v1/openapi.json", "/static/finder.css", "/healthz"} <= paths
    statuses = {}
    for method, path in requests:
        for headers in ({}, {"Authorization": f"Bearer {key}"}):
            with client.open(path, method=method, headers=headers) as response:
                statuses[(method, path, bool(headers))] = response.status_code
                assert security_headers(response) == EXPECTED_HEADERS, (method, path)
                assert response.status_code < 500, (method, path, response.get_data())
    # The walk saw successes and refusals alike, not one kind of answer.
    assert {code // 100 for code in statuses.values()} >= {2, 4}


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/no-such-page", 404),
        ("GET", "/api/v1/no-such-thing", 404),
        ("DELETE", "/", 405),
        ("PUT", "/api/v1/search", 405),
        ("GET", "/static/no-such-file.css", 404),
        ("GET", "/search?postcode=" + "A" * MAX_URL_LENGTH, 414),
        ("GET", "/api/v1/search?postcode=" + "A" * MAX_URL_LENGTH, 414),
    ],
)
def test_errors_carry_the_security_headers_too(data_dir, method, path, status):
    with make_app(data_dir).test_client().open(path, method=method) as response:
        assert response.status_code == status
        assert security_headers(response) == EXPECTED_HEADERS


def test_an_unexpected_error_carries_the_security_headers(data_dir):
    app = make_app(data_dir)

    @app.get("/api/v1/boom")
    def boom():
        raise RuntimeError("a bug")

    app.logger.disabled = True
    response = app.test_client().get("/api/v1/boom")
    assert response.status_code == 500
    assert response.get_json()["error"]["code"] == "internal_error"
    assert security_headers(response) == EXPECTED_HEADERS


def test_pages_have_no_inline_script_or_style_for_the_policy_to_block(client):
    for path in ("/", "/about", "/search?postcode=LS6+2AB", "/self-referral", "/check"):
        page = client.get(path).get_data(as_text=True)
        scripts = re.findall(r"<script[^>]*>(.*?)</script>", page, flags=re.S)
        assert all(code.strip() == "" for code in scripts), path  # files only (the map's)
        assert re.findall(r"<script(?! src=\"/static/)", page) == [], path
        assert "<style" not in page and " style=" not in page, path


# --- 405 and 414 -------------------------------------------------------------------------


def allowed(response) -> set[str]:
    return set(response.headers["Allow"].split(", "))


def test_a_405_says_which_methods_the_address_takes_on_pages_and_api(client):
    page = client.delete("/about")
    assert (page.status_code, allowed(page)) == (405, {"GET", "HEAD", "OPTIONS"})
    api = client.put("/api/v1/search?postcode=LS6+2AB")
    assert (api.status_code, allowed(api)) == (405, {"GET", "HEAD", "OPTIONS"})
    form = client.put("/check/bulk")
    assert (form.status_code, allowed(form)) == (405, {"GET", "HEAD", "OPTIONS", "POST"})
    assert api.get_json() == {
        "error": {
            "code": "method_not_allowed",
            "message": "This address does not accept that kind of request.",
        }
    }


def test_an_over_long_address_is_a_414_in_the_error_shape(client):
    longest = "/api/v1/search?postcode=" + "A" * (MAX_URL_LENGTH - len("/api/v1/search?postcode="))
    assert client.get(longest).status_code == 400  # at the limit: read, and a bad postcode
    response = client.get(longest + "A")
    assert response.status_code == 414
    assert response.get_json() == {
        "error": {
            "code": "url_too_long",
            "message": "That address is too long: at most 2,048 characters are accepted. "
            "Check the link, or send long input in a request body.",
        }
    }
    page = client.get("/search?postcode=" + "A" * MAX_URL_LENGTH)
    assert page.status_code == 414 and page.mimetype == "text/html"
    assert "That address is too long" in page.get_data(as_text=True)


@pytest.fixture
def waitress_url(data_dir):
    """The app under waitress on 127.0.0.1, as `finder serve` runs it: (host, port)."""
    from waitress.server import create_server

    server = create_server(make_app(data_dir), host="127.0.0.1", port=0, threads=2)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield ("127.0.0.1", server.effective_port)
    server.close()
    thread.join(timeout=5)


def raw_request(address, request_line: bytes) -> tuple[bytes, dict[str, str], bytes]:
    """Send one request line as raw bytes; (status line, headers, body) of the answer."""
    with socket.create_connection(address, timeout=10) as connection:
        connection.sendall(request_line + b"\r\nHost: x\r\nConnection: close\r\n\r\n")
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    status, *lines = head.decode("latin-1").split("\r\n")
    return status, dict(line.split(": ", 1) for line in lines), body


def test_under_waitress_long_addresses_and_405s_are_ours_and_raw_bytes_are_waitresss(
    waitress_url,
):
    status, headers, body = raw_request(
        waitress_url, b"GET /api/v1/search?postcode=" + b"A" * 3000 + b" HTTP/1.1"
    )
    assert status.startswith("HTTP/1.1 414")
    assert json.loads(body)["error"]["code"] == "url_too_long"
    assert headers["Content-Security-Policy"] == EXPECTED_HEADERS["Content-Security-Policy"]
    status, headers, body = raw_request(waitress_url, b"DELETE /api/v1/search HTTP/1.1")
    assert status.startswith("HTTP/1.1 405")
    assert set(headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
    # What docs/operations.md says only the server answers: raw non-ASCII bytes never reach
    # the app, and waitress's own answer is plain text.
    status, headers, body = raw_request(waitress_url, b"GET /api/v1/postcodes/\xff HTTP/1.1")
    assert status.startswith("HTTP/1.1 400")
    assert headers["Content-Type"].startswith("text/plain")


# --- hostile input to the API -------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 50_000 + b"]" * 50_000,
        b'[{"register": "hcpc", "registration_number": ' + b"[" * 300 + b"]" * 300 + b"}]",
        b'[{"register": "hcpc", "registration_number": "PH123456", "name": "\\ud800"}]',
        b'[{"register": "hcpc", "registration_number": "\\udc00"}]',
    ],
    ids=["deep-body", "deep-value", "lone-high-surrogate", "lone-low-surrogate"],
)
def test_hostile_bulk_json_is_a_400_in_the_error_shape(data_dir, main_db, body):
    key = apikeys.create(main_db, "Example Insurance")
    response = (
        make_app(data_dir)
        .test_client()
        .post(
            "/api/v1/registrations/bulk",
            data=body,
            headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        )
    )
    assert response.status_code == 400
    assert list(response.get_json()) == ["error"]
    assert response.get_json()["error"]["code"] == "invalid_json"


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/search?postcode=%ED%A0%80",
        "/api/v1/search?postcode=%FF%FE",
        "/api/v1/postcodes/%ED%A0%80",
        "/api/v1/self-referral?postcode=%00",
        "/api/v1/registrations/hcpc/%ED%A0%80",
        "/api/v1/registrations/%FF/1",
    ],
)
def test_undecodable_bytes_in_the_address_are_a_4xx_in_the_error_shape(client, path):
    response = client.get(path)
    assert 400 <= response.status_code < 500
    assert set(response.get_json()["error"]) == {"code", "message"}


# --- the session cookie, HTTPS and proxies ----------------------------------------------------


def session_cookie(client) -> str:
    response = client.get("/check/bulk")
    assert response.status_code == 200
    [cookie] = response.headers.getlist("Set-Cookie")
    return cookie


def test_the_session_cookie_is_samesite_lax_and_not_for_scripts(data_dir):
    cookie = session_cookie(make_app(data_dir).test_client())
    flags = {part.strip().split("=")[0] for part in cookie.split(";")}
    assert "SameSite=Lax" in cookie
    assert "HttpOnly" in flags
    assert "Secure" not in flags  # over plain HTTP a Secure cookie would never come back


def test_over_https_the_cookie_is_secure_and_browsers_keep_to_https(data_dir):
    client = make_app(data_dir, HTTPS=True).test_client()
    assert "Secure" in {part.strip() for part in session_cookie(client).split(";")}
    assert client.get("/").headers["Strict-Transport-Security"] == "max-age=31536000"
    plain = make_app(data_dir).test_client().get("/")
    assert "Strict-Transport-Security" not in plain.headers


def add_probe(app):
    @app.get("/probe")
    def probe():
        return {"scheme": request.scheme, "client": request.remote_addr}


def test_behind_a_trusted_proxy_the_forwarded_client_and_scheme_are_used(data_dir):
    forwarded = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}
    behind = make_app(data_dir, PROXIES=1)
    add_probe(behind)
    assert behind.test_client().get("/probe", headers=forwarded).get_json() == {
        "scheme": "https",
        "client": "203.0.113.7",
    }
    direct = make_app(data_dir)  # no proxy: a visitor's own X-Forwarded-For is ignored
    add_probe(direct)
    assert direct.test_client().get("/probe", headers=forwarded).get_json() == {
        "scheme": "http",
        "client": "127.0.0.1",
    }


def test_with_two_proxies_the_address_the_visitor_wrote_is_not_trusted(data_dir):
    app = make_app(data_dir, PROXIES=2)
    add_probe(app)
    # The visitor wrote 198.51.100.1; the outer proxy added who it saw, the inner one the outer.
    headers = {"X-Forwarded-For": "198.51.100.1, 203.0.113.7, 10.0.0.2"}
    assert app.test_client().get("/probe", headers=headers).get_json()["client"] == "203.0.113.7"


def check_from(client, address: str) -> int:
    return client.get(
        "/api/v1/registrations/hcpc/PH123456", headers={"X-Forwarded-For": address}
    ).status_code


def test_behind_a_proxy_the_rate_limit_counts_each_real_visitor(data_dir):
    client = make_app(data_dir, PROXIES=1, PUBLIC_RATE_LIMIT=1).test_client()
    assert check_from(client, "203.0.113.7") != 429
    assert check_from(client, "203.0.113.7") == 429
    assert check_from(client, "203.0.113.8") != 429  # another visitor behind the same proxy
    # Without the setting every visitor is the proxy, and shares its one budget.
    client = make_app(data_dir, PUBLIC_RATE_LIMIT=1).test_client()
    assert check_from(client, "203.0.113.7") != 429
    assert check_from(client, "203.0.113.8") == 429


# --- logging -------------------------------------------------------------------------------


def test_any_server_that_builds_the_app_gets_one_line_logs_of_each_check(data_dir):
    """As under gunicorn or waitress-serve: nothing but create_app sets up logging, and a
    second app in the process adds no second handler (no line is written twice)."""
    script = f"""
import sys
sys.path.insert(0, {str(Path(__file__).parent)!r})
from finder import create_app, db, registrations
from stubregisters import EveryoneRegistered
settings = {{"DATA_DIR": {str(data_dir)!r}, "SECRET_KEY": "t"}}
create_app(settings)
create_app(settings)
connection = db.connect(db.main_db_path(settings["DATA_DIR"]))
registrations.check(connection, "hcpc", "PH123456", clients=EveryoneRegistered())
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    [line] = done.stderr.splitlines()
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO finder\.registrations: register fetch "
        r"register=hcpc number=PH123456 outcome=registered.* ms=\d+",
        line,
    ), line


def test_building_the_app_keeps_pytests_log_capture_working(data_dir, caplog):
    caplog.set_level(logging.INFO, logger="finder.registrations")
    make_app(data_dir)
    logging.getLogger("finder.registrations").info("a check")
    assert [record.getMessage() for record in caplog.records] == ["a check"]
