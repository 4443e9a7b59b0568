"""GCC register (chiropractors): search by registration number or by postcode, with paging.

The markup below is the chiro_results search used from about 2019 [code]. The site has since been
rebuilt as "Find a Chiropractor" with unknown URLs and markup: when a real page is captured,
correct the constants here (and `results_url`) in one place.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from urllib.parse import urlencode

from bs4 import BeautifulSoup, Tag

from scrapers.errors import LayoutChanged, check_not_refused, require_ok, unrecognised
from scrapers.paging import MAX_PAGES_PER_SEARCH, result_pages
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
RESULTS_PATH = "/search/chiro_results"
PAGE_SIZE = 10  # paging is by a /P{offset} path segment in steps of 10
NUMBER_DIGITS = 5
NUMBER_PATTERN = re.compile(r"^[0-9]{1,5}$")  # as typed by a user (ASCII digits only)
FULL_NUMBER = re.compile(r"[0-9]{5}")  # as the register prints it
NO_RESULTS_TEXT = "Sorry, there are no results"

CARD = {
    "card": "div.card.chiro_card",
    "name": "h3.card-title",
    "label": "span.text-light-blue",
    "email": "a[href^=mailto]",
    "practice": "div.practice-detail-container",
    "practice_name": "h6",
    "practice_address": "p",
    "practice_phone": "a[href^=tel]",
    "practice_email": "a[href^=mailto]",
}
NUMBER_LABEL = "Registration Number:"
STATUS_LABEL = "Registration Status:"
NO_PHONE_TEXT = "No phone number listed"

# Raw status -> outcome. Wordings are from a third-party description; anything else is 'unknown'.
STATUS_OUTCOMES = {
    "practising": REGISTERED,
    "registered": REGISTERED,
    "conditions of practice": RESTRICTED,
    "admonishment": RESTRICTED,
    "admonished": RESTRICTED,
    "non-practising": INACTIVE,
    "suspended": INACTIVE,
    "interim suspension": INACTIVE,
    "removed": INACTIVE,
}


def normalise_number(number: str) -> str:
    """Five digits with leading zeros kept or restored ('4567' -> '04567'); ValueError otherwise."""
    compact = "".join(number.split())
    if not NUMBER_PATTERN.match(compact):
        raise ValueError(f"not a GCC registration number: {number!r}")
    return compact.zfill(NUMBER_DIGITS)


def results_url(base_url: str, query: dict[str, str], offset: int = 0) -> str:
    paging = f"/P{offset}" if offset else ""
    return f"{base_url.rstrip('/')}{RESULTS_PATH}{paging}?{urlencode(query)}"


def number_search_url(base_url: str, number: str) -> str:
    number = normalise_number(number)
    if number.isascii():  # digits, which urlencode leaves alone: skip its cost
        return f"{base_url.rstrip('/')}{RESULTS_PATH}?chiro_registration_number={number}"
    return results_url(base_url, {"chiro_registration_number": number})


def postcode_search_url(
    base_url: str, postcode: str, latitude: float, longitude: float, offset: int = 0
) -> str:
    query = {
        "chiro_postcode": postcode,
        "chiro_latitude": f"{latitude:.6f}",
        "chiro_longitude": f"{longitude:.6f}",
    }
    return results_url(base_url, query, offset)


def fetch_by_number(session, base_url: str, number: str) -> tuple[str, int, str]:
    return session.fetch(number_search_url(base_url, number))


def fetch_by_postcode(
    session, base_url: str, postcode: str, latitude: float, longitude: float, offset: int = 0
) -> tuple[str, int, str]:
    return session.fetch(postcode_search_url(base_url, postcode, latitude, longitude, offset))


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
        raise unrecognised(text, url, "no result cards and no no-results message")
    digest = page_hash(text)
    registrations = tuple(_card(card, url, digest) for card in cards)
    return ResultPage(REGISTER, url, digest, registrations, at_end=len(cards) < PAGE_SIZE)


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
    raise LayoutChanged("registration number search listed other registrants", url)


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

    def read_page(page: int) -> ResultPage:
        offset = (page - 1) * PAGE_SIZE
        url, status, text = fetch_by_postcode(
            session, base_url, postcode, latitude, longitude, offset
        )
        require_ok(url, status)
        return parse_results(text, url)

    # Cards carry their page's address, so pages compare by the numbers they list.
    def numbers(page: ResultPage) -> tuple[str, ...]:
        return tuple(registration.registration_number for registration in page.items)

    return result_pages(read_page, numbers, start_page=start_page, max_pages=max_pages)


def _card(card: Tag, url: str, digest: str) -> Registration:
    name_tag = card.select_one(CARD["name"])
    name = clean(name_tag.get_text(" ")) if name_tag is not None else ""
    labelled = _labelled_values(card)
    number = "".join(labelled.get(normalise_key(NUMBER_LABEL), "").split())
    status_raw = labelled.get(normalise_key(STATUS_LABEL), "")
    if not name or not status_raw:
        raise LayoutChanged("result card lacks a name or a status", url)
    if not FULL_NUMBER.fullmatch(number):
        raise LayoutChanged(f"registration number not understood: {number!r}", url)
    outcome, reason = map_status(status_raw, STATUS_OUTCOMES)
    email = card.select_one(CARD["email"])
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
        email=mailto_address(email),
        practices=tuple(_practice(pane, url) for pane in card.select(CARD["practice"])),
    )


def _labelled_values(card: Tag) -> dict[str, str]:
    """'registration number:' -> value, from label spans and the span that follows each."""
    values: dict[str, str] = {}
    for label in card.select(CARD["label"]):
        value = label.find_next_sibling("span")
        if value is not None:
            values.setdefault(normalise_key(label.get_text(" ")), clean(value.get_text(" ")))
    return values


def _practice(pane: Tag, url: str) -> Practice:
    name_tag = pane.select_one(CARD["practice_name"])
    name = clean(name_tag.get_text(" ")) if name_tag is not None else ""
    if not name:
        raise LayoutChanged("practice without a clinic name", url)
    phone_link = pane.select_one(CARD["practice_phone"])
    phone = clean(phone_link.get_text(" ")) if phone_link is not None else None
    if phone and normalise_key(phone) == normalise_key(NO_PHONE_TEXT):
        phone = None
    # The address is the first paragraph that is not a phone or email line.
    contact = f"{CARD['practice_phone']}, {CARD['practice_email']}"
    address_tag = next(
        (p for p in pane.select(CARD["practice_address"]) if not p.select(contact)), None
    )
    address, postcode = split_address(lines_of(address_tag))
    return Practice(
        name=name,
        address_lines=address,
        postcode=postcode,
        phone=phone or None,
        email=mailto_address(pane.select_one(CARD["practice_email"])),
    )


if __name__ == "__main__":
    from scrapers import main

    sys.exit(main(sys.argv[1:], register=REGISTER))
