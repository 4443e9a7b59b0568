"""Every UK council's self-referral answer, rendered as the page and the API give it: none
contradicts itself."""

from __future__ import annotations

import datetime as dt
import json

from bs4 import BeautifulSoup
from flask import render_template

from finder import selfref
from finder.places import areas, splits
from finder.places.postcodes import Location

TODAY = dt.date(2026, 12, 7)
# Phrases that would contradict a service shown above the nation's advice.
NOT_CHECKED = ("not checked", "do not know", "not found", "no trust", "only the")


def every_place() -> list[tuple[str, str, str, str]]:
    """(postcode, LAD code, LAD name, nation) for every UK LAD, plus each curated district."""
    places = [
        ("ZZ9", code, name, nation)
        for code, name, nation in areas.lad_rows()
        if nation in areas.NATIONS
    ]
    places += [
        (row["district"], row["lad_code"], areas.lad_name(row["lad_code"]), "northern_ireland")
        for row in splits.read_rows()
    ]
    return places


PLACES = every_place()


def answer_for(postcode: str, lad: str, name: str, nation: str) -> dict:
    location = Location(postcode, "outcode", 54.0, -2.0, lad, name, nation)
    return selfref.answer(location, today=TODAY)


def test_every_uk_council_is_checked():
    assert len([p for p in PLACES if p[0] == "ZZ9"]) == 361


def contradictions(answer: dict, html: str) -> list[str]:
    """What is wrong with one rendered answer: an empty list when it is consistent."""
    problems = []
    services, headline = answer["services"], answer["headline"]
    nation_text = answer["fallback"]["eligibility"].lower()
    if answer["self_referral"] == "unknown":
        if not headline.startswith("Not known"):
            problems.append(f"unknown but the headline says {headline!r}")
        if any(s["status"] != "unknown" for s in services):
            problems.append("unknown but a known service is shown")
    else:
        if not services or headline.startswith("Not known"):
            problems.append(f"{answer['self_referral']} without a service: {headline!r}")
        if any(phrase in nation_text for phrase in NOT_CHECKED):
            problems.append(f"the nation text contradicts the service: {nation_text!r}")
    source = next((s for s in services if s["id"] == answer["headline_source"]), None)
    if headline.startswith("Yes") and not (
        answer["self_referral"] == "available" and source["source_strength"] == "recent"
    ):
        problems.append(f"an unqualified Yes without recent evidence: {headline!r}")
    if source and source["source_strength"] == "old" and "years old" not in headline:
        problems.append(f"an old source not said to be old: {headline!r}")
    if answer["self_referral"] == "not_available" and "you can refer yourself" in headline:
        problems.append(f"not available but the headline says {headline!r}")

    soup = BeautifulSoup(html, "html.parser")

    def text(el) -> str:
        return " ".join(el.get_text(" ").split())

    if text(soup.select_one(".selfref-headline")) != headline:
        problems.append("the page shows another headline")
    metas = [text(el) for el in soup.select(".selfref-service .meta")]
    if len(metas) != len(services):
        problems.append(f"the page shows {len(metas)} of {len(services)} services' sources")
    for service, meta in zip(services, metas, strict=False):
        dated = service["source_date_text"]
        if not meta.startswith(f"Source {'dated ' + dated if dated else 'undated'}, read on "):
            problems.append(f"{service['id']}: the page does not date its source: {meta!r}")
    title = text(soup.select_one(".selfref-fallback h3"))
    if title != ("If this does not apply to you" if services else "What you can do"):
        problems.append(f"the nation advice is titled {title!r}")
    return problems


def test_no_answer_contradicts_itself_on_the_page_or_in_the_api(app, client):
    found = {}
    with app.test_request_context():
        for place in PLACES:
            answer = answer_for(*place)
            # the API answers with this dict as JSON: it must survive the round trip intact
            assert json.loads(json.dumps(answer)) == answer
            html = render_template("_selfref_panel.html", selfref=answer)
            problems = contradictions(answer, html)
            if problems:
                found[f"{place[1]} {place[0]}"] = problems
    assert found == {}


def test_the_check_catches_a_contradiction(app):
    answer = answer_for("ZZ9", "E08000035", "Leeds", "england")
    answer["fallback"]["eligibility"] = "We have not checked your area yet."
    answer["self_referral"] = "available"
    with app.test_request_context():
        html = render_template("_selfref_panel.html", selfref=answer)
    problems = contradictions(answer, html)
    assert any("nation text contradicts" in p for p in problems)
    assert any("without a service" in p for p in problems)


def test_the_api_gives_every_service_its_source_date_and_quote(client):
    body = client.get("/api/v1/self-referral?postcode=BT21+0EF").get_json()
    for service in body["services"] + [body["fallback"]]:
        assert {"source_date", "read_on", "evidence_quote", "stale"} <= set(service)
