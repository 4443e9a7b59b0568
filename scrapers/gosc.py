"""GOsC register (osteopaths): practice search by location or of the whole register, and a
registrant check by number.

The practice search follows code that read the live site in 2023 or before (LIVE-CODE,
real-registers.md §2.2). The registrant search results and the registrant page have never been
seen by anyone whose notes survive (UNKNOWN, §2.3): their selectors are our best guess, and a
page without them raises LayoutChanged naming what was missing, never a guessed outcome. All
of it lives in the constants below, so a captured real page corrects it in one place.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from urllib.parse import urlencode, urljoin, urlsplit

from bs4 import BeautifulSoup, Tag

from scrapers.errors import LayoutChanged, check_not_refused, require_ok, unrecognised
from scrapers.paging import MAX_PAGES_PER_SEARCH, MAX_PAGES_WHOLE_REGISTER, result_pages
from scrapers.records import (
    INACTIVE,
    REGISTERED,
    RESTRICTED,
    NotFound,
    Practice,
    PractitionerLink,
    Registration,
    ResultPage,
    clean,
    lines_of,
    mailto_address,
    map_status,
    normalise_key,
    page_hash,
    parse_date,
    split_address,
)

REGISTER = "gosc"
PROFESSION = "osteopath"
DEFAULT_BASE_URL = "https://www.osteopathy.org.uk"
# ?location=&radius=&surname=&registration=&p= (LIVE-CODE 2023; LIVE-LINK 2021, 2023)
PRACTICES_PATH = "/register-search/practices/"  # LIVE-CODE 2023
REGISTRANTS_PATH = "/register-search/registrants/"  # LIVE-LINK 2021 (the number filter INFERRED)
SEARCH_PARAMETERS = ("location", "radius", "surname", "registration", "p")  # p is 1-based
DEFAULT_RADIUS_MILES = 10  # free-form miles: 5, 10 and 1000 all used (LIVE-LINK, LIVE-CODE)
# Ways to list every practice without searching place by place, best first: (what it is,
# location, radius). Every filter blank pages through "every currently-registered osteopath"
# (3P 2026, crawlerbros); a 1000-mile search from Coventry walked the whole register (LIVE-CODE
# 2023, ShysterWatch: location=cv4+7au&radius=1000), so it is the second try.
WHOLE_REGISTER_WALKS = (
    ("every filter blank", "", ""),  # 3P 2026
    ("1000 miles from CV4 7AU", "CV4 7AU", "1000"),  # LIVE-CODE 2023
)
# The empty page after the last one, and a search that found nothing (LIVE-CODE 2023).
NO_RESULTS_TEXT = "No results were found; please try broadening your search"
NUMBER_PATTERN = re.compile(r"^[0-9]{1,6}$")  # digits; four in every example seen (LIVE-LINK)
# The site's own id in /register-search/practices/{id}-{slug}/ (LIVE-CODE 2023) and
# /register-search/registrants/{id}-{slug}/ (LIVE-LINK 2023). Never the registration number:
# a 2023 page links id 57xx for the osteopath whose mark says 46xx (INFERRED, fairly strong).
ID_FROM_URL = re.compile(r"/(\d+)-[^/]*/?$")
# ShysterWatch cut 4 characters off each practice name's link text (LIVE-CODE 2023); what they
# are is UNKNOWN (whitespace, a list number or a distance), so those are stripped, not 4 chars.
NAME_PREFIX = re.compile(
    r"^(?:\d{1,3}[.)]\s+|\d+(?:\.\d+)?\s*(?:miles?|mi|km)\b\W*)", re.IGNORECASE
)

# Practice search results (LIVE-CODE 2023; div[@class='item'] under div#practices).
PRACTICE_LIST = {
    "container": "div#practices",
    "item": "div.item",
    "name_link": "h3 > a",
    "address": "div.practice-address > address",
    "tel": "div.practice-details > dl dd.tel",
    "email": "div.practice-details > dl dd.email > a[href^=mailto]",
    "web": "div.practice-details > dl dd.web > a",
    "practitioners": "div.practitioners > ul > li > a",
}
# Registrant search results: UNKNOWN, best guess (assumed to mirror the practice list).
REGISTRANT_LIST = {"container": "div#registrants", "item": "div.item", "name_link": "h3 > a"}
# Registrant page: UNKNOWN, best guess. Each label key accepts any of its spellings.
REGISTRANT_PAGE = {
    "container": "div.registrant-detail",
    "name": "h1",
    "fields": "dl.registrant-details",
    "practices": "div.registrant-practices div.item",
}
REGISTRANT_LABELS = {  # UNKNOWN, best guesses from the fields a third party lists (3P 2026)
    "registration_number": ("Registration number",),
    "status": ("Registration status", "Status"),
    "registered_since": ("Date of registration", "Registered since"),
    "qualifications": ("Qualifications",),
    "notes": ("Conditions and hearings", "Conditions of practice", "Hearings"),
}
REQUIRED_LABELS = ("registration_number", "status")

# Raw status -> outcome: every wording UNKNOWN, best guesses. The statute speaks of "full" or
# "conditional" registration (OFFICIAL); suspended osteopaths are left off the published
# register (Osteopaths Act s9, OFFICIAL), so they show up as not found instead.
STATUS_OUTCOMES = {
    "registered": REGISTERED,  # UNKNOWN wording, best guess
    "registered with conditions": RESTRICTED,  # UNKNOWN wording, best guess
    "conditions of practice": RESTRICTED,  # UNKNOWN wording, best guess
    "conditions of practice order": RESTRICTED,  # UNKNOWN wording, best guess
    "admonished": RESTRICTED,  # UNKNOWN wording, best guess
    "admonishment": RESTRICTED,  # UNKNOWN wording, best guess
    "suspended": INACTIVE,  # UNKNOWN wording, best guess
    "interim suspension order": INACTIVE,  # UNKNOWN wording, best guess
    "removed": INACTIVE,  # UNKNOWN wording, best guess
    "non-practising": INACTIVE,  # UNKNOWN wording, best guess
    "lapsed": INACTIVE,  # UNKNOWN wording, best guess
}
MAX_CANDIDATES = 5  # registrant pages to open when a number search lists several people


def normalise_number(number: str) -> str:
    """GOsC numbers are digits only (3-5 in practice), leading zeros stripped ('09123' ->
    '9123'); raises ValueError otherwise."""
    compact = "".join(number.split()).lstrip("0")
    if not compact or not NUMBER_PATTERN.match(compact):
        raise ValueError(f"not a GOsC registration number: {number!r}")
    return compact


def practice_search_url(
    base_url: str, location: str, radius: int | str = DEFAULT_RADIUS_MILES, page: int = 1
) -> str:
    query = dict(zip(SEARCH_PARAMETERS, (location, str(radius), "", "", str(page)), strict=True))
    return f"{base_url.rstrip('/')}{PRACTICES_PATH}?{urlencode(query)}"


def registrant_search_url(base_url: str, number: str, page: int = 1) -> str:
    number = normalise_number(number)
    if number.isascii() and isinstance(page, int):  # nothing to quote: skip urlencode's cost
        query = f"location=&radius=&surname=&registration={number}&p={page}"
        return f"{base_url.rstrip('/')}{REGISTRANTS_PATH}?{query}"
    query = dict(zip(SEARCH_PARAMETERS, ("", "", "", number, str(page)), strict=True))
    return f"{base_url.rstrip('/')}{REGISTRANTS_PATH}?{urlencode(query)}"


def fetch_practices(
    session, base_url: str, location: str, radius: int | str = DEFAULT_RADIUS_MILES, page: int = 1
) -> tuple[str, int, str]:
    return session.fetch(practice_search_url(base_url, location, radius, page))


def fetch_registrant_search(session, base_url: str, number: str) -> tuple[str, int, str]:
    return session.fetch(registrant_search_url(base_url, number))


def fetch_registrant(session, url: str) -> tuple[str, int, str]:
    """A registrant page by the URL a search result linked to."""
    return session.fetch(url)


def parse_practices(text: str, url: str) -> ResultPage:
    """Pure: one page of practice search results; items are Practice records.

    An empty page with the no-results message is `at_end`; the register gives no page count,
    so callers keep asking until they get one.
    """
    items = _result_items(text, url, PRACTICE_LIST, "practice list")
    practices = tuple(_practice(item, url) for item in items)
    return ResultPage(REGISTER, url, page_hash(text), practices, at_end=not practices)


def parse_registrant_search(text: str, url: str) -> ResultPage:
    """Pure: registrant search results; items are PractitionerLink records."""
    items = _result_items(text, url, REGISTRANT_LIST, "registrant list")
    links = tuple(_link(_required(item, REGISTRANT_LIST["name_link"], url), url) for item in items)
    return ResultPage(REGISTER, url, page_hash(text), links, at_end=not links)


def parse_registrant(text: str, url: str) -> Registration:
    """Pure: the registrant on a registrant page."""
    check_not_refused(text, url)
    soup = BeautifulSoup(text, "html.parser")
    container = soup.select_one(REGISTRANT_PAGE["container"])
    if container is None:
        raise unrecognised(text, url, f"GOsC registrant page: no {REGISTRANT_PAGE['container']}")
    name = clean(_required(container, REGISTRANT_PAGE["name"], url).get_text(" "))
    fields = _fields(container.select_one(REGISTRANT_PAGE["fields"]))
    missing = [key for key in REQUIRED_LABELS if not fields.get(key)]
    if missing or not name:
        lacks = ", ".join(REGISTRANT_LABELS[key][0] for key in missing) or "a name"
        raise LayoutChanged(f"GOsC registrant page: no {lacks}", url)
    number = "".join(fields["registration_number"].split())
    if not NUMBER_PATTERN.match(number):
        raise LayoutChanged(f"GOsC registrant page: number not understood: {number!r}", url)
    status_raw = fields["status"]
    outcome, reason = map_status(status_raw, STATUS_OUTCOMES)
    since_text = fields.get("registered_since")
    registered_since = parse_date(since_text) if since_text else None
    if since_text and registered_since is None:
        raise LayoutChanged(
            f"GOsC registrant page: date of registration not understood: {since_text!r}", url
        )
    return Registration(
        register=REGISTER,
        registration_number=number,
        name=name,
        profession=PROFESSION,
        status_raw=status_raw,
        outcome=outcome,
        outcome_reason=reason,
        source_url=url,
        page_sha256=page_hash(text),
        registered_since=registered_since,
        qualifications=tuple(fields.get("qualifications_lines", ())),
        notes=fields.get("notes") or None,
        practices=tuple(
            _practice(item, url) for item in container.select(REGISTRANT_PAGE["practices"])
        ),
    )


def iter_search_pages(
    session,
    base_url: str,
    location: str,
    *,
    latitude: float | None = None,
    longitude: float | None = None,
    radius: float = DEFAULT_RADIUS_MILES,
    start_page: int = 1,
    max_pages: int = MAX_PAGES_PER_SEARCH,
) -> Iterator[ResultPage]:
    """The practice search around `location`, page by page from `start_page` (see
    `scrapers.paging.result_pages`). GOsC places `location` itself: `latitude` and `longitude`
    are taken, as every paging register takes them, and not sent."""
    return _practice_pages(session, base_url, location, radius, start_page, max_pages)


def iter_register_pages(
    session,
    base_url: str,
    *,
    way: int = 0,
    start_page: int = 1,
    max_pages: int = MAX_PAGES_WHOLE_REGISTER,
) -> Iterator[ResultPage]:
    """Every practice on the register, page by page, asked the `way`-th of
    WHOLE_REGISTER_WALKS. A register that does not allow it answers its first page with no
    results (or a page not understood): the caller then searches place by place."""
    _, location, radius = WHOLE_REGISTER_WALKS[way]
    return _practice_pages(session, base_url, location, radius, start_page, max_pages)


def _practice_pages(
    session, base_url: str, location: str, radius, start_page: int, max_pages: int
) -> Iterator[ResultPage]:
    """The practice search's pages for `location` and `radius`, from `start_page`."""

    def read_page(page: int) -> ResultPage:
        url, status, text = fetch_practices(session, base_url, location, radius, page)
        require_ok(url, status)
        return parse_practices(text, url)

    return result_pages(
        read_page, lambda page: page.items, start_page=start_page, max_pages=max_pages
    )


def read_registrant(session, url: str) -> Registration:
    """The registrant on the page a search result or a practice listing linked to."""
    page_url, status, text = fetch_registrant(session, url)
    require_ok(page_url, status)
    return parse_registrant(text, page_url)


# Pages a lookup by number reads: the number search, then the registrant's page.
REQUESTS_PER_LOOKUP = 2


def lookup(session, base_url: str, number: str) -> Registration | NotFound:
    """Check one osteopath by registration number: search, then open the matching page."""
    number = normalise_number(number)
    url, status, text = fetch_registrant_search(session, base_url, number)
    require_ok(url, status)
    found = parse_registrant_search(text, url)
    if not found.items:
        return NotFound(REGISTER, number, url, found.page_sha256)
    for link in found.items[:MAX_CANDIDATES]:
        registration = read_registrant(session, link.url)
        if registration.registration_number.lstrip("0") == number.lstrip("0"):
            return registration
    # A number search listing only other people means the filter was ignored: never "not found".
    raise LayoutChanged("GOsC registrant list: a number search listed other registrants", url)


def _result_items(text: str, url: str, selectors: dict[str, str], what: str) -> list[Tag]:
    check_not_refused(text, url)
    soup = BeautifulSoup(text, "html.parser")
    no_results = normalise_key(NO_RESULTS_TEXT) in normalise_key(soup.get_text(" "))
    container = soup.select_one(selectors["container"])
    items = container.select(selectors["item"]) if container is not None else []
    if not items and not no_results:
        raise unrecognised(
            text, url, f"GOsC {what}: no {selectors['item']} and no {NO_RESULTS_TEXT!r}"
        )
    return items


def _required(tag: Tag, selector: str, url: str) -> Tag:
    found = tag.select_one(selector)
    if found is None:
        raise LayoutChanged(f"GOsC page: an item without {selector}", url)
    return found


def _link(anchor: Tag, url: str) -> PractitionerLink:
    href = anchor.get("href")
    absolute = urljoin(url, href) if href else None
    match = ID_FROM_URL.search(href or "")
    register_id = match.group(1) if match else None
    return PractitionerLink(clean(anchor.get_text(" ")), register_id, absolute)


def _practice(item: Tag, url: str) -> Practice:
    link = _link(_required(item, PRACTICE_LIST["name_link"], url), url)
    name = NAME_PREFIX.sub("", link.name).strip()
    if not name:
        raise LayoutChanged("GOsC practice list: a practice without a name", url)
    address, postcode = split_address(lines_of(item.select_one(PRACTICE_LIST["address"])))
    tel = item.select_one(PRACTICE_LIST["tel"])
    email = item.select_one(PRACTICE_LIST["email"])
    web = item.select_one(PRACTICE_LIST["web"])
    return Practice(
        name=name,
        address_lines=address,
        postcode=postcode,
        phone=_text(tel),
        email=mailto_address(email),
        website=practice_website(web, url),
        register_id=link.register_id,
        register_url=link.url,
        practitioners=tuple(
            _link(a, url) for a in item.select(PRACTICE_LIST["practitioners"]) if clean(a.text)
        ),
    )


def practice_website(web: Tag | None, page_url: str) -> str | None:
    """The link's target (else its text) as an absolute http(s) URL, or None."""
    if web is None:
        return None
    return website_url(web.get("href") or clean(web.get_text()), page_url)


def website_url(value: str | None, page_url: str | None = None) -> str | None:
    """An http(s) URL from a link or typed text: relative links resolved against the page,
    a bare 'www.example.org' taken as https://www.example.org; anything else (mailto:,
    javascript:, text that is not an address) is None."""
    text = (value or "").strip()
    if not text:
        return None
    if text.lower().startswith("www."):
        text = "https://" + text
    absolute = urljoin(page_url, text) if page_url else text
    parts = urlsplit(absolute)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    if any(char.isspace() for char in absolute):
        return None
    return absolute


def _text(tag: Tag | None) -> str | None:
    return (clean(tag.get_text(" ")) or None) if tag is not None else None


def _fields(dl: Tag | None) -> dict[str, str]:
    """Registrant fields by our key; qualifications also kept line by line."""
    if dl is None:
        return {}
    keys = {
        normalise_key(label): key for key, labels in REGISTRANT_LABELS.items() for label in labels
    }
    fields: dict = {}
    for dt in dl.find_all("dt"):
        key = keys.get(normalise_key(dt.get_text(" ")).rstrip(":").strip())
        dd = dt.find_next_sibling("dd")
        if key is None or dd is None or key in fields:
            continue
        fields[key] = clean(dd.get_text(" "))
        if key == "qualifications":
            fields["qualifications_lines"] = lines_of(dd)
    return fields


if __name__ == "__main__":
    from scrapers import main

    sys.exit(main(sys.argv[1:], register=REGISTER))
