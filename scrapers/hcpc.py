"""HCPC register (physiotherapists): verify one registrant by number.

HCPC has no location search, so this module only fetches and parses the detail page.
Everything known about the page lives in the constants below, each with how good its evidence
is (real-registers.md: one real capture, of the 2014 site; notes of people who read the live
site in 2023 and 2026). Correct them there when a real page is captured
(`finder registers capture hcpc NUMBER`, then `finder registers parse hcpc FILE`).
"""

from __future__ import annotations

import re
import sys
from datetime import date
from urllib.parse import urlencode

from bs4 import BeautifulSoup, Tag

from scrapers.errors import (
    LayoutChanged,
    RegisterUnavailable,
    check_not_refused,
    require_ok,
    unrecognised,
)
from scrapers.records import (
    INACTIVE,
    REGISTERED,
    RESTRICTED,
    NotFound,
    Registration,
    clean,
    lines_of,
    map_status,
    normalise_key,
    page_hash,
    parse_date,
)

REGISTER = "hcpc"
DEFAULT_BASE_URL = "https://www.hcpc-uk.org"
# ?query={NUMBER}&profession={PREFIX}; a PH number sent as OT gives "no results".
DETAIL_PATH = "/check-the-register/professional-registration-detail/"  # LIVE-CODE 2023, 2026
# Listed so nobody adds it by mistake: robots.txt disallows the surname list.
SURNAME_LIST_PATH = "/check-the-register/register-results/"  # LIVE-CODE 2026

# The profession codes of the register's own form (CAPTURE 2014; SW has left HCPC since).
PROFESSION_CODES = frozenset(
    ["AS", "BS", "CH", "CS", "DT", "HAD", "ODP", "OR", "OT", "PA", "PH", "PO", "PYL", "RA", "SL"]
)
PROFESSIONS = {"PH": "physiotherapist"}  # other codes are reported as the code itself
# Numbers may be printed zero-padded (PYL01234, CAPTURE 2014; PYL0xxxxx, LIVE-LINK 2022-26).
NUMBER_PATTERN = re.compile(r"^([A-Z]{2,3})([0-9]{1,6})$")  # ASCII digits only
PRINTED_NUMBER = re.compile(r"^([A-Z]{2,3})(0?[0-9]{1,6})$")  # as printed: one more leading 0

# Labels of the label/value table (any table; label in a th or td cell, value in the next cell;
# matched by text, case-insensitively, a trailing ':' ignored).
LABELS = {
    "name": "Name",  # CAPTURE 2014, LIVE-CODE 2026
    "registration_number": "Registration number",  # CAPTURE 2014, LIVE-CODE 2026
    "status": "Status",  # CAPTURE 2014, LIVE-CODE 2026
    "period": "Period",  # LIVE-CODE 2026: "01/05/2026 to 30/04/2028"
    "registered_from": "Registered from",  # CAPTURE 2014: "01/06/2013"
    "registered_until": "Registered until",  # CAPTURE 2014: "01/06/2015"
    "location": "Location",  # CAPTURE 2014, LIVE-CODE 2026 (a town or city, OFFICIAL)
    "modalities": "Modalities",  # CAPTURE 2014
    # UNKNOWN: the current site shows "additional entitlements" (OFFICIAL) under a label
    # nobody has recorded; this is a best guess, read only when present.
    "entitlements": "Entitlements",
}
REQUIRED = ("name", "registration_number", "status")
NOT_FOUND_TEXT = "No results returned for"  # LIVE-CODE 2023, 2026: "... for {query}"
# The site-wide banner, under "Skip navigation" on every page (OFFICIAL 2024): "Our ‘Check the
# Register’ function is currently unavailable. ..." Curly quotes, so this matches the part
# after them; read only once no detail table is found, since good pages carry it too.
OUTAGE_TEXT = "function is currently unavailable"
# "Data valid on: <time>" (LIVE-CODE 2026), "Data valid at: 15:04, 10 May 2014" (CAPTURE 2014).
DATA_VALID = re.compile(r"^data valid (?:on|at)\s*:?\s*(.*)$", re.IGNORECASE)
PERIOD_PATTERN = re.compile(r"^(\d{1,2}/\d{1,2}/\d{4})\s+to\s+(\d{1,2}/\d{1,2}/\d{4})$")

# Raw status (case/whitespace-insensitive) -> outcome. Only "Registered" has been seen (CAPTURE
# 2014, LIVE-CODE 2026, OFFICIAL meaning); every other wording is UNKNOWN, and these entries are
# best guesses from the kinds of entry HCPC says it publishes. Anything else is 'unknown'.
STATUS_OUTCOMES = {
    "registered": REGISTERED,  # CAPTURE 2014, LIVE-CODE 2026
    "conditions of practice": RESTRICTED,  # UNKNOWN wording, best guess
    "registered - conditions of practice": RESTRICTED,  # UNKNOWN wording, best guess
    "caution": RESTRICTED,  # UNKNOWN wording, best guess
    "registered - caution": RESTRICTED,  # UNKNOWN wording, best guess
    "suspended": INACTIVE,  # UNKNOWN wording, best guess
    "interim suspension": INACTIVE,  # UNKNOWN wording, best guess
    "lapsed": INACTIVE,  # UNKNOWN wording, best guess
    "deregistered": INACTIVE,  # UNKNOWN wording, best guess
    "struck off": INACTIVE,  # UNKNOWN wording, best guess
    "removed": INACTIVE,  # UNKNOWN wording, best guess
}
PAGE = "HCPC detail page"  # how LayoutChanged names the page


def normalise_number(number: str) -> tuple[str, str]:
    """('PH123456', 'PH') from user input: upper-cased, spaces removed, leading zeros kept.

    Raises ValueError for something that is not an HCPC registration number.
    """
    compact = "".join(number.split()).upper()
    match = NUMBER_PATTERN.match(compact)
    if not match or match.group(1) not in PROFESSION_CODES:
        raise ValueError(f"not an HCPC registration number: {number!r}")
    return compact, match.group(1)


def detail_url(base_url: str, number: str) -> str:
    """The detail page URL; `profession` must equal the number's prefix."""
    compact, code = normalise_number(number)
    if compact.isascii():  # letters and digits, which urlencode leaves alone: skip its cost
        query = f"query={compact}&profession={code}"
    else:
        query = urlencode({"query": compact, "profession": code})
    return f"{base_url.rstrip('/')}{DETAIL_PATH}?{query}"


def fetch_detail(session, base_url: str, number: str) -> tuple[str, int, str]:
    """Network only: (final url, HTTP status, page text) of the detail page."""
    return session.fetch(detail_url(base_url, number))


def parse_detail(text: str, url: str) -> Registration | NotFound:
    """Pure: the registrant on a detail page, or NotFound.

    Raises RegisterUnavailable (outage banner without a result, challenge, truncated page) or
    LayoutChanged.
    """
    check_not_refused(text, url)
    soup = BeautifulSoup(text, "html.parser")
    page_text = clean(soup.get_text(" "))
    rows = _label_rows(soup)
    missing = [LABELS[key] for key in REQUIRED if normalise_key(LABELS[key]) not in rows]
    if missing:
        return _no_detail_table(text, url, soup, page_text, missing)

    def value(key: str) -> str | None:
        cell = rows.get(normalise_key(LABELS[key]))
        if cell is None:
            return None
        return clean(cell.get_text(" ")) or None

    number = "".join((value("registration_number") or "").split()).upper()
    match = PRINTED_NUMBER.match(number)
    if not match:
        raise LayoutChanged(f"{PAGE}: registration number not understood: {number!r}", url)
    name = value("name")
    status_raw = value("status")
    if not name or not status_raw:
        raise LayoutChanged(f"{PAGE}: the Name or Status row is empty", url)
    period_from, period_to = _period(value, url)
    outcome, reason = map_status(status_raw, STATUS_OUTCOMES)
    entitlements = [
        line
        for key in ("modalities", "entitlements")
        for line in lines_of(rows.get(normalise_key(LABELS[key])))
    ]
    return Registration(
        register=REGISTER,
        registration_number=number,
        name=name,
        profession=PROFESSIONS.get(match.group(1), match.group(1)),
        status_raw=status_raw,
        outcome=outcome,
        outcome_reason=reason,
        source_url=url,
        page_sha256=page_hash(text),
        period_from=period_from,
        period_to=period_to,
        location=value("location"),
        entitlements=tuple(entitlements),
        data_valid_on=_data_valid_on(soup),
    )


def _no_detail_table(
    text: str, url: str, soup: BeautifulSoup, page_text: str, missing: list[str]
) -> NotFound:
    """A page without the detail table: not found, an outage, or a page we do not know.

    The outage banner is site-wide, so it only decides here, where no result was found; and a
    "no results" under that banner is not believed, since the search itself is down.
    """
    if normalise_key(OUTAGE_TEXT) in normalise_key(page_text):
        raise RegisterUnavailable("outage banner", url)
    sentence = re.compile(re.escape(NOT_FOUND_TEXT) + r"\s*(\S*)", re.IGNORECASE)
    # The echoed query, read from the element that says it: a blank echo gives "", never the
    # first word of whatever follows on the page.
    said = soup.find(string=re.compile(re.escape(NOT_FOUND_TEXT), re.IGNORECASE))
    not_found = sentence.search(clean(said.parent.get_text(" "))) if said else None
    if not_found and len(missing) == len(REQUIRED):
        query = not_found.group(1).strip("'\".")
        return NotFound(REGISTER, query, url, page_hash(text))
    raise unrecognised(text, url, f"{PAGE}: no table rows labelled {', '.join(missing)}")


def same_number(a: str, b: str) -> bool:
    """Whether two HCPC numbers are the same registration: the same prefix and the same value,
    so 'PH012345' (zero-padded, as the register may print it) is 'PH12345'."""
    match_a, match_b = PRINTED_NUMBER.match(a.upper()), PRINTED_NUMBER.match(b.upper())
    if not match_a or not match_b:
        return False
    return match_a.group(1) == match_b.group(1) and int(match_a.group(2)) == int(match_b.group(2))


# Pages a lookup by number reads: one.
REQUESTS_PER_LOOKUP = 1


def lookup(session, base_url: str, number: str) -> Registration | NotFound:
    """Fetch and parse one registrant by number.

    Raises LayoutChanged when the page, a registrant's or a not-found one, is about another
    registration number (the query was ignored): that must never be taken as this answer.
    """
    wanted, _ = normalise_number(number)
    url, status, text = fetch_detail(session, base_url, number)
    require_ok(url, status)  # every real answer, not-found included, is a 200
    result = parse_detail(text, url)
    shown = result.registration_number if isinstance(result, Registration) else result.query
    if not same_number(shown, wanted):
        # A not-found page must name the number asked for too: one that names nothing, or
        # another, means the query was not taken, and "not registered" would be a wrong answer.
        shown = shown or "no number"
        raise LayoutChanged(f"{PAGE}: asked for {wanted} but the page shows {shown}", url)
    return result


def _label_rows(soup: BeautifulSoup) -> dict[str, Tag]:
    """Label (normalised, without ':') -> value cell, from every two-cell table row."""
    rows: dict[str, Tag] = {}
    for row in soup.select("table tr"):
        cells = row.find_all(["th", "td"], recursive=False)
        if len(cells) == 2:
            label = normalise_key(cells[0].get_text(" ")).rstrip(":").strip()
            rows.setdefault(label, cells[1])
    return rows


def _period(value, url: str) -> tuple[date | None, date | None]:
    """(from, to): one "Period" row (2026) or "Registered from"/"Registered until" (2014)."""
    period = value("period")
    if period:
        match = PERIOD_PATTERN.match(period)
        dates = (parse_date(match.group(1)), parse_date(match.group(2))) if match else (None, None)
        if None in dates:
            raise LayoutChanged(f"{PAGE}: Period not understood: {period!r}", url)
        return dates
    start, end = value("registered_from"), value("registered_until")
    dates = (parse_date(start) if start else None, parse_date(end) if end else None)
    for text, parsed, label in ((start, dates[0], "from"), (end, dates[1], "until")):
        if text and parsed is None:
            raise LayoutChanged(f"{PAGE}: Registered {label} not understood: {text!r}", url)
    return dates


def _data_valid_on(soup: BeautifulSoup) -> str | None:
    """The register's own timestamp text after "Data valid on:" (or "at:"), as shown."""
    lines = lines_of(soup.body or soup)
    for index, line in enumerate(lines):
        match = DATA_VALID.match(line)
        if match:
            rest = match.group(1).strip()
            if not rest and index + 1 < len(lines):
                rest = lines[index + 1]
            return rest or None
    return None


if __name__ == "__main__":
    from scrapers import main

    sys.exit(main(sys.argv[1:], register=REGISTER))
