"""GET /api/v1/search: the contract's field names, paging, the empty answer, bad parameters."""

from __future__ import annotations

import csv
import io
import re
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from geopy.distance import great_circle
from stubregisters import EveryoneRegistered

from finder import db, directory, registrations, times
from finder.directory import SAMPLE_SOURCE

LS6_2AB = (53.82221, -1.572257)
LS6_3AA = (53.820277, -1.577001)
LS1_4DY = (53.795134, -1.546664)
# The osteopaths' practice near LS6 2AB, as loaded and as every answer shows it.
HEADINGLEY = {
    "name": "Headingley Osteopaths",
    "address": ["1 Test Street", "Leeds"],
    "postcode": "LS6 3AA",
    "latitude": LS6_3AA[0],
    "longitude": LS6_3AA[1],
    "phone": "01632 960001",
    "email": "hello@osteo.example",
    "website": "https://osteo.example",
    "features": {"home_visits": True, "wheelchair_access": True, "languages": ["Polish"]},
}


def stamp(days_ago: int) -> str:
    return (datetime.now(UTC) - timedelta(days=days_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")


def load_leeds(data_dir) -> None:
    """Two practices in Leeds: an osteopath's near LS6 2AB, a chiropractor's in the centre."""
    database = db.open_main(data_dir)
    directory.upsert_practitioners(
        database,
        [
            {
                "register": "gosc",
                "registration_number": "9123",
                "name": "Ada Example",
                "profession": "osteopath",
                "source": "test",
            },
            {
                "register": "gcc",
                "registration_number": "04567",
                "name": "Ben Example",
                "profession": "chiropractor",
                "source": "test",
            },
        ],
    )
    directory.upsert_practice(
        database,
        {"key": "test:1", **HEADINGLEY, "source": "test"},
        [("gosc", "9123")],
    )
    directory.upsert_practice(
        database,
        {
            "key": "test:2",
            "name": "City Chiropractic",
            "address": ["2 Test Row", "Leeds"],
            "postcode": "LS1 4DY",
            "latitude": LS1_4DY[0],
            "longitude": LS1_4DY[1],
            "source": "test",
        },
        [("gcc", "04567")],
    )
    database["registrations"].insert(
        {
            "register": "gosc",
            "registration_number": "9123",
            "outcome": "registered",
            "status_raw": "Registered",
            "checked_at": "2026-11-20T10:00:00Z",
            "source_url": "https://www.osteopathy.org.uk/register-search/registrants/9123-ada/",
        }
    )
    database.close()


@pytest.fixture
def leeds(data_dir):
    load_leeds(data_dir)


def km(a, b) -> float:
    return round(great_circle(a, b).km, 2)


def test_search_answers_with_the_contract_fields(client, leeds):
    response = client.get("/api/v1/search?postcode=ls62ab&profession=osteopath&radius_km=5")
    assert response.status_code == 200
    assert response.get_json() == {
        "query": {
            "postcode": "LS6 2AB",
            "precision": "postcode",
            "latitude": LS6_2AB[0],
            "longitude": LS6_2AB[1],
            "radius_km": 5.0,
            "professions": ["osteopath"],
            "filters": {
                "home_visits": False,
                "wheelchair_access": False,
                "language": None,
                "registered_only": False,
            },
        },
        "total": 1,
        "page": 1,
        "per_page": 20,
        "pages": 1,
        "results": [
            {
                "distance_km": km(LS6_2AB, LS6_3AA),
                "distance_miles": round(great_circle(LS6_2AB, LS6_3AA).miles, 2),
                "practice": {**HEADINGLEY, "sample_data": False},
                "practitioners": [
                    {
                        "name": "Ada Example",
                        "profession": "osteopath",
                        "register": "gosc",
                        "registration_number": "9123",
                        "registration": {
                            "outcome": "registered",
                            "status_raw": "Registered",
                            "checked_at": "2026-11-20T10:00:00Z",
                            "source_url": "https://www.osteopathy.org.uk/register-search/registrants/"
                            "9123-ada/",
                            "reason": None,
                        },
                        "register_url": "https://www.osteopathy.org.uk/register-search/registrants/"
                        "9123-ada/",
                    }
                ],
            }
        ],
        "nearest_outside_radius": [],
        "message": None,
    }


def test_search_lists_every_profession_nearest_first_by_default(client, leeds):
    body = client.get("/api/v1/search?postcode=LS6+2AB").get_json()
    assert [(r["practice"]["name"], r["distance_km"]) for r in body["results"]] == [
        ("Headingley Osteopaths", km(LS6_2AB, LS6_3AA)),
        ("City Chiropractic", km(LS6_2AB, LS1_4DY)),
    ]
    assert body["query"]["radius_km"] == 10.0


def test_profession_may_repeat(client, leeds):
    body = client.get(
        "/api/v1/search?postcode=LS6+2AB&profession=chiropractor&profession=physiotherapist"
    ).get_json()
    assert [r["practice"]["name"] for r in body["results"]] == ["City Chiropractic"]
    assert body["query"]["professions"] == ["chiropractor", "physiotherapist"]


def test_an_outward_code_searches_from_its_centre(client, leeds):
    body = client.get("/api/v1/search?postcode=LS6&radius_km=2").get_json()
    assert (body["query"]["postcode"], body["query"]["precision"], body["total"]) == (
        "LS6",
        "outcode",
        1,
    )


def test_pages_split_the_results(client, leeds):
    first = client.get("/api/v1/search?postcode=LS6+2AB&per_page=1").get_json()
    second = client.get("/api/v1/search?postcode=LS6+2AB&per_page=1&page=2").get_json()
    assert [
        (b["total"], b["pages"], b["page"], [r["practice"]["name"] for r in b["results"]])
        for b in (first, second)
    ] == [(2, 2, 1, ["Headingley Osteopaths"]), (2, 2, 2, ["City Chiropractic"])]


def test_nothing_within_the_radius_says_so_and_gives_the_nearest(client, leeds):
    body = client.get(
        "/api/v1/search?postcode=LS6+2AB&profession=chiropractor&radius_km=1"
    ).get_json()
    assert (body["total"], body["results"], body["message"]) == (
        0,
        [],
        "No chiropractors within 1 km of LS6 2AB. The nearest is 3.4 km away.",
    )
    assert [(r["practice"]["name"], r["distance_km"]) for r in body["nearest_outside_radius"]] == [
        ("City Chiropractic", km(LS6_2AB, LS1_4DY))
    ]


def test_an_empty_directory_says_there_is_nothing_yet(client):
    body = client.get("/api/v1/search?postcode=BT1+5GS").get_json()
    assert (body["total"], body["message"]) == (
        0,
        "No physiotherapists, osteopaths or chiropractors within 10 km of BT1 5GS. "
        "There are none in the directory yet.",
    )


@pytest.mark.parametrize(
    "query, code, message",
    [
        ("", "invalid_parameter", "postcode is required, for example ?postcode=LS6+2AB."),
        (
            "postcode=LS6+2AB&radius_km=500",
            "invalid_parameter",
            "radius_km must be a number from more than 0 to 100.",
        ),
        (
            "postcode=LS6+2AB&radius_km=-1",
            "invalid_parameter",
            "radius_km must be a number from more than 0 to 100.",
        ),
        (
            "postcode=LS6+2AB&per_page=1000",
            "invalid_parameter",
            "per_page must be a number from 1 to 100.",
        ),
        (
            "postcode=LS6+2AB&page=x",
            "invalid_parameter",
            "page must be a whole number from 1 to 10000.",
        ),
        (
            "postcode=LS6+2AB&profession=dentist",
            "invalid_parameter",
            "profession must be one of physiotherapist, osteopath, chiropractor; 'dentist' is not.",
        ),
        (
            "postcode=LS6+2A",
            "invalid_postcode",
            "'LS6 2A' is not a full postcode: the last part needs a digit and two letters, "
            "like the 2AB in LS6 2AB.",
        ),
    ],
)
def test_bad_parameters_are_a_400_naming_the_parameter(client, query, code, message):
    response = client.get(f"/api/v1/search?{query}")
    assert (response.status_code, response.get_json()) == (
        400,
        {"error": {"code": code, "message": message}},
    )


def test_an_unknown_postcode_is_a_404(client):
    response = client.get("/api/v1/search?postcode=LS6+9XX")
    assert (response.status_code, response.get_json()["error"]["code"]) == (
        404,
        "postcode_not_found",
    )


def test_the_search_endpoint_is_in_the_openapi_document(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    parameters = spec["paths"]["/search"]["get"]["parameters"]
    assert [p["name"] for p in parameters] == [
        "postcode",
        "profession",
        "radius_km",
        "page",
        "per_page",
        "home_visits",
        "wheelchair_access",
        "language",
        "registered_only",
    ]
    assert set(spec["components"]["schemas"]["SearchResults"]["properties"]) == {
        "query",
        "total",
        "page",
        "per_page",
        "pages",
        "results",
        "nearest_outside_radius",
        "message",
    }


@pytest.mark.parametrize("name", ["radius_km", "page", "per_page"])
@pytest.mark.parametrize("value", ["²", "٣", "1e999", "nan", "inf", "-inf", "9" * 400, "1_0"])
def test_odd_numbers_are_a_400_naming_the_parameter_never_a_500(client, leeds, name, value):
    response = client.get("/api/v1/search", query_string={"postcode": "LS6 2AB", name: value})
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "invalid_parameter" and error["message"].startswith(f"{name} must be")


def test_finding_the_postcode_table_creates_no_folder(tmp_path, data_dir):
    absent = tmp_path / "not-made-yet"
    assert db.postcodes_db_path(absent) == absent / "postcodes.db"
    assert db.main_db_path(absent) == absent / "finder.db"
    assert not absent.exists()


def test_a_search_request_makes_no_folders(client, leeds, monkeypatch):
    client.get("/api/v1/search?postcode=LS6+2AB")  # opens this thread's connections
    made = []
    monkeypatch.setattr(Path, "mkdir", lambda self, *a, **k: made.append(self))
    assert client.get("/api/v1/search?postcode=LS6+2AB").status_code == 200
    assert made == []


def test_a_rebuilt_postcode_table_is_used_without_a_restart(app, client, data_dir, monkeypatch):
    """`finder postcodes build` replaces the table by rename while the server runs: searches
    move to the new table (the server looks at most once a RECHECK_SECONDS; here, always)."""
    from finder.web import requests_db

    monkeypatch.setattr(requests_db, "RECHECK_SECONDS", 0.0)
    load_leeds(data_dir)
    assert client.get("/api/v1/search?postcode=LS6+2AB").json["query"]["latitude"] == LS6_2AB[0]
    table = db.postcodes_db_path(data_dir)
    rebuilt = data_dir / "postcodes.new"
    rebuilt.write_bytes(table.read_bytes())
    with sqlite3.connect(rebuilt) as moved:  # the new edition places LS6 2AB a little north
        moved.execute("update postcodes set latitude = 53.83 where postcode = 'LS6 2AB'")
    moved.close()
    rebuilt.replace(table)
    assert client.get("/api/v1/search?postcode=LS6+2AB").json["query"]["latitude"] == 53.83


def test_practice_coordinates_come_back_to_the_last_bit(client, data_dir):
    """Coordinates pass through SQLite's JSON on the way out, which would round them to 15
    digits: the API must give back exactly the floats the directory holds."""
    load_leeds(data_dir)
    point = great_circle(kilometers=1.234567).destination(LS6_2AB, 33.3)
    database = db.open_main(data_dir)
    directory.upsert_practice(
        database,
        {
            "key": "test:1",
            "name": "Headingley Osteopaths",
            "latitude": point.latitude,
            "longitude": point.longitude,
            "source": "test",
        },
        [("gosc", "9123")],
    )
    database.close()
    assert float(f"{point.latitude:.15g}") != point.latitude  # 15 digits would not do
    answer = client.get("/api/v1/search?postcode=LS6+2AB&profession=osteopath").json
    practice = answer["results"][0]["practice"]
    assert (practice["latitude"], practice["longitude"]) == (point.latitude, point.longitude)


def test_sample_practices_are_marked_as_sample_data(client, data_dir):
    """What `finder demo` loads is fictional: the API says so on each of its practices."""
    load_leeds(data_dir)
    database = db.open_main(data_dir)
    database.execute("update practices set source = ? where key = 'test:2'", [SAMPLE_SOURCE])
    database.conn.commit()
    database.close()
    body = client.get("/api/v1/search?postcode=LS6+2AB").get_json()
    assert [(r["practice"]["name"], r["practice"]["sample_data"]) for r in body["results"]] == [
        ("Headingley Osteopaths", False),
        ("City Chiropractic", True),
    ]


def test_a_check_time_reads_the_same_with_z_in_every_answer(app, client, data_dir, leeds):
    chiropractor = EveryoneRegistered("Ben Example")
    app.extensions["register_clients"] = chiropractor
    connection = db.connect(db.main_db_path(data_dir))
    checked = registrations.check(connection, "gcc", "04567", clients=chiropractor)
    connection.close()
    assert re.fullmatch(times.PATTERN, checked.checked_at)

    found = client.get("/api/v1/search?postcode=LS1+4DY&radius_km=1").get_json()
    [result] = found["results"]
    [listed] = [p["registration"] for p in result["practitioners"]]
    single = client.get("/api/v1/registrations/gcc/04567").get_json()
    as_csv = client.get("/api/v1/registrations/gcc/04567", headers={"Accept": "text/csv"})
    [csv_row] = csv.DictReader(io.StringIO(as_csv.get_data(as_text=True)))
    page = client.get("/search?postcode=LS1+4DY&miles=1").get_data(as_text=True)
    assert re.findall(r'<time datetime="([^"]+)"', page) == [checked.checked_at]
    assert {listed["checked_at"], single["checked_at"], csv_row["checked_at"]} == {
        checked.checked_at
    }
