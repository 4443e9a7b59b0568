"""The self-referral library: areas and services by postcode, and the dataset validator."""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from pathlib import Path

import pytest

from finder import selfref
from finder.places import areas

TODAY = dt.date(2026, 12, 7)
RESEARCH = Path(__file__).resolve().parent.parent / "docs" / "research" / "selfref-2026-12-07"


def research_row(area_id: str) -> dict[str, str]:
    with open(RESEARCH / "areas.csv", newline="", encoding="utf-8") as f:
        return next(row for row in csv.DictReader(f) if row["area_id"] == area_id)


def lookup(postcode_table, postcode: str, today: dt.date = TODAY) -> dict:
    return selfref.answer(postcode_table.lookup(postcode), today=today)


def main_areas(answer: dict) -> list[tuple[str, bool]]:
    return [(a["name"], a["partial"]) for a in answer["area"]["nhs_areas"]
            if a["type"] != "msk_provider"]  # fmt: skip


@pytest.mark.parametrize(
    ("postcode", "lad", "areas_", "area_id"),
    [
        ("M1 1AD", "Manchester", [("NHS Greater Manchester ICB", False)], "msk-manchester"),
        ("G1 1AB", "Glasgow City", [("NHS Greater Glasgow and Clyde", False)],
         "hb-greater-glasgow-and-clyde"),
        ("AB15 6DH", "Aberdeen City", [("NHS Grampian", False)], "hb-grampian"),
        ("LL53 7BE", "Gwynedd", [("Betsi Cadwaladr University Health Board", False)],
         "lhb-betsi-cadwaladr"),
        ("CF24 3AA", "Cardiff", [("Cardiff and Vale University Health Board", False)],
         "lhb-cardiff-and-vale"),
        ("BT21 0EF", "Ards and North Down",
         [("South Eastern Health and Social Care Trust", False)], "hsct-south-eastern"),
        ("BT1 1AA", "Belfast", [("Belfast Health and Social Care Trust", False)],
         "hsct-belfast"),
    ],
)  # fmt: skip
def test_postcodes_in_each_nation_get_their_area_and_its_researched_answer(
    postcode_table, postcode, lad, areas_, area_id
):
    answer = lookup(postcode_table, postcode)
    assert (answer["area"]["lad"]["name"], main_areas(answer)) == (lad, areas_)
    assert answer["self_referral"] == research_row(area_id)["status"]
    assert answer["fallback"]["id"] == f"fallback-{answer['area']['nation']}"


def test_england_gets_its_icb_and_the_community_msk_area_that_covers_it(postcode_table):
    answer = lookup(postcode_table, "M1 1AD")
    assert [(a["type"], a["name"]) for a in answer["area"]["nhs_areas"]] == [
        ("icb", "NHS Greater Manchester ICB"),
        ("msk_provider", "Manchester community MSK physiotherapy (Greater Manchester ICB)"),
    ]
    assert answer["area"]["nhs_areas"][0]["code"] == "E54000057"


def test_bt34_in_newry_gets_the_southern_trust_not_the_south_eastern_service(postcode_table):
    for postcode in ("BT34 1TN", "BT34"):
        answer = lookup(postcode_table, postcode)
        assert answer["area"]["lad"]["name"] == "Newry, Mourne and Down"
        assert main_areas(answer) == [("Southern Health and Social Care Trust", False)]
        assert answer["area"]["split_between_nhs_areas"] is False
        assert answer["area"]["postcode_district_rule"]["district"] == "BT34"
        assert [s["id"] for s in answer["services"]] == ["hsct-southern"]
        assert answer["self_referral"] == research_row("hsct-southern")["status"]


def test_downpatrick_in_the_same_council_gets_the_south_eastern_trust(postcode_table):
    answer = lookup(postcode_table, "BT30 6AA")
    assert main_areas(answer) == [("South Eastern Health and Social Care Trust", False)]
    assert [(s["id"], s["covers_part_of_area"]) for s in answer["services"]] == [
        ("hsct-south-eastern", False)
    ]


def test_a_postcode_in_a_split_council_without_a_district_rule_keeps_both_areas(postcode_table):
    answer = lookup(postcode_table, "BT27 5HQ")  # Lisburn and Castlereagh
    assert {name for name, _ in main_areas(answer)} == {
        "South Eastern Health and Social Care Trust",
        "Belfast Health and Social Care Trust",
    }
    assert answer["area"]["split_between_nhs_areas"] is True
    assert all(s["covers_part_of_area"] for s in answer["services"])


def test_north_wales_headline_matches_its_evidence(postcode_table):
    row = research_row("lhb-betsi-cadwaladr")
    answer = lookup(postcode_table, "LL53 7BE")
    assert answer["self_referral"] == row["status"]
    assert not answer["headline"].startswith("Yes")
    if row["status"] == "unknown":
        assert answer["headline"].startswith("Not known")


def test_an_outward_code_gets_the_answer_for_its_main_council(postcode_table):
    assert lookup(postcode_table, "G1")["area"]["lad"]["name"] == "Glasgow City"


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


def service(**changes) -> selfref.answers.Service:
    row = {
        "id": "test", "nation": "england", "kind": "service", "area_type": "icb",
        "name": "Self-referral", "provider": "NHS Test ICB", "status": "available",
        "methods": "online_form", "url": "https://example.org/form", "phone": "",
        "min_age": "16", "needs_local_gp": "yes", "eligibility": "Adults",
        "source_url": "https://example.org/", "source_date": "2026-06-01",
        "read_on": "2026-12-07", "evidence_quote": "You can refer yourself",
        "verified_from": "stored copy", "notes": "",
    }  # fmt: skip
    return selfref.answers.parse_service({**row, **changes})


@pytest.mark.parametrize(
    ("source_date", "read_on", "today", "stale"),
    [
        ("2026-06-01", "2026-12-07", TODAY, False),
        ("2024-12-31", "2026-12-07", TODAY, False),  # just under 2 years old
        ("2024-11", "2026-12-07", TODAY, True),  # older than 2 years
        ("undated", "2026-12-07", TODAY, False),
        ("2026-06-01", "2026-06-01", TODAY, True),  # read more than 180 days ago
    ],
)
def test_stale_follows_the_source_date_as_well_as_the_reading_date(
    source_date, read_on, today, stale
):
    assert service(source_date=source_date, read_on=read_on).to_dict(today)["stale"] is stale


def test_a_service_row_as_the_api_shows_it():
    shown = service(source_date="2015", evidence_quote="Patients can refer themselves").to_dict(
        TODAY
    )
    assert shown == {
        "id": "test", "name": "Self-referral", "provider": "NHS Test ICB",
        "status": "available", "covers_part_of_area": False,
        "methods": [{"code": "online_form", "text": "Fill in a form online"}],
        "url": "https://example.org/form", "phone": None, "min_age": 16,
        "needs_local_gp": "yes", "eligibility": "Adults",
        "source_url": "https://example.org/", "source_date": "2015",
        "source_date_text": "2015", "source_strength": "old",
        "source_older_than_3_years": True, "read_on": "2026-12-07",
        "last_verified": "2026-12-07", "verified_from": "stored copy",
        "evidence_quote": "Patients can refer themselves", "stale": True, "notes": None,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("status", "source_date", "start"),
    [
        ("available", "2026-06-01", "Yes: in Leeds you can refer yourself"),
        ("available", "2024-05-16", "Probably: a page dated 16 May 2024 says you can refer"),
        ("available", "2024", "Probably: a page from 2024 says you can refer"),
        ("available", "undated", "Probably: an undated page says you can refer"),
        ("available", "2015", "Probably: a page from 2015, more than 3 years old, says"),
        ("partial", "2026-06", "In parts of Leeds, or for some people, you can refer"),
        ("partial", "2020-05-08", "Possibly, in parts of Leeds or for some people: a page "
         "dated 8 May 2020, more than 3 years old, says"),
        ("not_available", "2026", "No: you cannot refer yourself"),
        ("not_available", "undated", "Probably not: an undated page says you need a referral"),
        ("unknown", None, "Not known: we have not found a source"),
    ],
)  # fmt: skip
def test_the_headline_strength_follows_the_evidence(status, source_date, start):
    assert selfref.evidence.headline(status, "Leeds", source_date, TODAY).startswith(start)


# --- the validator --------------------------------------------------------------------------


def test_the_committed_dataset_passes_the_validator():
    assert selfref.validate(today=TODAY) == []


def test_every_uk_council_gets_an_answer_with_a_source_and_a_date():
    data = selfref.dataset()
    uk = [(code, nation) for code, _name, nation in areas.lad_rows() if nation in areas.NATIONS]
    assert len(uk) == 361
    for _code, nation in uk:
        fallback = data.fallback(nation)
        assert fallback.source_url.startswith("http") and fallback.read_on <= TODAY


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


def line_of(service_id: str) -> str:
    with open(selfref.DATA / "selfref_services.csv", newline="", encoding="utf-8") as f:
        ids = [row["id"] for row in csv.DictReader(f)]
    return f"selfref_services.csv line {ids.index(service_id) + 2} ({service_id})"


def set_field(service_id: str, field: str, value: str):
    def change(rows):
        for row in rows:
            if row["id"] == service_id:
                row[field] = value
        return rows

    return change


SE_TRUST = "hsct-south-eastern"
LONG_QUOTE = " ".join(["word"] * 26)


@pytest.mark.parametrize(
    ("service_id", "field", "value", "problem"),
    [
        (SE_TRUST, "source_url", "", "source_url is missing"),
        (SE_TRUST, "source_date", "",
         "source_date is missing (the page's own date, or undated)"),
        (SE_TRUST, "source_date", "June 2015",
         "source_date 'June 2015' is not a date (YYYY, YYYY-MM or YYYY-MM-DD) or 'undated'"),
        (SE_TRUST, "source_date", "2027-03", "source_date 2027-03 is in the future"),
        (SE_TRUST, "evidence_quote", "", "evidence_quote is missing"),
        (SE_TRUST, "evidence_quote", LONG_QUOTE, "evidence_quote has 26 words (at most 25)"),
        (SE_TRUST, "read_on", "", "read_on is missing"),
        (SE_TRUST, "read_on", "last spring", "read_on 'last spring' is not a date"),
        (SE_TRUST, "read_on", "2027-01-01", "read_on 2027-01-01 is in the future"),
        (SE_TRUST, "url", "setrust.hscni.net/physio form",
         "url 'setrust.hscni.net/physio form' is not a web address"),
        (SE_TRUST, "source_url", "htp://setrust",
         "source_url 'htp://setrust' is not a web address"),
        (SE_TRUST, "status", "maybe",
         "status 'maybe' is not one of available, partial, not_available, unknown"),
        (SE_TRUST, "methods", "online_form;carrier_pigeon", "unknown method 'carrier_pigeon'"),
    ],
)  # fmt: skip
def test_the_validator_catches_a_bad_service_row(dataset_copy, service_id, field, value, problem):
    edit_rows(dataset_copy / "selfref_services.csv", set_field(service_id, field, value))
    assert selfref.validate(dataset_copy, today=TODAY) == [f"{line_of(service_id)}: {problem}"]


def test_a_fallback_of_unknown_status_needs_no_quote(dataset_copy):
    edit_rows(dataset_copy / "selfref_services.csv",
              set_field("fallback-wales", "evidence_quote", ""))  # fmt: skip
    assert selfref.validate(dataset_copy, today=TODAY) == []


def test_the_validator_says_which_councils_lose_their_answer_without_a_fallback(dataset_copy):
    edit_rows(
        dataset_copy / "selfref_services.csv",
        lambda rows: [r for r in rows if r["id"] != "fallback-wales"],
    )
    problems = [p for p in selfref.validate(dataset_copy, today=TODAY) if "fallback" in p]
    assert len(problems) == 22
    assert problems[0] == "LAD W06000001 is not covered: wales has no fallback row"


def test_the_validator_catches_contradicting_services_for_one_council(dataset_copy):
    def add_contradiction(rows):
        closed = dict(next(r for r in rows if r["id"] == SE_TRUST))
        closed.update(id="ards-closed", status="not_available")
        return [*rows, closed]

    edit_rows(dataset_copy / "selfref_services.csv", add_contradiction)
    edit_rows(
        dataset_copy / "selfref_coverage.csv",
        lambda rows: [*rows, {"service_id": "ards-closed", "lad_code": "N09000011",
                              "partial": "no", "nhs_area": ""}],
    )  # fmt: skip
    assert selfref.validate(dataset_copy, today=TODAY) == [
        f"LAD N09000011 has contradicting services (ards-closed, {SE_TRUST}): one "
        "available and one not available for the whole area"
    ]


def coverage_line() -> int:
    with open(selfref.DATA / "selfref_coverage.csv", encoding="utf-8") as f:
        return len(f.read().splitlines()) + 1


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        ({"service_id": SE_TRUST, "lad_code": "N99999999", "partial": "no"},
         "'N99999999' is not a LAD in the postcode data"),
        ({"service_id": SE_TRUST, "lad_code": "E08000003", "partial": "no"},
         f"{SE_TRUST} is in northern_ireland but E08000003 is not"),
        ({"service_id": "no-such-service", "lad_code": "E08000003", "partial": "no"},
         "unknown service 'no-such-service'"),
        ({"service_id": SE_TRUST, "lad_code": "N09000011", "partial": "no"},
         f"{SE_TRUST} covers N09000011 twice"),
        ({"service_id": "fallback-england", "lad_code": "E08000003", "partial": "no"},
         "fallback-england is a fallback, which covers its whole nation"),
        ({"service_id": SE_TRUST, "lad_code": "N09000003", "partial": "no",
          "nhs_area": "South Eastern Health and Social Care Trust"},
         "N09000003 is not in the NHS area 'South Eastern Health and Social Care Trust' "
         "(nhs_areas.csv)"),
    ],
)  # fmt: skip
def test_the_validator_catches_a_bad_coverage_row(dataset_copy, row, problem):
    edit_rows(dataset_copy / "selfref_coverage.csv", lambda rows: [*rows, row])
    assert selfref.validate(dataset_copy, today=TODAY) == [
        f"selfref_coverage.csv line {coverage_line()}: {problem}"
    ]


def test_the_validator_catches_a_council_missing_from_the_nhs_area_table(dataset_copy):
    edit_rows(
        dataset_copy / "nhs_areas.csv",
        lambda rows: [r for r in rows if r["lad_code"] != "S12000049"],
    )
    assert "LAD S12000049 has no row in nhs_areas.csv" in selfref.validate(
        dataset_copy, today=TODAY
    )


def test_the_area_table_script_reproduces_the_committed_table():
    import subprocess
    import sys

    script = Path(__file__).resolve().parent.parent / "scripts" / "make_area_tables.py"
    made = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, check=True
    ).stdout
    assert made == (selfref.DATA / "nhs_areas.csv").read_text(encoding="utf-8")


def test_the_selfref_table_script_reproduces_the_committed_tables(tmp_path):
    import subprocess
    import sys

    script = Path(__file__).resolve().parent.parent / "scripts" / "make_selfref_tables.py"
    subprocess.run([sys.executable, str(script), str(tmp_path)], check=True)
    for name in ("selfref_services.csv", "selfref_coverage.csv"):
        made = (tmp_path / name).read_text(encoding="utf-8")
        assert made == (selfref.DATA / name).read_text(encoding="utf-8"), name


def test_the_icb_table_is_rebuilt_exactly_from_its_ons_source():
    """lad_icb.csv is what scripts/make_lad_icb_csv.py makes of the ONS lookup committed in
    tests/files/ons-lsoa11-icb22, so no hand edit can creep into England's NHS areas."""
    import subprocess
    import sys

    root = Path(__file__).resolve().parent.parent
    made = subprocess.run(
        [sys.executable, str(root / "scripts" / "make_lad_icb_csv.py"),
         str(root / "tests" / "files" / "ons-lsoa11-icb22")],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert made == (selfref.DATA / "lad_icb.csv").read_text(encoding="utf-8")


def test_every_english_lad_maps_to_the_icbs_of_the_ons_lookup():
    """nhs_areas.csv against lad_icb.csv (ONS LSOA11 -> SICBL -> ICB, July 2022, rebuilt from
    the lookup itself by the test above): each English LAD lists every ICB its neighbourhoods
    lie in, largest share first, and is marked partial exactly when there is more than one."""
    with open(selfref.DATA / "lad_icb.csv", newline="", encoding="utf-8") as f:
        lookup_rows = list(csv.DictReader(f))
    shares: dict[str, dict[str, int]] = {}
    for row in lookup_rows:
        by_icb = shares.setdefault(row["lad_code"], {})
        by_icb[row["icb_code"]] = by_icb.get(row["icb_code"], 0) + int(row["lsoas"])
    with open(selfref.DATA / "nhs_areas.csv", newline="", encoding="utf-8") as f:
        icb_rows = [r for r in csv.DictReader(f) if r["nhs_area_type"] == "icb"]
    shown: dict[str, list[tuple[str, str]]] = {}
    for row in icb_rows:
        shown.setdefault(row["lad_code"], []).append((row["nhs_area_code"], row["partial"]))
    english = {code for code, _n, nation in areas.lad_rows() if nation == "england"}
    assert set(shown) == english == set(shares)
    assert len({row["icb_code"] for row in lookup_rows}) == 42
    for lad, by_icb in shares.items():
        expected = sorted(by_icb, key=lambda icb: (-by_icb[icb], icb))
        partial = "yes" if len(by_icb) > 1 else "no"
        assert shown[lad] == [(icb, partial) for icb in expected], lad
    assert shown["E07000244"] == [("E54000022", "yes"), ("E54000023", "yes")]  # East Suffolk
    assert shown["E08000035"] == [("E54000054", "no")]  # Leeds: West Yorkshire
