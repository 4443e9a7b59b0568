"""The self-referral library: areas and services by postcode, and the dataset validator."""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from pathlib import Path

import pytest

from finder import selfref
from finder.places import areas

TODAY = dt.date(2026, 11, 28)


def lookup(postcode_table, postcode: str, today: dt.date = TODAY) -> dict:
    return selfref.answer(postcode_table.lookup(postcode), today=today)


def summary(answer: dict) -> dict:
    """What a patient would notice: the area, the overall answer, which services, the fallback."""
    return {
        "lad": answer["area"]["lad"]["name"],
        "nhs_areas": [(a["name"], a["partial"]) for a in answer["area"]["nhs_areas"]],
        "self_referral": answer["self_referral"],
        "services": [(s["id"], s["covers_part_of_area"]) for s in answer["services"]],
        "fallback": answer["fallback"]["id"],
    }


@pytest.mark.parametrize(
    ("postcode", "expected"),
    [
        ("M1 1AD", {
            "lad": "Manchester", "nhs_areas": [], "self_referral": "unknown",
            "services": [], "fallback": "fallback-england"}),
        ("G1 1AB", {
            "lad": "Glasgow City", "nhs_areas": [("NHS Greater Glasgow and Clyde", False)],
            "self_referral": "available", "services": [("nhsggc-msk-physio", False)],
            "fallback": "fallback-scotland"}),
        ("AB15 6DH", {
            "lad": "Aberdeen City", "nhs_areas": [("NHS Grampian", False)],
            "self_referral": "unknown", "services": [], "fallback": "fallback-scotland"}),
        ("LL53 7BE", {
            "lad": "Gwynedd", "nhs_areas": [("Betsi Cadwaladr University Health Board", False)],
            "self_referral": "available", "services": [("bcuhb-msk-physio", False)],
            "fallback": "fallback-wales"}),
        ("CF24 3AA", {
            "lad": "Cardiff", "nhs_areas": [("Cardiff and Vale University Health Board", False)],
            "self_referral": "unknown", "services": [], "fallback": "fallback-wales"}),
        ("BT21 0EF", {
            "lad": "Ards and North Down",
            "nhs_areas": [("South Eastern Health and Social Care Trust", False)],
            "self_referral": "available", "services": [("setrust-physio", False)],
            "fallback": "fallback-northern_ireland"}),
        ("BT1 1AA", {
            "lad": "Belfast", "nhs_areas": [("Belfast Health and Social Care Trust", False)],
            "self_referral": "unknown", "services": [],
            "fallback": "fallback-northern_ireland"}),
    ],
)  # fmt: skip
def test_postcodes_in_each_nation_get_their_area_and_services(postcode_table, postcode, expected):
    assert summary(lookup(postcode_table, postcode)) == expected


def test_a_council_split_between_two_trusts_says_partial(postcode_table):
    answer = lookup(postcode_table, "BT34 1TN")
    assert summary(answer) == {
        "lad": "Newry, Mourne and Down",
        "nhs_areas": [
            ("Southern Health and Social Care Trust", True),
            ("South Eastern Health and Social Care Trust", True),
        ],
        "self_referral": "partial",
        "services": [("setrust-physio", True)],
        "fallback": "fallback-northern_ireland",
    }
    assert answer["area"]["split_between_nhs_areas"] is True
    assert answer["headline"].startswith("In parts of Newry, Mourne and Down")


def test_an_outward_code_gets_the_answer_for_its_main_council(postcode_table):
    assert lookup(postcode_table, "G1")["self_referral"] == "available"


def test_every_answer_carries_the_gp_caveat_and_nation_specific_red_flag_advice(postcode_table):
    actions = {
        pc: lookup(postcode_table, pc)["red_flags"]["action"]
        for pc in ("M1 1AD", "G1 1AB", "CF24 3AA", "BT1 1AA")
    }
    assert actions == {
        "M1 1AD": "call NHS 111 now, or 999 if it is an emergency",
        "G1 1AB": "call NHS 24 on 111 now, or 999 if it is an emergency",
        "CF24 3AA": "call NHS 111 Wales on 111 now, or 999 if it is an emergency",
        "BT1 1AA": "contact your GP practice urgently (or the GP out-of-hours service when it "
        "is closed), or call 999 if it is an emergency",
    }
    answer = lookup(postcode_table, "M1 1AD")
    assert answer["gp_practice_caveat"] == selfref.GP_PRACTICE_CAVEAT
    assert "bladder or bowels" in answer["red_flags"]["symptoms"][0]


def test_a_service_is_flagged_stale_after_180_days(postcode_table):
    fresh = lookup(postcode_table, "G1 1AB", today=TODAY + dt.timedelta(days=180))
    old = lookup(postcode_table, "G1 1AB", today=TODAY + dt.timedelta(days=181))
    assert [s["stale"] for s in fresh["services"]] + [fresh["fallback"]["stale"]] == [False] * 2
    assert [s["stale"] for s in old["services"]] + [old["fallback"]["stale"]] == [True] * 2


def test_a_service_row_as_the_api_shows_it(postcode_table):
    service = lookup(postcode_table, "G1 1AB")["services"][0]
    assert service == {
        "id": "nhsggc-msk-physio",
        "name": "Self-referral to adult MSK physiotherapy",
        "provider": "NHS Greater Glasgow and Clyde",
        "status": "available",
        "covers_part_of_area": False,
        "methods": [{"code": "online_form", "text": "Fill in a form online"}],
        "url": "https://nhsggc.scot/hospitals-services/services-a-to-z/"
        "musculoskeletal-msk-physiotherapy/self-referral-to-adult-msk-physiotherapy",
        "phone": None,
        "min_age": None,
        "needs_local_gp": "yes",
        "eligibility": service["eligibility"],
        "source_url": "https://nhsggc.scot/hospitals-services/services-a-to-z/"
        "musculoskeletal-msk-physiotherapy/self-referral-to-adult-msk-physiotherapy",
        "last_verified": "2026-11-28",
        "verified_from": "stored copy",
        "stale": False,
        "notes": "The page says 'adult' but no exact minimum age was visible in the copy we read.",
    }


# --- the validator --------------------------------------------------------------------------


def test_the_committed_dataset_passes_the_validator():
    assert selfref.validate(today=TODAY) == []


def test_every_uk_council_gets_an_answer_with_a_source_and_a_date():
    data = selfref.dataset()
    uk = [(code, nation) for code, _name, nation in areas.lad_rows() if nation in areas.NATIONS]
    assert len(uk) == 361
    for _code, nation in uk:
        fallback = data.fallback(nation)
        assert fallback.source_url.startswith("http") and fallback.last_verified <= TODAY


@pytest.fixture
def dataset_copy(tmp_path: Path) -> Path:
    """A writable copy of the committed dataset, to break one row at a time."""
    for name in ("selfref_services.csv", "selfref_coverage.csv", "nhs_areas.csv"):
        shutil.copy(selfref.DATA / name, tmp_path / name)
    return tmp_path


def edit_rows(path: Path, change) -> None:
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        columns, rows = reader.fieldnames, list(reader)
    rows = change(rows)
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def set_field(service_id: str, field: str, value: str):
    def change(rows):
        for row in rows:
            if row["id"] == service_id:
                row[field] = value
        return rows

    return change


@pytest.mark.parametrize(
    ("service_id", "field", "value", "problem"),
    [
        ("nhsggc-msk-physio", "source_url", "",
         "selfref_services.csv line 6 (nhsggc-msk-physio): source_url is missing"),
        ("nhsggc-msk-physio", "last_verified", "",
         "selfref_services.csv line 6 (nhsggc-msk-physio): last_verified is missing"),
        ("nhsggc-msk-physio", "last_verified", "last spring",
         "selfref_services.csv line 6 (nhsggc-msk-physio): last_verified 'last spring' is not "
         "a date"),
        ("nhsggc-msk-physio", "last_verified", "2027-01-01",
         "selfref_services.csv line 6 (nhsggc-msk-physio): last_verified 2027-01-01 is in the "
         "future"),
        ("nhsggc-msk-physio", "url", "nhsggc.scot/self referral",
         "selfref_services.csv line 6 (nhsggc-msk-physio): url 'nhsggc.scot/self referral' is "
         "not a web address"),
        ("bcuhb-msk-physio", "source_url", "htp://bcuhb",
         "selfref_services.csv line 7 (bcuhb-msk-physio): source_url 'htp://bcuhb' is not a web "
         "address"),
        ("bcuhb-msk-physio", "status", "maybe",
         "selfref_services.csv line 7 (bcuhb-msk-physio): status 'maybe' is not one of "
         "available, partial, not_available, unknown"),
        ("setrust-physio", "methods", "online_form;carrier_pigeon",
         "selfref_services.csv line 8 (setrust-physio): unknown method 'carrier_pigeon'"),
    ],
)  # fmt: skip
def test_the_validator_catches_a_bad_service_row(dataset_copy, service_id, field, value, problem):
    edit_rows(dataset_copy / "selfref_services.csv", set_field(service_id, field, value))
    assert selfref.validate(dataset_copy, today=TODAY) == [problem]


def test_the_validator_says_which_councils_lose_their_answer_without_a_fallback(dataset_copy):
    edit_rows(
        dataset_copy / "selfref_services.csv",
        lambda rows: [r for r in rows if r["id"] != "fallback-wales"],
    )
    problems = selfref.validate(dataset_copy, today=TODAY)
    assert len(problems) == 22
    assert problems[0] == "LAD W06000001 is not covered: wales has no fallback row"


def test_the_validator_catches_contradicting_services_for_one_council(dataset_copy):
    def add_contradiction(rows):
        closed = dict(next(r for r in rows if r["id"] == "nhsggc-msk-physio"))
        closed.update(id="glasgow-closed", status="not_available")
        return [*rows, closed]

    edit_rows(dataset_copy / "selfref_services.csv", add_contradiction)
    edit_rows(
        dataset_copy / "selfref_coverage.csv",
        lambda rows: [*rows, {"service_id": "glasgow-closed", "lad_code": "S12000049",
                              "partial": "no"}],
    )  # fmt: skip
    assert selfref.validate(dataset_copy, today=TODAY) == [
        "LAD S12000049 has contradicting services (glasgow-closed, nhsggc-msk-physio): one "
        "available and one not available for the whole area"
    ]


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        ({"service_id": "nhsggc-msk-physio", "lad_code": "S99999999", "partial": "no"},
         "selfref_coverage.csv line 25: 'S99999999' is not a LAD in the postcode data"),
        ({"service_id": "nhsggc-msk-physio", "lad_code": "E08000003", "partial": "no"},
         "selfref_coverage.csv line 25: nhsggc-msk-physio is in scotland but E08000003 is not"),
        ({"service_id": "no-such-service", "lad_code": "E08000003", "partial": "no"},
         "selfref_coverage.csv line 25: unknown service 'no-such-service'"),
        ({"service_id": "nhsggc-msk-physio", "lad_code": "S12000049", "partial": "no"},
         "selfref_coverage.csv line 25: nhsggc-msk-physio covers S12000049 twice"),
        ({"service_id": "fallback-england", "lad_code": "E08000003", "partial": "no"},
         "selfref_coverage.csv line 25: fallback-england is a fallback, which covers its whole "
         "nation"),
    ],
)  # fmt: skip
def test_the_validator_catches_a_bad_coverage_row(dataset_copy, row, problem):
    edit_rows(dataset_copy / "selfref_coverage.csv", lambda rows: [*rows, row])
    assert selfref.validate(dataset_copy, today=TODAY) == [problem]


def test_the_validator_catches_a_council_missing_from_the_nhs_area_table(dataset_copy):
    edit_rows(
        dataset_copy / "nhs_areas.csv",
        lambda rows: [r for r in rows if r["lad_code"] != "S12000049"],
    )
    assert selfref.validate(dataset_copy, today=TODAY) == [
        "LAD S12000049 has no row in nhs_areas.csv"
    ]


def test_the_area_table_script_reproduces_the_committed_table():
    import subprocess
    import sys

    script = Path(__file__).resolve().parent.parent / "scripts" / "make_area_tables.py"
    made = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, check=True
    ).stdout
    assert made == (selfref.DATA / "nhs_areas.csv").read_text(encoding="utf-8")
