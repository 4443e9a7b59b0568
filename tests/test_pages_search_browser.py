"""The search pages in a real headless Chromium: axe-core's WCAG 2.2 AA check, and a search
done with the keyboard alone (JavaScript plays no part: the pages carry none)."""

from __future__ import annotations

import pytest
from browser import assert_accessible, csp_violations
from test_pages_search import load

pytestmark = pytest.mark.browser


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
def test_search_pages_pass_the_axe_check(browser, live_server, leeds, path):
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
    browser.switch_to.active_element.send_keys(Keys.TAB)  # to the button
    assert browser.switch_to.active_element.text == "Search"
    browser.switch_to.active_element.send_keys(Keys.ENTER)
    WebDriverWait(browser, 10).until(lambda b: "/search?" in b.current_url)
    names = [e.text for e in browser.find_elements(By.CSS_SELECTOR, ".results .practice-name")]
    assert names == ["Headingley Osteopaths"]
    assert "profession=osteopath" in browser.current_url
