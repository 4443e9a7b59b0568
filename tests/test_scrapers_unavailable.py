"""Every register's parser refuses a page that is not an answer (an outage, Cloudflare's
challenge, a page cut short in transit) as the register being unavailable, never as a result."""

from __future__ import annotations

import pytest
from pages import read

from scrapers import gcc, gosc, hcpc
from scrapers.errors import RegisterUnavailable

URL = "https://register.example/page"


NOT_ANSWERS = [  # (parser, page, the reason it gives)
    (hcpc.parse_detail, "hcpc_outage.html", "outage banner"),
    (hcpc.parse_detail, "hcpc_challenge.html", "403 challenge page"),
    (hcpc.parse_detail, "hcpc_truncated.html", "truncated page"),
    (gosc.parse_practices, "gosc_outage.html", "outage page ('temporarily unavailable')"),
    (gosc.parse_practices, "gosc_challenge.html", "403 challenge page"),
    (gosc.parse_practices, "gosc_truncated.html", "truncated page"),
    (gcc.parse_results, "gcc_outage.html", "outage page ('down for maintenance')"),
    (gcc.parse_results, "gcc_challenge.html", "403 challenge page"),
    (gcc.parse_results, "gcc_truncated.html", "truncated page"),
]


@pytest.mark.parametrize(
    ("parse", "name", "reason"), NOT_ANSWERS, ids=[name for _, name, _ in NOT_ANSWERS]
)
def test_outage_challenge_and_truncated_pages_are_register_unavailable(parse, name, reason):
    with pytest.raises(RegisterUnavailable) as caught:
        parse(read(name), URL)
    assert caught.value.reason == reason
