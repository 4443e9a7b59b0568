"""HCPC register (physiotherapists): verify one registrant by number.

HCPC has no location search, so this module only fetches and parses the detail page.
Everything known about the page lives in the constants below; correct them there when a real
page is captured (see docs: `finder registers parse hcpc FILE`).
"""

from __future__ import annotations

import re
import sys
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
DETAIL_PATH = "/check-the-register/professional-registration-detail/"
# Listed so nobody adds it by mistake: robots.txt disallows the surname list.
SURNAME_LIST_PATH = "/check-the-register/register-results/"

PROFESSION_CODES = frozenset(
    ["AS", "BS", "CH", "CS", "DT", "HAD", "ODP", "OR", "OT", "PA", "PH", "PO", "PYL", "RA", "SL"]
)
PROFESSIONS = {"PH": "physiotherapist"}  # other codes are reported as the code itself
NUMBER_PATTERN = re.compile(r"^([A-Z]{2,3})([0-9]{1,6})$")  # ASCII digits only

# Labels of the two-column detail table (matched case-insensitively, trailing ':' ignored).
LABELS = {
    "name": "Name",
    "registration_number": "Registration number",
    "status": "Status",
    "period": "Period",
    "location": "Location",
    "entitlements": "Entitlements",
}
REQUIRED = ("name", "registration_number", "status")
NOT_FOUND_TEXT = "No results returned for"
OUTAGE_TEXT = "Check the Register function is currently unavailable"
DATA_VALID_ON_TEXT = "Data valid on"
PERIOD_PATTERN = re.compile(r"^(\d{1,2}/\d{1,2}/\d{4})\s+to\s+(\d{1,2}/\d{1,2}/\d{4})$")

# Raw status (case/whitespace-insensitive) -> outcome. Only "Registered" is defined officially;
# the other wordings are best guesses, and anything else becomes 'unknown' for a human to read.
STATUS_OUTCOMES = {
    "registered": REGISTERED,
    "conditions of practice": RESTRICTED,
    "registered - conditions of practice": RESTRICTED,
    "caution": RESTRICTED,
    "registered - caution": RESTRICTED,
    "suspended": INACTIVE,
    "interim suspension": INACTIVE,
    "lapsed": INACTIVE,
    "deregistered": INACTIVE,
    "struck off": INACTIVE,
    "removed": INACTIVE,
}


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

    Raises RegisterUnavailable (outage banner, challenge, truncated page) or LayoutChanged.
    """
    check_not_refused(text, url)
    soup = BeautifulSoup(text, "html.parser")
    page_text = clean(soup.get_text(" "))
    if normalise_key(OUTAGE_TEXT) in page_text.casefold():
        raise RegisterUnavailable("outage banner", url)

    rows = _label_rows(soup)
    missing = [LABELS[key] for key in REQUIRED if normalise_key(LABELS[key]) not in rows]
    if missing:
        not_found = re.search(re.escape(NOT_FOUND_TEXT) + r"\s*(\S*)", page_text, re.IGNORECASE)
        if not_found and len(missing) == len(REQUIRED):
            query = not_found.group(1).strip("'\".")
            return NotFound(REGISTER, query, url, page_hash(text))
        raise unrecognised(text, url, f"no detail table with {', '.join(missing)}")

    def value(key: str) -> str | None:
        cell = rows.get(normalise_key(LABELS[key]))
        if cell is None:
            return None
        return clean(cell.get_text(" ")) or None

    number = "".join((value("registration_number") or "").split()).upper()
    match = NUMBER_PATTERN.match(number)
    if not match:
        raise LayoutChanged(f"registration number not understood: {number!r}", url)
    name = value("name")
    status_raw = value("status")
    if not name or not status_raw:
        raise LayoutChanged("name or status is empty", url)
    period_from, period_to = _period(value("period"), url)
    outcome, reason = map_status(status_raw, STATUS_OUTCOMES)
    entitlements_cell = rows.get(normalise_key(LABELS["entitlements"]))
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
        entitlements=tuple(lines_of(entitlements_cell)),
        data_valid_on=_data_valid_on(soup),
    )


def lookup(session, base_url: str, number: str) -> Registration | NotFound:
    """Fetch and parse one registrant by number.

    Raises LayoutChanged when the page is about another registration number (the query was
    ignored): that must never be taken as this registrant's answer.
    """
    wanted, _ = normalise_number(number)
    url, status, text = fetch_detail(session, base_url, number)
    require_ok(url, status)  # every real answer, not-found included, is a 200
    result = parse_detail(text, url)
    if isinstance(result, Registration) and result.registration_number != wanted:
        raise LayoutChanged(
            f"asked for {wanted} but the page shows {result.registration_number}", url
        )
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


def _period(text: str | None, url: str):
    if not text:
        return None, None
    match = PERIOD_PATTERN.match(text)
    start = parse_date(match.group(1)) if match else None
    end = parse_date(match.group(2)) if match else None
    if start is None or end is None:
        raise LayoutChanged(f"period not understood: {text!r}", url)
    return start, end


def _data_valid_on(soup: BeautifulSoup) -> str | None:
    lines = lines_of(soup.body or soup)
    for index, line in enumerate(lines):
        if line.casefold().startswith(DATA_VALID_ON_TEXT.casefold()):
            rest = line[len(DATA_VALID_ON_TEXT) :].lstrip(" :")
            if not rest and index + 1 < len(lines):
                rest = lines[index + 1]
            return rest or None
    return None


if __name__ == "__main__":
    from scrapers import main

    sys.exit(main(sys.argv[1:], register=REGISTER))
