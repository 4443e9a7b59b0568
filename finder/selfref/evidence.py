"""How strong a self-referral claim is, from the date of the source behind it.

A source's own date (`source_date`) is a day, a month or a year (`2024-05-16`, `2024-04`,
`2024`) or `undated`. The headline says "Yes" only on a source dated within the last two
years; older or undated evidence gives "Probably: a 2024 page says…", and a source older than
three years says so.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

RECENT_YEARS = 2  # a source older than this is stale and never gives an unqualified "Yes"
OLD_YEARS = 3  # a claim resting on a source older than this says so
UNDATED = "undated"
_FORMAT = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$")


def latest_day(source_date: str) -> dt.date | None:
    """The last day the source could be from ('2024' -> 31 Dec 2024); None when undated.
    Raises ValueError for anything else."""
    if source_date == UNDATED:
        return None
    found = _FORMAT.match(source_date or "")
    if not found:
        raise ValueError(
            f"source_date {source_date!r} is not a date (YYYY, YYYY-MM or YYYY-MM-DD) or "
            f"{UNDATED!r}"
        )
    year, month, day = (int(g) if g else None for g in found.groups())
    if month is None:
        return dt.date(year, 12, 31)
    if day is None:
        return dt.date(year, month, calendar.monthrange(year, month)[1])
    return dt.date(year, month, day)


def describe(source_date: str) -> str | None:
    """'2024-05-16' -> '16 May 2024', '2024-04' -> 'April 2024', '2024' -> '2024'."""
    if latest_day(source_date) is None:
        return None
    parts = [int(p) for p in source_date.split("-")]
    if len(parts) == 1:
        return str(parts[0])
    month = calendar.month_name[parts[1]]
    return f"{parts[2]} {month} {parts[0]}" if len(parts) == 3 else f"{month} {parts[0]}"


def earliest_day(source_date: str) -> dt.date | None:
    """The first day the source could be from ('2024' -> 1 Jan 2024); None when undated."""
    day = latest_day(source_date)
    if day is None:
        return None
    precision = source_date.count("-")  # 0: a year, 1: a month, 2: a day
    if precision == 0:
        return day.replace(month=1, day=1)
    return day.replace(day=1) if precision == 1 else day


def strength(source_date: str, today: dt.date) -> str:
    """recent (surely within 2 years), old (surely over 3 years), older (in between) or
    undated. A year or month counts from its first day for "recent" and its last for "old"."""
    latest, earliest = latest_day(source_date), earliest_day(source_date)
    if latest is None or earliest is None:
        return "undated"
    if (today - earliest).days / 365.25 <= RECENT_YEARS:
        return "recent"
    return "old" if (today - latest).days / 365.25 > OLD_YEARS else "older"


def page_phrase(source_date: str, today: dt.date) -> str:
    """How the headline names its source: 'an undated page', 'a page dated April 2024',
    'a page from 2015, more than 3 years old,'."""
    text = describe(source_date)
    if text is None:
        return "an undated page"
    dated = f"a page from {text}" if len(text) == 4 else f"a page dated {text}"
    if strength(source_date, today) == "old":
        return f"{dated}, more than {OLD_YEARS} years old,"
    return dated


def headline(status: str, place: str, source_date: str | None, today: dt.date) -> str:
    """The one-line answer; its strength follows the evidence behind `status`."""
    if status == "unknown" or source_date is None:
        return (
            f"Not known: we have not found a source that says whether you can refer yourself "
            f"to NHS physiotherapy in {place}. Your GP practice can tell you."
        )
    recent = strength(source_date, today) == "recent"
    page = page_phrase(source_date, today)
    if status == "available":
        if recent:
            return (
                f"Yes: in {place} you can refer yourself to NHS physiotherapy for muscle, joint "
                f"and back problems ({page})."
            )
        return (
            f"Probably: {page} says you can refer yourself to NHS physiotherapy in {place}. "
            "Check the details below."
        )
    if status == "partial":
        if recent:
            return (
                f"In parts of {place}, or for some people, you can refer yourself to NHS "
                f"physiotherapy ({page}). Check the details below."
            )
        return (
            f"Possibly, in parts of {place} or for some people: {page} says some people "
            "there can refer themselves to NHS physiotherapy. Check the details below."
        )
    if recent:
        return (
            f"No: you cannot refer yourself to NHS physiotherapy in {place} ({page}). Ask "
            "your GP practice to refer you."
        )
    return (
        f"Probably not: {page} says you need a referral to get NHS physiotherapy in {place}. "
        "Ask your GP practice."
    )
