"""GCC register (chiropractors): search by registration number, by postcode or of the whole
register, with paging.

The markup below is the chiro_results search that other people's code read from the live site
from 2019 to late 2023 (LIVE-CODE, real-registers.md §3): the last verified layout, not a known
dead one. Whether it is still current is UNKNOWN: when a real page is captured
(`finder registers capture gcc NUMBER`), correct the constants here (and `results_url`).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator
from urllib.parse import urlencode

from bs4 import BeautifulSoup, Tag

from scrapers.errors import LayoutChanged, check_not_refused, require_ok, unrecognised
from scrapers.paging import MAX_PAGES_PER_SEARCH, MAX_PAGES_WHOLE_REGISTER, result_pages
from scrapers.records import (
    INACTIVE,
    REGISTERED,
    RESTRICTED,
    NotFound,
    Practice,
    Registration,
    ResultPage,
    clean,
    lines_of,
    mailto_address,
    map_status,
    normalise_key,
    page_hash,
    split_address,
)

REGISTER = "gcc"
PROFESSION = "chiropractor"
DEFAULT_BASE_URL = "https://www.gcc-uk.org"
RESULTS_PATH = "/search/chiro_results"  # LIVE-CODE 2019, 2023
NUMBER_PARAMETER = "chiro_registration_number"  # LIVE-LINK: 5 digits, leading zero kept
# ?chiro_postcode=&chiro_latitude=&chiro_longitude=: the caller geocodes (LIVE-CODE 2019).
POSTCODE_PARAMETERS = ("chiro_postcode", "chiro_latitude", "chiro_longitude")
PAGE_SIZE = 10  # paging is by a /P{offset} path segment in steps of 10 (LIVE-CODE 2019, 2023)
# With no query at all, /search/chiro_results/P{offset} walks the whole register (LIVE-CODE
# 2019, 2023): (what it is, the query sent).
WHOLE_REGISTER_WALKS = (("no query", {}),)  # LIVE-CODE 2019, 2023
NUMBER_DIGITS = 5  # LIVE-LINK, LIVE-CODE 2023: "0xxxx"
NUMBER_PATTERN = re.compile(r"^[0-9]{1,5}$")  # as typed by a user (ASCII digits only)
FULL_NUMBER = re.compile(r"[0-9]{5}")  # as the register prints it
# 'Sorry, there are no results. Please try <a href="/">another search</a>.' (LIVE-CODE 2023)
NO_RESULTS_TEXT = "Sorry, there are no results"

CARD = {
    # class="card chiro_card p-4 border-none" (LIVE-CODE 2023)
    "card": "div.card.chiro_card",
    # ShysterWatch reads the card's h3, g3e729 its .card-title (LIVE-CODE 2019, 2023): the
    # first, else the second.
    "name": ".card-title",
    "name_fallback": "h3",
    # <span class="text-light-blue">Registration Number:</span><span>04567</span> (LIVE-CODE 2023)
    "label": "span.text-light-blue",
    "first_link": "a",  # the email is the card's first link, when it is mailto: (LIVE-CODE 2023)
    # Tab panes "practice-detail-container tab-pane active show" and "... tab-pane " (LIVE-CODE
    # 2023), each with a div.card per clinic: h6 name, first p address, a[href=tel:] phone.
    "practice": "div.practice-detail-container",
    "clinic": "div.card",
    "practice_name": "h6",
    "practice_address": "p",
    "practice_phone": "a[href^=tel]",
    "practice_email": "a[href^=mailto]",  # UNKNOWN whether clinics show one; read if present
}
NUMBER_LABEL = "Registration Number:"  # LIVE-CODE 2023
STATUS_LABEL = "Registration Status:"  # LIVE-CODE 2023
NO_PHONE_TEXT = "No phone number listed"  # LIVE-CODE 2023
PAGE = "GCC results page"  # how LayoutChanged names the page

# Raw status -> outcome. Only non-practising is OFFICIAL ("listed as 'non-practising'", its
# capitals on the card UNKNOWN); the other wordings are UNKNOWN, best guesses from a third-party
# list of categories. Anything else is 'unknown' for a human to read.
STATUS_OUTCOMES = {
    "non-practising": INACTIVE,  # OFFICIAL
    "practising": REGISTERED,  # UNKNOWN wording, best guess (3P category)
    "registered": REGISTERED,  # UNKNOWN wording, best guess
    "conditions of practice": RESTRICTED,  # UNKNOWN wording, best guess (3P category)
    "admonishment": RESTRICTED,  # UNKNOWN wording, best guess (3P category)
    "admonished": RESTRICTED,  # UNKNOWN wording, best guess
    "suspended": INACTIVE,  # UNKNOWN wording, best guess (3P category)
    "interim suspension": INACTIVE,  # UNKNOWN wording, best guess (3P category)
    "removed": INACTIVE,  # UNKNOWN wording, best guess (3P category)
}


def normalise_number(number: str) -> str:
    """Five digits with leading zeros kept or restored ('4567' -> '04567'); ValueError otherwise."""
    compact = "".join(number.split())
    if not NUMBER_PATTERN.match(compact):
        raise ValueError(f"not a GCC registration number: {number!r}")
    return compact.zfill(NUMBER_DIGITS)


def results_url(base_url: str, query: dict[str, str], offset: int = 0) -> str:
    paging = f"/P{offset}" if offset else ""
    search = f"?{urlencode(query)}" if query else ""
    return f"{base_url.rstrip('/')}{RESULTS_PATH}{paging}{search}"


def number_search_url(base_url: str, number: str) -> str:
    number = normalise_number(number)
    if number.isascii():  # digits, which urlencode leaves alone: skip its cost
        return f"{base_url.rstrip('/')}{RESULTS_PATH}?{NUMBER_PARAMETER}={number}"
    return results_url(base_url, {NUMBER_PARAMETER: number})


def postcode_search_url(
    base_url: str, postcode: str, latitude: float, longitude: float, offset: int = 0
) -> str:
    values = (postcode, f"{latitude:.6f}", f"{longitude:.6f}")
    query = dict(zip(POSTCODE_PARAMETERS, values, strict=True))
    return results_url(base_url, query, offset)


def fetch_by_number(session, base_url: str, number: str) -> tuple[str, int, str]:
    return session.fetch(number_search_url(base_url, number))


def parse_results(text: str, url: str) -> ResultPage:
    """Pure: one page of result cards; items are Registration records.

    `at_end` when the no-results message shows or the page is not full.
    """
    check_not_refused(text, url)
    soup = BeautifulSoup(text, "html.parser")
    cards = soup.select(CARD["card"])
    if not cards:
        if normalise_key(NO_RESULTS_TEXT) in normalise_key(soup.get_text(" ")):
            return ResultPage(REGISTER, url, page_hash(text), (), at_end=True)
        raise unrecognised(text, url, f"{PAGE}: no {CARD['card']} and no {NO_RESULTS_TEXT!r}")
    digest = page_hash(text)
    registrations = tuple(_card(card, url, digest) for card in cards)
    return ResultPage(REGISTER, url, digest, registrations, at_end=len(cards) < PAGE_SIZE)


# Pages a lookup by number reads: one.
REQUESTS_PER_LOOKUP = 1


def lookup(session, base_url: str, number: str) -> Registration | NotFound:
    """Check one chiropractor by registration number."""
    number = normalise_number(number)
    url, status, text = fetch_by_number(session, base_url, number)
    require_ok(url, status)
    page = parse_results(text, url)
    if not page.items:
        return NotFound(REGISTER, number, url, page.page_sha256)
    for registration in page.items:
        if registration.registration_number == number:
            return registration
    # Other people for a number search means the filter was ignored: never "not found".
    raise LayoutChanged(f"{PAGE}: a number search listed other registrants", url)


def iter_search_pages(
    session,
    base_url: str,
    postcode: str,
    *,
    latitude: float,
    longitude: float,
    radius: float | None = None,
    start_page: int = 1,
    max_pages: int = MAX_PAGES_PER_SEARCH,
) -> Iterator[ResultPage]:
    """The postcode search, page by page from `start_page` (see
    `scrapers.paging.result_pages`), following /P{offset}. GCC chooses the radius itself:
    `radius` is taken, as every paging register takes it, and not sent."""

    def url(offset: int) -> str:
        return postcode_search_url(base_url, postcode, latitude, longitude, offset)

    return _result_pages(session, url, start_page, max_pages)


def iter_register_pages(
    session,
    base_url: str,
    *,
    way: int = 0,
    start_page: int = 1,
    max_pages: int = MAX_PAGES_WHOLE_REGISTER,
) -> Iterator[ResultPage]:
    """Every chiropractor on the register, page by page, asked the `way`-th of
    WHOLE_REGISTER_WALKS. A register that does not allow it answers its first page with no
    results (or a page not understood): the caller then searches place by place."""
    _, query = WHOLE_REGISTER_WALKS[way]
    return _result_pages(
        session, lambda offset: results_url(base_url, query, offset), start_page, max_pages
    )


def _result_pages(
    session, url_at: Callable[[int], str], start_page: int, max_pages: int
) -> Iterator[ResultPage]:
    """The results pages at url_at(offset), /P{offset} moving on PAGE_SIZE a page."""

    def read_page(page: int) -> ResultPage:
        url, status, text = session.fetch(url_at((page - 1) * PAGE_SIZE))
        require_ok(url, status)
        return parse_results(text, url)

    return result_pages(read_page, _numbers, start_page=start_page, max_pages=max_pages)


def _numbers(page: ResultPage) -> tuple[str, ...]:
    """Cards carry their page's address, so pages compare by the numbers they list."""
    return tuple(registration.registration_number for registration in page.items)


def _card(card: Tag, url: str, digest: str) -> Registration:
    name_tag = card.select_one(CARD["name"]) or card.select_one(CARD["name_fallback"])
    name = clean(name_tag.get_text(" ")) if name_tag is not None else ""
    labelled = _labelled_values(card)
    number = "".join(labelled.get(normalise_key(NUMBER_LABEL), "").split())
    status_raw = labelled.get(normalise_key(STATUS_LABEL), "")
    missing = [
        what
        for what, value in (("a name", name), (NUMBER_LABEL, number), (STATUS_LABEL, status_raw))
        if not value
    ]
    if missing:
        raise LayoutChanged(f"{PAGE}: a result card lacks {', '.join(missing)}", url)
    if not FULL_NUMBER.fullmatch(number):
        raise LayoutChanged(f"{PAGE}: registration number not understood: {number!r}", url)
    outcome, reason = map_status(status_raw, STATUS_OUTCOMES)
    first_link = card.select_one(CARD["first_link"])
    is_mailto = first_link is not None and str(first_link.get("href", "")).startswith("mailto:")
    return Registration(
        register=REGISTER,
        registration_number=number,
        name=name,
        profession=PROFESSION,
        status_raw=status_raw,
        outcome=outcome,
        outcome_reason=reason,
        source_url=url,
        page_sha256=digest,
        email=mailto_address(first_link) if is_mailto else None,
        practices=tuple(
            _practice(clinic, url)
            for pane in card.select(CARD["practice"])
            for clinic in _clinics(pane, url)
        ),
    )


def _labelled_values(card: Tag) -> dict[str, str]:
    """'registration number:' -> value, from label spans and the span that follows each."""
    values: dict[str, str] = {}
    for label in card.select(CARD["label"]):
        value = label.find_next_sibling("span")
        if value is not None:
            values.setdefault(normalise_key(label.get_text(" ")), clean(value.get_text(" ")))
    return values


def _clinics(pane: Tag, url: str) -> list[Tag]:
    clinics = pane.select(CARD["clinic"])
    if not clinics:
        raise LayoutChanged(f"{PAGE}: a practice tab without a {CARD['clinic']}", url)
    return clinics


def _practice(clinic: Tag, url: str) -> Practice:
    name_tag = clinic.select_one(CARD["practice_name"])
    name = clean(name_tag.get_text(" ")) if name_tag is not None else ""
    if not name:
        raise LayoutChanged(f"{PAGE}: a practice without a clinic name", url)
    phone_link = clinic.select_one(CARD["practice_phone"])
    phone = clean(phone_link.get_text(" ")) if phone_link is not None else None
    if phone and normalise_key(phone) == normalise_key(NO_PHONE_TEXT):
        phone = None
    # The address is the first paragraph that is not a phone or email line.
    contact = f"{CARD['practice_phone']}, {CARD['practice_email']}"
    address_tag = next(
        (p for p in clinic.select(CARD["practice_address"]) if not p.select(contact)), None
    )
    address, postcode = split_address(lines_of(address_tag))
    return Practice(
        name=name,
        address_lines=address,
        postcode=postcode,
        phone=phone or None,
        email=mailto_address(clinic.select_one(CARD["practice_email"])),
    )


if __name__ == "__main__":
    from scrapers import main

    sys.exit(main(sys.argv[1:], register=REGISTER))
