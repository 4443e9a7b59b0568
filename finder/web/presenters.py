"""How the pages show things: template filters, display words and register links.

The words come from finder.vocabulary, so a register or an outcome reads the same on every
page. init_app registers the filters, the template globals and a context processor that gives
every template `registers` (in the vocabulary's order), `outcome_headlines` and
`name_match_labels`.
"""

from __future__ import annotations

import functools
from datetime import UTC

from flask import Flask, Response, current_app, g, request, url_for

from finder import search, times
from finder.directory import SAMPLE_SOURCE, listings
from finder.registrations import write_csv
from finder.vocabulary import OUTCOME_HEADLINES, REGISTER, REGISTERS, base_urls
from finder.web.cards import STALE_AFTER_DAYS

NAME_MATCH_LABELS = {
    "exact": "Matches",
    "probable": "Probably the same person",
    "mismatch": "Does not match",
}
# Where on each register's site the public searches it (the About and check pages link there).
SEARCH_PAGES = {
    "hcpc": "/check-the-register/",  # LIVE-LINK 2022-2026 (real-registers.md §1.1)
    "gosc": "/register-search/",  # LIVE-LINK 2021-2023 (§2.1)
    "gcc": "/",  # OFFICIAL, undated: "find a chiropractor on our homepage" (§3.1)
}


def init_app(app: Flask) -> None:
    app.add_template_filter(utc_time, "utc_time")
    app.add_template_filter(long_date, "long_date")
    app.add_template_filter(distance_text, "distance")
    app.add_template_global(is_sample, "is_sample")
    app.add_template_global(fixed_url, "fixed_url")
    app.add_template_global(STALE_AFTER_DAYS, "stale_after_days")
    app.context_processor(words)


def words() -> dict:
    urls = request_base_urls()
    return {
        "registers": [_register_info(code, urls[code]) for code in REGISTERS],
        "outcome_headlines": OUTCOME_HEADLINES,
        "name_match_labels": NAME_MATCH_LABELS,
    }


def register_info(code: str) -> dict:
    """One register as the pages name and link it; its address is a setting (tests point it
    at a fake register)."""
    return _register_info(code, request_base_urls()[code])


@functools.lru_cache(maxsize=64)
def _register_info(code: str, home_url: str) -> dict:
    """Made once for each address: every page gets the three (this context's `registers`).
    Callers must not change it."""
    register = REGISTER[code]
    return {
        "code": code,
        "name": register.full_name,
        "short": register.short_name,
        "who": register.professionals,
        "number_example": register.number_example,
        "home_url": home_url,
        "search_url": home_url.rstrip("/") + SEARCH_PAGES[code],
    }


def request_base_urls() -> dict[str, str]:
    """The registers' addresses, read once a request: a results page asks once a
    practitioner."""
    if "register_base_urls" not in g:
        g.register_base_urls = base_urls(current_app.config)
    return g.register_base_urls


def utc_time(iso: str | None) -> str:
    """'2026-01-05T14:03:09Z' -> '5 January 2026 at 14:03 UTC'."""
    if not iso:
        return "unknown"
    moment = times.parse(iso).astimezone(UTC)
    return f"{moment.day} {moment:%B %Y} at {moment:%H:%M} UTC"


def long_date(iso: str) -> str:
    """'2026-11-28' -> '28 November 2026' (the NHS.UK style for dates)."""
    day = times.parse(iso)
    return f"{day.day} {day:%B %Y}"


def distance_text(km: float) -> str:
    """'1.2 miles (1.9 km)'."""
    return f"{search.format_distance(km, 'miles')} ({search.format_distance(km, 'km')})"


def is_sample(practice: listings.Practice) -> bool:
    return practice.source == SAMPLE_SOURCE


_FIXED_URLS: dict[tuple, str] = {}


def fixed_url(endpoint: str, **values) -> str:
    """url_for for an address that is the same on every request (a static file, a page with
    no parameters), worked out once: url_for costs about 10 µs, and a results page has a
    dozen such links (the layout's, the form's, the map's files)."""
    key = (request.script_root, endpoint, *sorted(values.items()))
    url = _FIXED_URLS.get(key)
    if url is None:
        url = _FIXED_URLS[key] = url_for(endpoint, **values)
    return url


def csv_download(rows: list[dict], filename: str) -> Response:
    """Rows as a CSV file the browser saves as `filename`."""
    return Response(
        write_csv(rows),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
