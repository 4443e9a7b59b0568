"""The results page's practice cards, as HTML made here rather than in Jinja.

A results page shows 20 cards with two or three practitioners each. Printed by nested Jinja
macros they cost several times the API's whole search; worked out in Python and put into the
HTML below with str.format (every value escaped), the page stays within twice the API's cost
(docs/benchmarks.md, bench/pages.py). The HTML is here, in CARD and PERSON, and nowhere else:
the practice page prints its practitioners with person_lines() and people_html() too.

Each practitioner is one line: name, profession and a compact status linked to the register's
entry ("Registered · HCPC PH123456 · checked 3 days ago"); what is the same on every card (the
register is the authority, what "checked" means) is said once by the page. Doubt stays on the
line, in words: never checked, status unclear (in the register's words), a check older than
STALE_AFTER_DAYS, and a later check that could not confirm the state.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import orjson
from markupsafe import Markup, escape

from finder import search, times
from finder.directory import SAMPLE_SOURCE, listings
from finder.vocabulary import LANGUAGES, OUTCOME_BADGES, REGISTER_NAMES

# A check older than this may be out of date; the same age stops confirming a registration.
STALE_AFTER_DAYS = search.CONFIRMED_WITHIN_DAYS
# Where a listed practitioner's row holds the check time.
_CHECKED_AT = len(listings.PRACTITIONER_FIELDS) + listings.REGISTRATION_FIELDS.index("checked_at")


# A card: its first lines change with the search (number, link, distance), the rest (its
# `body`) only with the practice's listing. Every value put in is escaped.
CARD = """<li class="result" id="practice-{id}" data-n="{n}"{coordinates}>
  <{heading} class="practice-name"><a href="{href}">{name}</a></{heading}>
  <p class="distance"><strong>{distance}</strong> ({distance_km}) away{sample}</p>{body}
</li>"""
COORDINATES = ' data-lat="{latitude!r}" data-lon="{longitude!r}"'  # for static/map.js
BODY = """
  <p class="address">{address}</p>{phone}{features}
  {people}"""
SAMPLE = ' · <strong class="badge badge--unknown">Sample data</strong>'  # the page says more
PHONE = """
  <p class="phone"><span class="phone-label">Phone: </span><a href="tel:{tel}">{phone}</a></p>"""
FEATURES = """
  <p class="features">{features}</p>"""
PERSON = """<li><span class="practitioner-name">{name}</span>, {profession}: \
<a class="registration registration--{outcome}" href="{url}">{status} · {reference}{checked}\
{warning}</a></li>"""
CHECKED = ' · checked <time datetime="{iso}">{ago}</time>'
WARNING = ' <strong class="registration-warning">({warning})</strong>'
NOBODY = "<li>No practitioners are listed here at the moment.</li>"


@dataclass(frozen=True, slots=True)
class PersonLine:
    name: str
    profession: str
    status: str  # "Registered", "Registered with conditions: “Conditions of practice”"
    outcome: str  # the badge's class: registered, restricted, ..., unverified
    reference: str  # "HCPC PH123456"
    checked_iso: str | None
    checked_ago: str | None  # "3 days ago"; None when never checked or the time is unknown
    warning: str | None  # the doubt, in a few words, or None
    url: str  # the register's entry (or its search page)


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
    context = f"{clock.hour.isoformat()} {sorted(base_urls.items())}"
    made = []
    for n, hit in enumerate(hits, start=first):
        coordinates, name, sample, body = _card_parts(hit, base_urls, clock, context)
        made.append(
            CARD.format(
                id=hit.practice_id,
                n=n,
                coordinates=coordinates,
                heading=heading,
                href=escape(link.replace("{id}", str(hit.practice_id))),
                name=name,
                distance=search.format_distance(hit.distance_km, "miles"),
                distance_km=search.format_distance(hit.distance_km, "km"),
                sample=sample,
                body=body,
            )
        )
    return Markup("\n".join(made))


# The parts of each card that do not change with the search, by the practice's whole listing
# (and the hour, and the registers' addresses): the same practices come back search after
# search, and making a card costs several times more than looking it up. Any change to the
# listing makes a new key; the whole store is dropped when full (about 3 kB a card with its
# key: 30 MB at most).
_PARTS: dict[bytes, tuple[str, str, str, str]] = {}
MAX_KEPT_CARDS = 10_000


def _card_parts(
    hit: listings.Hit, base_urls: Mapping[str, str], clock: Clock, context: str
) -> tuple[str, str, str, str]:
    """(the data-lat/data-lon attributes, the name, the sample badge, the body), escaped."""
    # Which checks are out of date is part of the key, to the second: the registered_only
    # filter counts them so, and a card must agree with it (ISO times compare as text).
    old = [(row[_CHECKED_AT] or "") < clock.fresh_since for row in hit.practitioner_rows]
    key = orjson.dumps(
        [hit.practice_id, hit.practice_source, hit.practice_fields, hit.practitioner_rows, old]
        + [context]
    )
    parts = _PARTS.get(key)
    if parts is None:
        parts = _make_parts(hit, base_urls, clock)
        if len(_PARTS) >= MAX_KEPT_CARDS:
            _PARTS.clear()
        _PARTS[key] = parts
    return parts


def forget_cards() -> None:
    """Drop every kept card (the benchmark measures pages made from nothing too)."""
    _PARTS.clear()


def _make_parts(
    hit: listings.Hit, base_urls: Mapping[str, str], clock: Clock
) -> tuple[str, str, str, str]:
    practice = hit.practice
    located = practice.latitude is not None and practice.longitude is not None
    address = ", ".join([*practice.address, practice.postcode or ""]).strip(", ")
    features = features_text(practice.features)
    phone = ""
    if practice.phone:
        phone = PHONE.format(
            tel=escape(practice.phone.replace(" ", "")), phone=escape(practice.phone)
        )
    body = BODY.format(
        address=escape(address),
        phone=phone,
        features=FEATURES.format(features=escape(features)) if features else "",
        people=people_html(person_lines(hit.practitioners, base_urls, clock)),
    )
    coordinates = (
        COORDINATES.format(latitude=practice.latitude, longitude=practice.longitude)
        if located
        else ""
    )
    sample = SAMPLE if practice.source == SAMPLE_SOURCE else ""
    return coordinates, str(escape(practice.name)), sample, body


def people_html(people: Sequence[PersonLine]) -> Markup:
    """The practitioners' lines as a list (the practice page's too)."""
    lines = "".join(person_html(p) for p in people) or NOBODY
    return Markup(f'<ul class="practitioners">{lines}</ul>')


def person_html(p: PersonLine) -> str:
    return PERSON.format(
        name=escape(p.name),
        profession=escape(p.profession),
        outcome=p.outcome,
        url=escape(p.url),
        status=escape(p.status),
        reference=escape(p.reference),
        checked=CHECKED.format(iso=escape(p.checked_iso), ago=p.checked_ago)
        if p.checked_ago
        else "",
        warning=WARNING.format(warning=p.warning) if p.warning else "",
    )


@dataclass(frozen=True, slots=True)
class Clock:
    """When a page is made: the hour that "checked 3 days ago" counts from (so a card stays
    the same for an hour and can be kept, _PARTS), and the oldest check time that is not out
    of date, to the second, as the registered_only filter counts it."""

    hour: datetime
    fresh_since: str  # a stored timestamp: compared with checked_at as text


def make_clock(now: datetime | None = None) -> Clock:
    now = now or datetime.now(UTC)
    return Clock(
        now.replace(minute=0, second=0, microsecond=0),
        times.iso(now - timedelta(days=STALE_AFTER_DAYS)),
    )


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


def person_lines(
    people: Sequence[listings.Practitioner], base_urls: Mapping[str, str], clock: Clock
) -> tuple[PersonLine, ...]:
    return tuple(person_line(person, base_urls, clock) for person in people)


def person_line(
    person: listings.Practitioner, base_urls: Mapping[str, str], clock: Clock
) -> PersonLine:
    state = person.registration
    outcome = state.outcome
    status = OUTCOME_BADGES.get(outcome, OUTCOME_BADGES["unknown"])
    if outcome not in (None, "registered") and _adds_to(status, state.status_raw):
        status += f": “{state.status_raw}”"  # a restriction, or what was unclear, in its words
    checked = _parse_time(state.checked_at) if outcome else None
    days = (clock.hour - checked).days if checked else None
    return PersonLine(
        name=person.name,
        profession=person.profession,
        status=status,
        outcome=outcome or "unverified",
        reference=f"{REGISTER_NAMES[person.register]} {person.registration_number}",
        checked_iso=state.checked_at if checked else None,
        checked_ago=_ago(days) if days is not None else None,
        warning=_warning(outcome, days, state.reason, (state.checked_at or "") < clock.fresh_since),
        url=state.source_url
        or _entry_url(person.register, person.registration_number, base_urls.get(person.register)),
    )


@functools.lru_cache(maxsize=100_000)
def _entry_url(register: str, number: str, base_url: str | None) -> str:
    """The register's page for a number never checked (the scrapers build it; a few µs)."""
    return listings.register_entry_url(register, number, {register: base_url} if base_url else None)


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
