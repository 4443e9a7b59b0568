import pytest
from browser import assert_accessible, axe_violations

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("path", ["/", "/about", "/no-such-page"])
def test_shared_pages_pass_the_axe_check(browser, live_server, path):
    assert_accessible(browser, live_server + path)


def test_the_axe_check_catches_a_real_violation(browser, live_server, app):
    # A check that could never fail proves nothing: an unlabelled input must be reported.
    @app.get("/broken")
    def broken():
        return '<!doctype html><html lang="en"><title>x</title><main><input type="text"></main>'

    ids = {v["id"] for v in axe_violations(browser, live_server + "/broken")}
    assert "label" in ids


def test_pages_carry_no_javascript(client):
    for path in ["/", "/about"]:
        assert b"<script" not in client.get(path).data
