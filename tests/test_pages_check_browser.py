"""The check and upload pages pass axe-core's WCAG 2.2 AA check, in their error states too."""

import pytest
from browser import AXE_JS, FAILING_IMPACTS, WCAG_TAGS, assert_accessible
from selenium.webdriver.support.wait import WebDriverWait
from stubregisters import StubRegisters, registration

from scrapers.errors import RegisterUnavailable

pytestmark = pytest.mark.browser


@pytest.fixture
def registers(app):
    stub = StubRegisters()
    stub.add(registration())
    stub.add(registration("gcc", "04567", "Robin Example", status_raw="Suspended",
                          outcome="inactive"))  # fmt: skip
    stub.fail("gosc", "9123", RegisterUnavailable("outage page"))
    app.extensions["register_clients"] = stub
    return stub


@pytest.mark.parametrize(
    "path",
    [
        "/check",
        "/check?register=hcpc&number=PH123456&name=Ellis+Example",
        "/check?register=gcc&number=04567",
        "/check?register=gosc&number=9123",
        "/check?register=hcpc&number=PH12A",
        "/check/bulk",
    ],
    ids=["form", "registered", "inactive", "could-not-check", "bad-number", "upload"],
)
def test_the_check_pages_pass_the_axe_check(browser, live_server, registers, path):
    assert_accessible(browser, live_server + path)


def test_the_upload_page_with_errors_passes_the_axe_check(browser, live_server, registers):
    browser.get(live_server + "/check/bulk")
    browser.find_element("css selector", "form button[type=submit]").click()
    # The click starts a page load; wait for the answer rather than racing it on a busy machine.
    summary = WebDriverWait(browser, 20).until(
        lambda driver: driver.find_elements("css selector", ".error-summary li")
    )
    assert summary[0].text == ("Enter your API key. The service's operator gives insurers one.")
    # The form went through a real browser with its CSRF cookie and token; axe now checks the
    # page it shows: the refused form with its error summary.
    browser.execute_script(AXE_JS.read_text(encoding="utf-8"))
    result = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}}).then(done);",
        WCAG_TAGS,
    )
    assert [v["id"] for v in result["violations"] if v["impact"] in FAILING_IMPACTS] == []


def test_the_being_checked_page_passes_the_axe_check(browser, live_server, app):
    """A register slower than FINDER_CHECK_WAIT: the page that says to ask again."""
    from test_check_queue import HeldRegister

    held = HeldRegister()
    app.config["CHECK_WAIT"] = 0.05
    app.extensions["register_clients"] = held
    try:
        assert_accessible(browser, live_server + "/check?register=hcpc&number=PH123456")
        assert "Being checked" in browser.page_source
    finally:
        held.go.set()
