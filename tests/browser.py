"""Real-browser checks: the app served on 127.0.0.1, Debian's headless Chromium, and axe-core.

`make test` installs chromium, chromium-driver and axe-core (npm) before running the suite.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

AXE_JS = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
FAILING_IMPACTS = {"serious", "critical"}
# Without these, Chromium tries to reach Google's services, which this closed network refuses.
CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1280,1000",
]


@pytest.fixture
def live_server(app):
    """Serve the test app on a free port of 127.0.0.1; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture(scope="session")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chromium = shutil.which("chromium")
    chromedriver = shutil.which("chromedriver")
    if not chromium or not chromedriver or not AXE_JS.exists():
        pytest.fail(
            "The browser tests need Debian's chromium and chromium-driver and axe-core: "
            "run `make test`, which installs them."
        )
    profile = tempfile.mkdtemp(prefix="finder-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in [*CHROMIUM_FLAGS, f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})  # for csp_violations
    driver = webdriver.Chrome(options=options, service=Service(executable_path=chromedriver))
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def axe_violations(browser, url: str) -> list[dict]:
    """Load `url` and return axe-core's WCAG 2.2 A/AA violations for the page."""
    browser.get(url)
    browser.execute_script(AXE_JS.read_text(encoding="utf-8"))
    browser.set_script_timeout(30)
    result = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}})"
        ".then(done, error => done({error: String(error)}));",
        WCAG_TAGS,
    )
    if "error" in result:
        raise RuntimeError(f"axe-core failed on {url}: {result['error']}")
    return result["violations"]


def csp_violations(browser) -> list[str]:
    """The browser console's Content-Security-Policy complaints since the last call: what
    the policy blocked (an inline style or script, another site's file) on the pages loaded."""
    return [
        entry["message"]
        for entry in browser.get_log("browser")
        if "Content Security Policy" in entry["message"]
    ]


def assert_accessible(browser, url: str) -> None:
    """Fail on any serious or critical WCAG 2.2 AA violation, listing each with its elements,
    and on anything the page needs that the Content-Security-Policy blocks."""
    csp_violations(browser)  # forget earlier pages' complaints
    failures = [v for v in axe_violations(browser, url) if v["impact"] in FAILING_IMPACTS]
    report = "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']} at "
        + ", ".join(node["target"][0] for node in v["nodes"][:5])
        for v in failures
    )
    assert not failures, f"Accessibility violations on {url}:\n{report}"
    assert csp_violations(browser) == [], f"The Content-Security-Policy blocked parts of {url}"
