"""The results page's practice cards, as HTML made here rather than in Jinja.

A results page shows 20 cards with two or three practitioners each. Printed by nested Jinja
macros they cost several times the API's whole search; made here from the listings as loaded
(no objects on the way, f-strings, every value escaped by _text), a page made from nothing
stays within twice the API's cost (docs/benchmarks.md, bench/pages.py), so no card is kept
between requests. The HTML is here and nowhere else: the practice page prints its
practitioners with people_html() too.

Each practitioner is one line: name, profession and a compact status linked to the register's
entry ("Registered · HCPC PH123456 · checked 3 days ago"); what is the same on every card (the
register is the authority, what "checked" means) is said once by the page. Doubt stays on the
line, in words: never checked, status unclear (in the register's words), a check older than
STALE_AFTER_DAYS, and a later check that could not confirm the state.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from markupsafe import Markup

from finder import search, times
from finder.directory import SAMPLE_SOURCE, listings
from finder.vocabulary import LANGUAGES, OUTCOME_BADGES, REGISTER_NAMES

# A check older than this may be out of date; the same age stops confirming a registration.
STALE_AFTER_DAYS = search.CONFIRMED_WITHIN_DAYS


SAMPLE = ' · <strong class="badge badge--unknown">Sample data</strong>'  # the page says more
NOBODY = "<li>No practitioners are listed here at the moment.</li>"


def cards_html(
    hits: Sequence[listings.Hit],
    link: str,
    base_urls: Mapping[str, str],
    first: int = 1,
    heading: str = "h2",
    clock: Clock | None = None,
) -> Markup:
    """The cards of `hits`, numbered from `first`. `link` is the practice page's address with
    `{id}` where the practice's id goes (and the search's query after it, so the practice
    page can link back). `clock`: when the page is made (make_clock())."""
    clock = clock or make_clock()
    link = _text(link)  # escaped once: the id put into it is a number
    return Markup(
        "\n".join(
            _card(hit, n, link, heading, base_urls, clock) for n, hit in enumerate(hits, first)
        )
    )


def _card(
    hit: listings.Hit, n: int, link: str, heading: str, base_urls: Mapping[str, str], clock: Clock
) -> str:
    """One card, from the listing as loaded: no objects made on the way, every value escaped
    (f-strings: a page has 20 cards, and str.format with names costs several times more)."""
    pid = hit.practice_id
    name, address, postcode, latitude, longitude, phone, _, _, features = hit.practice_fields
    coordinates = ""
    if latitude is not None and longitude is not None:  # for static/map.js
        coordinates = f' data-lat="{latitude!r}" data-lon="{longitude!r}"'
    address = ", ".join([*address, postcode or ""]).strip(", ")
    if phone:
        tel, phone = _text(phone.replace(" ", "")), _text(phone)
        phone = f"""
  <p class="phone"><span class="phone-label">Phone: </span><a href="tel:{tel}">{phone}</a></p>"""
    if features := features_text(features):
        features = f"""
  <p class="features">{_text(features)}</p>"""
    miles = search.format_distance(hit.distance_km, "miles")
    km = search.format_distance(hit.distance_km, "km")
    sample = SAMPLE if hit.practice_source == SAMPLE_SOURCE else ""
    href = link.replace("{id}", str(pid))
    return f"""<li class="result" id="practice-{pid}" data-n="{n}"{coordinates}>
  <{heading} class="practice-name"><a href="{href}">{_text(name)}</a></{heading}>
  <p class="distance"><strong>{miles}</strong> ({km}) away{sample}</p>
  <p class="address">{_text(address)}</p>{phone or ""}{features}
  {people_html(hit.practitioner_rows, base_urls, clock)}
</li>"""


def people_html(rows: Sequence[list], base_urls: Mapping[str, str], clock: Clock) -> Markup:
    """A listing's practitioners (Hit.practitioner_rows), one line each (the practice page's
    too)."""
    lines = "".join(person_html(row, base_urls, clock) for row in rows) or NOBODY
    return Markup(f'<ul class="practitioners">{lines}</ul>')


# A listed practitioner's row, as person_html() unpacks it.
_ROW = ("name", "profession", "register", "registration_number")
_ROW += ("outcome", "status_raw", "checked_at", "source_url", "reason")
assert listings.PRACTITIONER_FIELDS + listings.REGISTRATION_FIELDS == _ROW, "unpack them anew"


def person_html(row: list, base_urls: Mapping[str, str], clock: Clock) -> str:
    """One practitioner's line: name, profession and the status linked to the register."""
    name, profession, register, number, outcome, status_raw, checked_at, source_url, reason = row
    status = OUTCOME_BADGES.get(outcome, OUTCOME_BADGES["unknown"])
    if outcome not in (None, "registered") and _adds_to(status, status_raw):
        status += f": “{status_raw}”"  # a restriction, or what was unclear, in its words
    checked = _parse_time(checked_at) if outcome else None
    days = (clock.now - checked).days if checked else None
    url = source_url or listings.register_entry_url(register, number, base_urls)
    reference = f"{REGISTER_NAMES[register]} {number}"
    line = (
        f'<li><span class="practitioner-name">{_text(name)}</span>, {_text(profession)}: '
        f'<a class="registration registration--{outcome or "unverified"}" href="{_text(url)}">'
        f"{_text(status)} · {_text(reference)}"
    )
    if checked:
        line += f' · checked <time datetime="{_text(checked_at)}">{_ago(days)}</time>'
    if warning := _warning(outcome, days, reason, (checked_at or "") < clock.fresh_since):
        line += f' <strong class="registration-warning">({warning})</strong>'
    return line + "</a></li>"


def _text(value: str) -> str:
    """`value` escaped for HTML as markupsafe.escape() does it, for a fraction of its cost
    (it makes a Markup object each call, and a page makes hundreds)."""
    return (
        value.replace("&", "&amp;")
        .replace(">", "&gt;")
        .replace("<", "&lt;")
        .replace("'", "&#39;")
        .replace('"', "&#34;")
    )


@dataclass(frozen=True, slots=True)
class Clock:
    """When a page is made: the time "checked 3 days ago" counts from, and the oldest check
    time that is not out of date, to the second, as the registered_only filter counts it."""

    now: datetime
    fresh_since: str  # a stored timestamp: compared with checked_at as text


def make_clock(now: datetime | None = None) -> Clock:
    now = now or datetime.now(UTC)
    return Clock(now, times.iso(now - timedelta(days=STALE_AFTER_DAYS)))


def features_text(features: Mapping | None) -> str:
    """'Home visits · Wheelchair access · Welsh spoken'."""
    features = features or {}
    items = []
    if features.get("home_visits"):
        items.append("Home visits")
    if features.get("wheelchair_access"):
        items.append("Wheelchair access")
    languages = [LANGUAGES.get(name, name) for name in features.get("languages") or ()]
    if languages:
        items.append(_and(languages) + " spoken")
    return " · ".join(items)


def _and(names: list[str]) -> str:
    """'Welsh', 'Welsh and Polish', 'Welsh, Polish and Urdu'."""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _adds_to(label: str, words: str | None) -> bool:
    """Whether the register's words say more than our label ("Registered with conditions"
    says all of "Registered with conditions of practice")."""
    return bool(words) and label.lower() not in words.lower()


def _warning(outcome: str | None, days: int | None, reason: str | None, old: bool) -> str | None:
    """The doubt about a state, most serious first."""
    if outcome is None:
        return None  # the status says so: "Not yet verified"
    if reason and outcome != "unknown":
        return "a later check could not confirm this"
    if days is None:
        return "we do not know when this was checked"
    if old:
        return "may be out of date"
    return None


def _parse_time(text: str | None) -> datetime | None:
    try:
        return times.parse(text or "")
    except ValueError:
        return None


def _ago(days: int) -> str:
    if days <= 0:
        return "today"
    if days == 1:
        return "yesterday"
    return f"{days} days ago"
