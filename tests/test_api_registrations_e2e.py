"""End to end: the registration API with the app's register URLs pointing at the fake registers
on 127.0.0.1 (tests/fakeregister.py), request interval 0 and no real sleeping."""

from __future__ import annotations

import csv
import io

import pytest
from fakeregister import fake_register

from finder import create_app
from finder.registrations import apikeys, clients_from_config

NUMBERS = {"hcpc": "PH123456", "gosc": "9123", "gcc": "04567"}
NAMES = {"hcpc": "Ellis Example", "gosc": "Alex Example", "gcc": "Robin Example"}


@pytest.fixture
def fake():
    with fake_register() as fake:
        fake.add_hcpc("PH123456", "Ellis Example", location="Portbury Wick")
        fake.add_hcpc("PH920002", "Jo Example", status="Registered - Caution")
        fake.add_gosc("9123", "Alex Example")
        clinic = fake.add_practice("SpineWise", ("2 Chapel Yard",), "ZY1 3HG", 51.45, -2.59)
        fake.add_gcc("04567", "Robin Example", practices=[clinic])
        yield fake


@pytest.fixture
def app(data_dir, fake):
    app = create_app(
        {
            "TESTING": True,
            "DATA_DIR": str(data_dir),
            "SECRET_KEY": "test",
            "HCPC_URL": fake.base_url("hcpc"),
            "GOSC_URL": fake.base_url("gosc"),
            "GCC_URL": fake.base_url("gcc"),
            "REQUEST_INTERVAL": 0.0,
            "CONTACT": "tests <tests@finder.example>",
        }
    )
    # The same clients create_app builds from those settings, but retry back-offs never sleep.
    app.extensions["register_clients"] = clients_from_config(app.config, sleep=lambda _: None)
    yield app
    app.extensions["register_clients"].close()


@pytest.mark.parametrize("register", sorted(NUMBERS))
def test_a_check_asks_the_fake_register_and_records_its_evidence(client, fake, register):
    body = client.get(f"/api/v1/registrations/{register}/{NUMBERS[register]}").get_json()
    assert (body["outcome"], body["name_on_register"], body["stale"]) == (
        "registered",
        NAMES[register],
        False,
    )
    assert body["source_url"].startswith(fake.base_url(register) + "/")
    assert len(body["evidence_sha256"]) == 64
    user_agents = {r.headers["User-Agent"] for r in fake.requests_for(register)}
    assert user_agents == {
        "finder/0.1 (UK practitioner register checker; contact: tests <tests@finder.example>)"
    }


def test_an_unknown_number_is_not_found_and_a_caution_is_restricted(client, fake):
    missing = client.get("/api/v1/registrations/hcpc/PH999999").get_json()
    caution = client.get("/api/v1/registrations/hcpc/PH920002").get_json()
    assert (missing["outcome"], missing["name_on_register"]) == ("not_found", None)
    assert (caution["outcome"], caution["status_raw"]) == ("restricted", "Registered - Caution")


def key(main_db) -> dict:
    """Forcing a fresh check (max_age_days=0) needs an API key."""
    return {"Authorization": f"Bearer {apikeys.create(main_db, 'Example Insurance')}"}


@pytest.mark.parametrize("kind", ["outage", "500", "429", "403", "truncated"])
def test_a_register_fault_serves_the_last_good_answer_marked_stale(client, fake, kind, main_db):
    good = client.get("/api/v1/registrations/gosc/9123").get_json()
    fake.fault(kind, register="gosc")
    again = client.get("/api/v1/registrations/gosc/9123?max_age_days=0", headers=key(main_db))
    again = again.get_json()
    assert again["reason"].startswith("register unavailable: ")
    assert again == {
        **good,
        "stale": True,
        "reason": again["reason"],
        "reason_code": again["reason_code"],
    }
    assert again["reason_code"] == "register_unavailable"


def test_a_redesigned_page_never_says_not_found_nor_overwrites_the_good_answer(
    client, fake, main_db
):
    good = client.get("/api/v1/registrations/gcc/04567").get_json()
    fake.fault("redesigned", register="gcc")
    headers = key(main_db)
    again = client.get("/api/v1/registrations/gcc/04567?max_age_days=0", headers=headers)
    again = again.get_json()
    assert (again["outcome"], again["stale"]) == ("registered", True)
    assert again["reason"].startswith("register page not understood")
    fresh = client.get("/api/v1/registrations/gcc/09999?max_age_days=0", headers=headers)
    fresh = fresh.get_json()
    assert (fresh["outcome"], fresh["stale"]) == ("unknown", False)
    fake.clear_faults()
    # The stored answer, unchanged, now says in plain words that it is the last one readable.
    cached = client.get("/api/v1/registrations/gcc/04567").get_json()
    assert cached["register_notice"].startswith("The GCC register changed its pages on ")
    assert {**cached, "register_notice": None} == good
    # A page understood again ends the notice.
    again = client.get("/api/v1/registrations/gcc/04567?max_age_days=0", headers=headers)
    assert again.get_json()["register_notice"] is None


def test_bulk_csv_through_the_api_checks_every_register_and_keeps_extra_columns(
    client, fake, main_db
):
    key = apikeys.create(main_db, "Example Insurance")
    lines = ["policy,register,registration_number,name"]
    expected = []
    for i in range(30):
        register = ("hcpc", "gosc", "gcc")[i % 3]
        lines.append(f"P-{i},{register},{NUMBERS[register]},{NAMES[register]}")
        expected.append((f"P-{i}", register, NUMBERS[register], "registered", "exact", ""))
    lines.append("P-30,gcc,9907,Someone Else")
    expected.append(("P-30", "gcc", "09907", "not_found", "", ""))  # no name to compare
    lines.append("P-31,nmc,1,")
    expected.append(("P-31", "nmc", "1", "", "", "'nmc' is not a register: use hcpc, gosc or gcc"))

    response = client.post(
        "/api/v1/registrations/bulk",
        data="\n".join(lines).encode(),
        headers={
            "Authorization": f"Bearer {key}",
            "Content-Type": "text/csv",
            "Accept": "text/csv",
        },
    )
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [
        (
            r["policy"],
            r["register"],
            r["registration_number"],
            r["outcome"],
            r["name_match"],
            r["error"],
        )
        for r in rows
    ] == expected
    # Each number was asked once, however many rows named it.
    assert [r.query for r in fake.requests_for("hcpc")] == [
        {"query": "PH123456", "profession": "PH"}
    ]
    assert fake.peak_concurrency == {"hcpc": 1, "gosc": 1, "gcc": 1}
