"""The results page's filters, checked against the page itself: at random (seeded) searches of
the sample directory, the filtered pages list exactly the practices a person would keep by
reading the unfiltered pages' cards, and the count, the paging and the way back keep them."""

from __future__ import annotations

import random
import re

import pytest
from bs4 import BeautifulSoup

from finder import db
from finder.directory import demo
from finder.vocabulary import LANGUAGES

FILTERS = ("home_visits", "wheelchair_access", "language", "registered_only")


@pytest.fixture
def sample(data_dir, postcode_db_path):
    database = db.open_main(data_dir)
    demo.load_sample(database, postcode_db_path, 800, seed=17)
    places = [row[0] for row in database.execute("select postcode from practices order by id")]
    database.close()
    return places


def all_cards(client, url: str) -> tuple[int, dict[str, BeautifulSoup]]:
    """(the count the page states, {practice link path: card}) over every page of a search."""
    cards, stated = {}, 0
    while url:
        response = client.get(url)
        assert response.status_code == 200, url
        soup = BeautifulSoup(response.data, "html.parser")
        summary = soup.select_one("#results-summary")
        stated = int(summary.get_text().split()[0]) if summary else 0
        for card in soup.select("ol.results:not(.nearest) > li.result"):
            link = card.select_one(".practice-name a")["href"]
            cards[link.split("?")[0]] = card
        following = soup.select_one('.pagination a[rel="next"]')
        url = following["href"] if following else None
    return stated, cards


def confirmed_lines(card, profession: str) -> list[str]:
    """The practitioner lines a person reads as confirmed: registered (perhaps with
    conditions), checked, and no doubt on the line."""
    lines = []
    for item in card.select(".practitioners li"):
        text = " ".join(item.get_text(" ", strip=True).split())
        status = item.select_one("a.registration")
        if profession and f", {profession}:" not in text:
            continue
        if (
            status is not None
            and status.get_text().startswith("Registered")
            and " · checked " in text
            and item.select_one(".registration-warning") is None
        ):
            lines.append(text)
    return lines


def kept_by_hand(card, chosen: dict, profession: str) -> bool:
    features = card.select_one(".features")
    offered = features.get_text() if features else ""
    if chosen.get("home_visits") and "Home visits" not in offered:
        return False
    if chosen.get("wheelchair_access") and "Wheelchair access" not in offered:
        return False
    if chosen.get("language") and not re.search(
        rf"\b{LANGUAGES[chosen['language']]}\b.* spoken", offered
    ):
        return False
    return not chosen.get("registered_only") or bool(confirmed_lines(card, profession))


def random_filters(rng: random.Random, languages: list[str]) -> dict:
    chosen = {}
    while not chosen:
        for name in ("home_visits", "wheelchair_access", "registered_only"):
            if rng.random() < 0.4:
                chosen[name] = "1"
        if rng.random() < 0.3:
            chosen["language"] = rng.choice(languages)
    return chosen


@pytest.mark.parametrize("seed", range(10))
def test_filters_give_the_practices_a_person_would_keep_from_the_unfiltered_list(
    client, sample, seed
):
    rng = random.Random(seed)
    everything = {}
    while not everything:  # a search with something to filter
        postcode = rng.choice(sample)
        profession = rng.choice(["", "physiotherapist", "osteopath", "chiropractor"])
        miles = rng.choice([5, 10, 25])
        base = f"/search?postcode={postcode.replace(' ', '+')}&miles={miles}"
        if profession:
            base += f"&profession={profession}"
        _, everything = all_cards(client, base)
    chosen = random_filters(rng, ["cy", "pl", "ur", "pa"])  # among the sample's languages
    filters = "".join(f"&{name}={value}" for name, value in chosen.items())

    expected = {link for link, card in everything.items() if kept_by_hand(card, chosen, profession)}
    stated, filtered = all_cards(client, base + filters)

    assert set(filtered) == expected, (base + filters, chosen)
    assert stated == len(expected)
    if chosen.get("registered_only"):  # only the confirmed practitioners are listed
        for link, card in filtered.items():
            lines = [" ".join(li.get_text(" ", strip=True).split()) for li in card.select("li")]
            assert lines == confirmed_lines(everything[link], "")


def test_the_filters_survive_paging_the_practice_page_and_back_to_results(client, sample):
    rng = random.Random(3)
    wanted = "&wheelchair_access=1&registered_only=1"
    for postcode in rng.sample(sample, 40):
        url = f"/search?postcode={postcode.replace(' ', '+')}&miles=25{wanted}"
        soup = BeautifulSoup(client.get(url).data, "html.parser")
        following = soup.select_one('.pagination a[rel="next"]')
        if following:
            break
    else:
        pytest.fail("no search of the sample had a second page")
    assert following["href"].endswith(f"{wanted}&page=2")
    second = BeautifulSoup(client.get(following["href"]).data, "html.parser")
    assert second.select_one('.pagination a[rel="prev"]')["href"].endswith(wanted)
    link = second.select_one(".results .practice-name a")["href"]
    assert link.endswith(f"{wanted}&page=2")
    practice = BeautifulSoup(client.get(link).data, "html.parser")
    back = practice.select_one("a.back-link")["href"]
    assert back == following["href"]
    form = second.select_one(".change-search form")
    assert [box["name"] for box in form.select("input[type=checkbox][checked]")] == [
        "wheelchair_access",
        "registered_only",
    ]


def test_nothing_within_the_distance_names_the_filters(client, sample):
    for postcode in sample:
        url = f"/search?postcode={postcode.replace(' ', '+')}&miles=1&home_visits=1&language=pl"
        soup = BeautifulSoup(client.get(url).data, "html.parser")
        if empty := soup.select_one(".no-results-message"):
            break
    else:
        pytest.fail("every search found a practice")
    assert f"with home visits and Polish spoken within 1 mile of {postcode}." in empty.get_text()


@pytest.mark.parametrize(
    ("query", "field"),
    [("home_visits=maybe", "home_visits"), ("language=xx", "language")],
)
def test_a_hand_edited_filter_is_a_400_naming_it(client, sample, query, field):
    response = client.get(f"/search?postcode=LS6+2AB&{query}")
    assert response.status_code == 400
    soup = BeautifulSoup(response.data, "html.parser")
    assert [a["href"] for a in soup.select(".error-summary a")] == [f"#{field}"]
    assert soup.select_one("#filters-error") is not None
