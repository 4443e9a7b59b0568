"""What the register modules refuse: a page that is not an answer (an outage, Cloudflare's
challenge, a page cut short in transit) is the register being unavailable, never a result; and
something that is not a registration number (digits of other scripts included) is not looked up."""

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


NOT_HCPC_NUMBERS = ["", "123456", "XX123456", "PH1234567", "PH-12", "PH١٢٣"]
NOT_GCC_NUMBERS = ["", "123456", "G4567", "04-567", "٤٥٦٧"]
NOT_NUMBERS = [(hcpc.normalise_number, bad) for bad in NOT_HCPC_NUMBERS] + [
    (gcc.normalise_number, bad) for bad in NOT_GCC_NUMBERS
]


@pytest.mark.parametrize(
    ("normalise", "bad"), NOT_NUMBERS, ids=[f"{n.__module__}:{bad}" for n, bad in NOT_NUMBERS]
)
def test_something_that_is_not_a_number_is_refused(normalise, bad):
    with pytest.raises(ValueError):
        normalise(bad)
