"""Checks the curated self-referral dataset: every problem, one line each."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from urllib.parse import urlsplit

from finder.places import areas, nhs_areas
from finder.selfref import evidence
from finder.selfref.answers import (
    DATA,
    Service,
    parse_service,
    read_csv,
)

MAX_QUOTE_WORDS = 25


def well_formed_url(url: str) -> bool:
    parts = urlsplit(url)
    return (
        parts.scheme in ("http", "https")
        and "." in parts.netloc
        and not any(c.isspace() for c in url)
    )


def validate(
    folder: Path = DATA, lads: dict[str, str] | None = None, today: dt.date | None = None
) -> list[str]:
    """Every problem in the dataset, one line each; an empty list means it is sound.

    `lads` maps every LAD code in the postcode data to its nation (default: lads.csv).
    """
    today = today or dt.date.today()
    if lads is None:
        lads = {code: nation for code, _name, nation in areas.lad_rows()}
    problems: list[str] = []
    services: dict[str, Service] = {}
    rows = read_csv(folder / "selfref_services.csv")
    for number, row in enumerate(rows, start=2):
        where = f"selfref_services.csv line {number} ({row.get('id') or 'no id'})"
        problems += _check_service_row(row, where, services, today)
    fallbacks = {s.nation for s in services.values() if s.kind == "fallback"}
    for nation in areas.NATIONS:
        count = sum(1 for s in services.values() if s.kind == "fallback" and s.nation == nation)
        if count > 1:
            problems.append(f"{areas.NATION_NAMES[nation]} has {count} fallback rows: keep one")
    for code, nation in sorted(lads.items()):
        if nation in areas.NATIONS and nation not in fallbacks:
            problems.append(f"LAD {code} is not covered: {nation} has no fallback row")
    broken = {row.get("id", "") for row in rows} - set(services)  # already reported above
    problems += _check_coverage(folder, services, lads, broken)
    problems += _check_nhs_areas(folder, lads)
    return problems


def _check_nhs_areas(folder: Path, lads: dict[str, str]) -> list[str]:
    """Every UK LAD has a row in nhs_areas.csv naming its NHS area."""
    path = folder / "nhs_areas.csv"
    if not path.exists():
        return [f"{path.name} is missing: run scripts/make_area_tables.py"]
    named: dict[str, bool] = {}
    for row in nhs_areas.read_rows(path):
        named[row["lad_code"]] = named.get(row["lad_code"], False) or bool(row["nhs_area_name"])
    problems = []
    for code, nation in sorted(lads.items()):
        if nation not in areas.NATIONS:
            continue
        if code not in named:
            problems.append(f"LAD {code} has no row in nhs_areas.csv")
        elif not named[code]:
            problems.append(f"LAD {code} has no NHS area in nhs_areas.csv")
    return problems


def _check_service_row(
    row: dict[str, str], where: str, services: dict[str, Service], today: dt.date
) -> list[str]:
    problems = []
    if not row.get("id"):
        return [f"{where}: id is missing"]
    if row["id"] in services:
        return [f"{where}: id {row['id']} is used twice"]
    if not row.get("source_url"):
        problems.append(f"{where}: source_url is missing")
    elif not well_formed_url(row["source_url"]):
        problems.append(f"{where}: source_url {row['source_url']!r} is not a web address")
    if row.get("url") and not well_formed_url(row["url"]):
        problems.append(f"{where}: url {row['url']!r} is not a web address")
    if not row.get("read_on"):
        problems.append(f"{where}: read_on is missing")
    known = row.get("status") not in ("unknown", None)
    if known and not row.get("source_date"):
        problems.append(f"{where}: source_date is missing (the page's own date, or undated)")
    quote_words = len((row.get("evidence_quote") or "").split())
    if known and quote_words == 0:
        problems.append(f"{where}: evidence_quote is missing")
    elif quote_words > MAX_QUOTE_WORDS:
        problems.append(
            f"{where}: evidence_quote has {quote_words} words (at most {MAX_QUOTE_WORDS})"
        )
    try:
        service = parse_service(row)
    except (ValueError, KeyError) as error:
        if row.get("read_on"):
            problems.append(f"{where}: {error}")
        return problems
    if service.read_on > today:
        problems.append(f"{where}: read_on {service.read_on} is in the future")
    source_day = evidence.latest_day(service.source_date)
    if source_day is not None and source_day.year > today.year:
        problems.append(f"{where}: source_date {service.source_date} is in the future")
    services[service.id] = service
    return problems


def _check_coverage(
    folder: Path, services: dict[str, Service], lads: dict[str, str], broken: set[str]
) -> list[str]:
    problems = []
    area_names: dict[str, set[str]] = {}
    if (folder / "nhs_areas.csv").exists():
        for area in nhs_areas.read_rows(folder / "nhs_areas.csv"):
            area_names.setdefault(area["lad_code"], set()).add(area["nhs_area_name"])
    seen: dict[str, dict[str, bool]] = {}  # LAD -> {service id: partial}
    for number, row in enumerate(read_csv(folder / "selfref_coverage.csv"), start=2):
        where = f"selfref_coverage.csv line {number}"
        service, lad = services.get(row.get("service_id", "")), row.get("lad_code", "")
        if service is None:
            if row.get("service_id") in broken:
                continue
            problems.append(f"{where}: unknown service {row.get('service_id')!r}")
            continue
        if service.kind == "fallback":
            problems.append(f"{where}: {service.id} is a fallback, which covers its whole nation")
            continue
        if lad not in lads:
            problems.append(f"{where}: {lad!r} is not a LAD in the postcode data")
            continue
        if lads[lad] != service.nation:
            problems.append(f"{where}: {service.id} is in {service.nation} but {lad} is not")
        via = row.get("nhs_area") or ""
        if via and via not in area_names.get(lad, set()):
            problems.append(f"{where}: {lad} is not in the NHS area {via!r} (nhs_areas.csv)")
        if row.get("partial") not in ("yes", "no"):
            problems.append(f"{where}: partial must be yes or no, not {row.get('partial')!r}")
        if service.id in seen.setdefault(lad, {}):
            problems.append(f"{where}: {service.id} covers {lad} twice")
        seen[lad][service.id] = row.get("partial") == "yes"
    covered = {sid for covering in seen.values() for sid in covering}
    for service in services.values():
        if service.kind == "service" and service.id not in covered:
            problems.append(f"{service.id} covers no LAD: add rows to selfref_coverage.csv")
    for lad, covering in sorted(seen.items()):
        whole = {services[sid].status for sid, partial in covering.items() if not partial}
        if "available" in whole and "not_available" in whole:
            ids = ", ".join(sorted(covering))
            problems.append(f"LAD {lad} has contradicting services ({ids}): one available and "
                            "one not available for the whole area")  # fmt: skip
    return problems
