import pytest


def test_api_answers_a_postcode_with_the_contract_fields(client):
    response = client.get("/api/v1/postcodes/CF24%203AA")
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == {"postcode", "precision", "latitude", "longitude", "lad", "nation"}
    assert (body["postcode"], body["precision"], body["lad"], body["nation"]) == (
        "CF24 3AA",
        "postcode",
        {"code": "W06000015", "name": "Cardiff"},
        "wales",
    )


def test_api_answers_an_outward_code_as_approximate(client):
    body = client.get("/api/v1/postcodes/m1").get_json()
    assert (body["postcode"], body["precision"], body["nation"]) == ("M1", "outcode", "england")


@pytest.mark.parametrize(
    "bad",
    [
        "LS6%202A",
        "x" * 1000,
        "%F0%9F%99%82",
        "LS6'%20OR%201=1--",
        "..%2F..%2Fetc%2Fpasswd",
        "../../etc/passwd",
        "%00",
        "%20",
        "LS6-2AB",
        "<script>alert(1)</script>",
    ],
)
def test_api_gives_400_with_a_json_message_for_bad_postcodes(client, bad):
    response = client.get(f"/api/v1/postcodes/{bad}")
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "invalid_postcode"
    assert error["message"]


@pytest.mark.parametrize(
    ("path", "code"),
    [("/api/v1/postcodes/LS6%209XX", "postcode_not_found"), ("/api/v1/nothing-here", "not_found")],
    ids=["unknown postcode", "unknown address"],
)
def test_api_gives_a_json_404_for_an_unknown_postcode_or_address(client, path, code):
    response = client.get(path)
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == code


def test_api_says_jersey_is_not_covered(client):
    response = client.get("/api/v1/postcodes/JE2%203AB")
    assert response.status_code == 404
    assert response.get_json()["error"] == {
        "code": "not_covered",
        "message": "JE2 3AB is in Jersey, which this service does not cover: it covers England, "
        "Scotland, Wales and Northern Ireland.",
    }


def test_unknown_page_is_an_html_404(client):
    response = client.get("/nothing-here")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert b"Page not found" in response.data


def test_api_gives_503_with_advice_when_the_postcode_table_is_missing(tmp_path):
    from finder import create_app

    client = create_app({"DATA_DIR": str(tmp_path), "SECRET_KEY": "x"}).test_client()
    response = client.get("/api/v1/postcodes/LS6%202AB")
    assert response.status_code == 503
    assert response.get_json()["error"] == {
        "code": "postcodes_missing",
        "message": "The postcode table has not been built yet: run `finder postcodes build`.",
    }


def test_an_unexpected_error_is_a_safe_500_without_a_traceback(app):
    @app.get("/api/v1/boom")
    def boom():
        raise RuntimeError("secret internals")

    response = app.test_client().get("/api/v1/boom")
    assert response.status_code == 500
    assert response.get_json()["error"]["code"] == "internal_error"
    assert b"secret internals" not in response.data


def test_healthz_reports_database_and_postcode_table(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["postcodes"].startswith("ok (")
