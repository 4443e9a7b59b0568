import pytest
from browser import assert_accessible

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    "query",
    ["", "?postcode=BT34+1TN", "?postcode=G1+1AB", "?postcode=M1+1AD", "?postcode=LS6-2AB"],
)
def test_the_self_referral_page_passes_the_axe_check(browser, live_server, query):
    assert_accessible(browser, live_server + "/self-referral" + query)


def test_the_self_referral_page_carries_no_javascript(client):
    assert b"<script" not in client.get("/self-referral?postcode=G1+1AB").data


def test_the_panel_beside_physiotherapy_results_passes_the_axe_check(browser, live_server):
    assert_accessible(browser, live_server + "/search?postcode=BT34+1TN&profession=physiotherapist")
