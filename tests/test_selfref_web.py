"""The self-referral page, API and CLI."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from bs4 import BeautifulSoup

from finder import selfref
from finder.selfref import evidence
from tests.test_selfref import research_row


def texts(html: bytes, selector: str) -> list[str]:
    soup = BeautifulSoup(html, "html.parser")
    return [" ".join(el.get_text(" ").split()) for el in soup.select(selector)]


# --- API -----------------------------------------------------------------------------------


def test_api_answers_with_area_services_fallback_caveat_and_red_flags(client):
    response = client.get("/api/v1/self-referral?postcode=g1%201ab")
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == {
        "postcode", "area", "self_referral", "headline", "headline_source", "services",
        "fallback", "gp_practice_caveat", "red_flags",
    }  # fmt: skip
    assert body["area"] == {
        "lad": {"code": "S12000049", "name": "Glasgow City"},
        "nation": "scotland",
        "nation_name": "Scotland",
        "nhs_areas": [
            {"type": "health_board", "type_name": "NHS board", "code": "S08000031",
             "name": "NHS Greater Glasgow and Clyde", "partial": False}
        ],
        "split_between_nhs_areas": False,
        "postcode_district_rule": None,
    }  # fmt: skip
    row = research_row("hb-greater-glasgow-and-clyde")
    assert body["self_referral"] == row["status"]
    assert [
        (s["id"], s["source_date"], s["read_on"], s["evidence_quote"]) for s in body["services"]
    ] == [(row["area_id"], row["source_date"], row["read_on"], row["evidence_quote"])]
    assert body["headline_source"] == row["area_id"]
    assert body["fallback"]["id"] == "fallback-scotland"
    assert body["gp_practice_caveat"] == selfref.GP_PRACTICE_CAVEAT
    assert body["red_flags"]["symptoms"] == selfref.RED_FLAG_SYMPTOMS


@pytest.mark.parametrize("query", ["", "?postcode=", "?postcode=LS6-2AB", "?postcode=" + "x" * 99])
def test_api_gives_400_for_a_missing_or_bad_postcode(client, query):
    response = client.get("/api/v1/self-referral" + query)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_postcode"


@pytest.mark.parametrize(
    ("postcode", "code"), [("LS6 9XX", "postcode_not_found"), ("JE2 3AB", "not_covered")]
)
def test_api_gives_404_for_unknown_or_uncovered_postcodes(client, postcode, code):
    response = client.get("/api/v1/self-referral", query_string={"postcode": postcode})
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == code


def test_the_openapi_document_describes_the_self_referral_endpoint(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert list(spec["paths"]["/self-referral"]) == ["get"]
    assert {"SelfReferral", "SelfReferralService"} <= set(spec["components"]["schemas"])


# --- page ----------------------------------------------------------------------------------


def test_the_page_asks_for_a_postcode(client):
    response = client.get("/self-referral")
    assert response.status_code == 200
    assert texts(response.data, "h1") == ["Can I refer myself to NHS physiotherapy?"]
    assert texts(response.data, "label[for=postcode]") == ["Your postcode"]
    assert texts(response.data, ".selfref") == []


def test_the_page_for_newry_names_the_southern_trust_and_its_dated_evidence(client):
    response = client.get("/self-referral?postcode=BT34+1TN")
    assert response.status_code == 200
    html = response.data
    assert texts(html, ".selfref-area") == [
        "BT34 1TN is in Newry, Mourne and Down, Northern Ireland. Its health and social care "
        "trust is Southern Health and Social Care Trust (the Newry part of the council area)."
    ]
    row = research_row("hsct-southern")
    assert texts(html, ".selfref-service h3")[0].startswith(
        "Southern Health and Social Care Trust:"
    )
    says = {"available": "takes self-referrals", "not_available": "does not take self-referrals",
            "partial": "takes self-referrals from some people or in some places"}  # fmt: skip
    assert texts(html, ".selfref-service p")[0] == (
        f"What the source says: it {says[row['status']]}."
    )
    dated = evidence.describe(row["source_date"])
    assert texts(html, ".selfref-service .meta")[0].startswith(
        f"Source {'dated ' + dated if dated else 'undated'}, read on "
    )
    assert texts(html, ".selfref-service .selfref-quote") == [f"“{row['evidence_quote']}”"]
    assert texts(html, ".selfref-caveat") == [selfref.GP_PRACTICE_CAVEAT]
    assert texts(html, ".selfref-red-flags li")[:3] == selfref.RED_FLAG_SYMPTOMS
    assert "contact your GP practice urgently" in texts(html, ".selfref-red-flags p")[0]


def test_the_page_names_the_icb_and_the_community_msk_area(client):
    html = client.get("/self-referral?postcode=M1+1AD").data
    assert texts(html, ".selfref-area") == [
        "M1 1AD is in Manchester, England. Its integrated care board is NHS Greater Manchester "
        "ICB. It is in the area of a community MSK service: Manchester community MSK "
        "physiotherapy (Greater Manchester ICB)."
    ]


def test_an_old_source_says_so_on_the_page(client):
    row = research_row("hsct-south-eastern")
    html = client.get("/self-referral?postcode=BT21+0EF").data
    meta = texts(html, ".selfref-service .meta")[0]
    old = evidence.strength(row["source_date"], dt.date.today()) == "old"
    assert ("This source is more than 3 years old." in meta) is old
    if old:
        assert "May be out of date" in meta
        assert not texts(html, ".selfref-headline")[0].startswith("Yes")


def test_the_page_gives_a_council_without_evidence_the_fallback_advice(client):
    html = client.get("/self-referral?postcode=LS1+4AP").data
    assert texts(html, ".selfref-service") == []
    assert texts(html, ".selfref-headline")[0].startswith("Not known: we have not found a source")
    assert texts(html, ".selfref-fallback h3") == ["What you can do"]
    assert texts(html, ".selfref-fallback p")[0].startswith("Many areas of England let you")


@pytest.mark.parametrize(
    ("postcode", "status", "message"),
    [
        ("LS6-2AB", 400, "'LS6-2AB' is not a postcode: a postcode has only letters, numbers "
         "and spaces."),
        ("", 400, "Enter a postcode, for example LS6 2AB."),
        ("LS6 9XX", 404, "We cannot find the postcode LS6 9XX. Check it is right, or search with "
         "just the first part (LS6)."),
    ],
)  # fmt: skip
def test_the_page_shows_bad_postcodes_in_an_error_summary(client, postcode, status, message):
    response = client.get("/self-referral", query_string={"postcode": postcode})
    assert response.status_code == status
    assert texts(response.data, ".error-summary li") == [message]
    assert texts(response.data, "#postcode-error") == [f"Error: {message}"]
    assert texts(response.data, ".selfref") == []


def test_the_page_is_linked_from_every_page(client):
    assert "NHS physio self-referral" in texts(client.get("/").data, ".site-nav a")


# --- CLI -----------------------------------------------------------------------------------


def test_cli_answers_a_postcode_in_plain_text(runner):
    from finder.cli import cli

    result = runner.invoke(cli, ["selfref", "G1 1AB"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[:2] == [
        "G1 1AB: Glasgow City, Scotland",
        "NHS area: NHS Greater Glasgow and Clyde (NHS board)",
    ]
    row = research_row("hb-greater-glasgow-and-clyde")
    assert f"NHS Greater Glasgow and Clyde: {row['service_name']} [{row['status']}]" in lines
    assert any(f"read on {row['read_on']}" in line for line in lines)
    assert "Get help urgently instead if you have back pain with:" in lines
    assert any(line.startswith("This answer is based on where you live.") for line in lines)


def test_cli_names_the_part_of_a_split_council_a_postcode_district_is_in(runner):
    from finder.cli import cli

    result = runner.invoke(cli, ["selfref", "BT34 1TN"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[:2] == [
        "BT34 1TN: Newry, Mourne and Down, Northern Ireland",
        "NHS area: Southern Health and Social Care Trust (health and social care trust, for the "
        "Newry part (BT34) of this council area)",
    ]


def test_cli_json_is_the_api_answer(runner, client):
    from finder.cli import cli

    result = runner.invoke(cli, ["selfref", "BT34 1TN", "--json"])
    assert result.exit_code == 0, result.output
    api = client.get("/api/v1/self-referral?postcode=BT34+1TN").get_json()
    assert json.loads(result.output) == api


def test_cli_bad_postcode_is_one_line_and_exit_1(runner):
    from finder.cli import cli

    result = runner.invoke(cli, ["selfref", "LS6 9XX"])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        "Error: We cannot find the postcode LS6 9XX. Check it is right, or search with just "
        "the first part (LS6)."
    ]


def test_cli_validate_passes_on_the_committed_data(runner):
    from finder.cli import cli

    result = runner.invoke(cli, ["selfref", "validate"])
    assert result.exit_code == 0, result.output
    services = sum(s.kind == "service" for s in selfref.dataset().services.values())
    assert result.output == (
        f"OK: all 361 UK local authorities (postcode table) have an answer; {services} services "
        "and 4 fallbacks checked.\n"
    )


def test_cli_validate_prints_one_line_per_problem_and_exits_1(runner, monkeypatch):
    from finder.cli import cli

    monkeypatch.setattr(selfref, "validate", lambda **_: ["problem one", "problem two"])
    result = runner.invoke(cli, ["selfref", "validate"])
    assert (result.exit_code, result.output) == (1, "problem one\nproblem two\n")


def test_cli_help_shows_examples(runner):
    from finder.cli import cli

    result = runner.invoke(cli, ["selfref", "--help"])
    assert result.exit_code == 0
    assert 'finder selfref "G1 1AB" --json' in result.output
    assert "validate" in result.output


# --- the panel beside search results --------------------------------------------------------


def test_physiotherapy_search_results_show_the_self_referral_panel(client):
    html = client.get("/search?postcode=G1+1AB&profession=physiotherapist").data
    assert texts(html, ".selfref h2") == ["NHS physiotherapy self-referral near G1 1AB"]
    row = research_row("hb-greater-glasgow-and-clyde")
    assert texts(html, ".selfref-service h3") == [
        f"NHS Greater Glasgow and Clyde: {row['service_name']}"
    ]
    assert texts(html, ".selfref-caveat") == [selfref.GP_PRACTICE_CAVEAT]
    assert texts(html, ".selfref-red-flags li")[:3] == selfref.RED_FLAG_SYMPTOMS


def test_a_search_for_all_professions_shows_the_panel_too(client):
    html = client.get("/search?postcode=LS1+4AP").data
    assert texts(html, ".selfref-headline") == [
        "Not known: we have not found a source that says whether you can refer yourself to NHS "
        "physiotherapy in Leeds. Your GP practice can tell you."
    ]


def test_an_osteopath_search_has_no_self_referral_panel(client):
    html = client.get("/search?postcode=G1+1AB&profession=osteopath").data
    assert texts(html, "h1") == ["Osteopaths near G1 1AB"]
    assert texts(html, ".selfref") == []
