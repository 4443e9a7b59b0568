"""The search pages in a real headless Chromium: axe-core's WCAG 2.2 AA check with the map on
and off, the map's markers, a search done with the keyboard alone, and what a phone's first
screen shows. The map's tiles point at a closed port of 127.0.0.1 (no tiles reachable, as on
this network and in CI): the markers must show on a plain background all the same."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from browser import assert_accessible, csp_violations
from test_pages_search import load, stamp

from finder import create_app, db, directory

pytestmark = pytest.mark.browser

NO_TILES = "http://127.0.0.1:9/{z}/{x}/{y}.png"  # port 9 (discard): nothing answers


@pytest.fixture(params=[NO_TILES, ""], ids=["map", "no map"])
def map_tiles(request):
    return request.param


@pytest.fixture
def app(data_dir, request):
    tiles = (
        request.getfixturevalue("map_tiles") if "map_tiles" in request.fixturenames else NO_TILES
    )
    return create_app(
        {"TESTING": True, "DATA_DIR": str(data_dir), "SECRET_KEY": "test", "MAP_TILES": tiles}
    )


@pytest.fixture
def leeds(data_dir):
    load(data_dir)


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/search",
        "/search?postcode=LS6+2AB&miles=5",  # results
        "/search?postcode=LS6+2AB&profession=physiotherapist",  # with the self-referral panel
        "/search?postcode=LS1+4DY&profession=osteopath&miles=1",  # none within: the nearest
        "/search?postcode=LS6+2A",  # an error
        "/search?postcode=LS6+2AB&profession=dentist",  # a profession not on the list
        "/search?postcode=LS6+2AB&page=x",  # a page number that is no field's fault
        "/search?postcode=LS6+2AB&page=9",  # past the last page
        "/search?postcode=LS6",  # an outward code
        "/practices/2?postcode=LS6+2AB&miles=5",
    ],
)
def test_search_pages_pass_the_axe_check(browser, live_server, leeds, map_tiles, path):
    assert_accessible(browser, live_server + path)


def test_the_policy_check_catches_what_the_policy_blocks(browser, live_server, app):
    # assert_accessible fails on these; a check that could never fail would prove nothing.
    @app.get("/inline")
    def inline():
        return (
            '<!doctype html><html lang="en"><title>x</title><main>'
            '<p style="color: red">styled</p><script>document.title = "ran"</script></main>'
        )

    csp_violations(browser)
    browser.get(live_server + "/inline")
    blocked = csp_violations(browser)
    assert browser.title == "x"  # the inline script did not run
    assert len(blocked) == 2, blocked  # the style attribute and the script


def test_a_person_can_search_and_page_with_the_keyboard_alone(browser, live_server, leeds):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(live_server + "/")
    postcode = browser.find_element(By.ID, "postcode")
    postcode.send_keys("LS6 2AB")
    postcode.send_keys(Keys.TAB)  # to the first profession radio, "Any of these"
    browser.switch_to.active_element.send_keys(Keys.ARROW_DOWN)  # -> Physiotherapist
    browser.switch_to.active_element.send_keys(Keys.ARROW_DOWN)  # -> Osteopath
    browser.switch_to.active_element.send_keys(Keys.TAB)  # to the distance
    for _ in range(5):  # past the filters: three boxes and the language, to the button
        browser.switch_to.active_element.send_keys(Keys.TAB)
    assert browser.switch_to.active_element.text == "Search"
    browser.switch_to.active_element.send_keys(Keys.ENTER)
    WebDriverWait(browser, 10).until(lambda b: "/search?" in b.current_url)
    names = [e.text for e in browser.find_elements(By.CSS_SELECTOR, ".results .practice-name")]
    assert names == ["Headingley Osteopaths"]
    assert "profession=osteopath" in browser.current_url


def markers(browser) -> list[str]:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser, 10).until(
        lambda b: b.find_elements(By.CSS_SELECTOR, ".leaflet-marker-icon.map-origin")
    )
    found = browser.find_elements(By.CSS_SELECTOR, ".leaflet-marker-icon.map-marker")
    return [marker.get_attribute("aria-label") for marker in found]


@pytest.mark.parametrize(
    ("path", "names"),
    [
        (
            "/search?postcode=LS6+2AB&miles=5",
            ["Headingley Osteopaths", "Hyde Park Physiotherapy", "City Chiropractic"],
        ),
        ("/search?postcode=LS1+4DY&profession=osteopath&miles=1", ["Headingley Osteopaths"]),
    ],
)
def test_the_map_has_a_marker_for_each_result_and_one_for_the_postcode(
    browser, live_server, leeds, path, names
):
    from selenium.webdriver.common.by import By

    csp_violations(browser)
    browser.get(live_server + path)
    assert markers(browser) == [f"{n}. {name}" for n, name in enumerate(names, start=1)]
    assert len(browser.find_elements(By.CSS_SELECTOR, ".map-origin")) == 1
    section = browser.find_element(By.CSS_SELECTOR, ".results-map")
    assert section.is_displayed()
    assert section.size["height"] > 200  # drawn, though no tile arrives
    assert csp_violations(browser) == []


@pytest.mark.parametrize("map_tiles", [""], ids=["no map"])
def test_with_the_map_off_the_page_has_no_map_and_no_script(browser, live_server, leeds, map_tiles):
    from selenium.webdriver.common.by import By

    browser.get(live_server + "/search?postcode=LS6+2AB&miles=5")
    assert browser.find_elements(By.CSS_SELECTOR, ".results-map, script") == []
    assert len(browser.find_elements(By.CSS_SELECTOR, ".results > li")) == 3


def test_keyboard_users_can_skip_the_map(browser, live_server, leeds):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    browser.get(live_server + "/search?postcode=LS6+2AB&miles=5")
    markers(browser)
    last_card_link = browser.find_elements(By.CSS_SELECTOR, ".results a")[-1]
    last_card_link.send_keys(Keys.TAB)  # the next stop after the list: the skip link
    skip = browser.switch_to.active_element
    assert (skip.text, skip.get_attribute("class")) == ("Skip the map", "skip-map")
    skip.send_keys(Keys.ENTER)
    assert browser.switch_to.active_element.get_attribute("id") == "about-statuses"


FIRST_NAMES = ["Eilidh", "Dafydd", "Niamh", "Kasia", "Oluwaseun", "Priya", "Tomasz", "Zara"]
LAST_NAMES = ["Fenwick", "Pryce", "Iqbal", "Garside", "Wardle", "Adeyemi", "Baird", "Carrick"]


@pytest.fixture
def busy(data_dir):
    """A busy postcode as the sample directory makes them (sample data, so with its notice and
    badges), made the same every run: 30 practices round LS1 4DY, most with one practitioner,
    and the two nearest with three each, one of them out of date and one with conditions in
    the register's words: the tallest cards a page shows first."""
    database = db.open_main(data_dir)
    people, practices = [], []
    for i in range(30):
        staff = [("gosc", f"9{i:02d}{k}") for k in range(3 if i < 2 else 1)]
        for register, number in staff:
            person = f"{FIRST_NAMES[len(people) % 8]} {LAST_NAMES[len(people) // 8 % 8]}"
            people.append((register, number, person))
        practices.append((i, staff))
    directory.upsert_practitioners(
        database,
        [
            {
                "register": r,
                "registration_number": n,
                "name": name,
                "profession": "osteopath",
                "source": directory.SAMPLE_SOURCE,
            }
            for r, n, name in people
        ],
    )
    for i, staff in practices:
        directory.upsert_practice(
            database,
            {
                "key": f"sample:{i}",
                "name": f"{['Castle', 'Orchard', 'Station'][i % 3]} Osteopathy Clinic",
                "address": [f"{100 + i} Castle Hill", "Leeds"],
                "postcode": "LS1 5EU",
                "latitude": 53.7951 + i * 0.001,
                "longitude": -1.5466,
                "phone": "01632 960170",
                "features": {"home_visits": True, "wheelchair_access": True, "languages": []},
                "source": directory.SAMPLE_SOURCE,
            },
            staff,
        )
    states = [
        ("registered", "Registered", 6),
        ("registered", "Registered", 69),
        ("restricted", "Conditions of practice order", 12),
    ]
    for k, (register, number, _) in enumerate(people):
        outcome, words, days = states[k % 3] if k < 6 else states[0]
        database["registrations"].insert(
            {
                "register": register,
                "registration_number": number,
                "outcome": outcome,
                "status_raw": words,
                "checked_at": stamp(days),
                "source_url": f"https://register.example/{number}",
            }
        )
    database.close()
    return "LS1 4DY"


@pytest.mark.parametrize("map_tiles", [NO_TILES], ids=["map"])
def test_a_phone_shows_at_least_two_whole_practice_cards_on_its_first_screen(
    browser, live_server, busy, map_tiles, tmp_path
):
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": True},
    )
    try:
        browser.get(live_server + f"/search?postcode={busy.replace(' ', '+')}&miles=10")
        boxes = browser.execute_script(
            "return [window.innerWidth, window.innerHeight, "
            "[...document.querySelectorAll('.results > li')].map(card => {"
            "  const box = card.getBoundingClientRect(); return [box.top, box.bottom]; })];"
        )
        folder = Path(os.environ.get("FINDER_SCREENSHOTS") or tmp_path)
        browser.save_screenshot(str(folder / "results-390x844.png"))
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    width, height, cards = boxes
    assert (width, height) == (390, 844)
    assert len(cards) == 20  # a busy postcode: a full page
    assert boxes[2][1][1] - boxes[2][1][0] > 200  # the three-practitioner cards come first
    whole = [top for top, bottom in cards if top >= 0 and bottom <= height]
    assert len(whole) >= 2, f"only {len(whole)} whole cards on the first screen: {cards[:3]}"
