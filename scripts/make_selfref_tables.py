"""Regenerate finder/data/selfref_services.csv and selfref_coverage.csv from the research table
docs/research/selfref-2026-12-07/areas.csv (one row per NHS area, with its evidence) and
finder/data/nhs_areas.csv (which LADs each NHS area covers; run make_area_tables.py first,
as it reads the same research table).

- Every research row whose status is not `unknown` becomes a service row, with its source, the
  source's own date, the day it was read and its evidence quote. `unknown` rows carry no
  source: the LADs they cover get the nation's fallback advice and a "Not known" headline.
- Which LADs a row covers comes from nhs_areas.csv, never from the research row's own
  `lad_codes` for ICBs, boards and trusts (those were the researcher's guess); only the
  `msk_provider` rows (a service covering part of an area) use their listed LADs.
- A row covers a LAD only in part when the LAD is split between NHS areas, or when an
  msk_provider row's name says "part of".
- An area row that is `partial` only because of the sub-area (msk_provider) rows inside it is a
  summary: its LADs outside those sub-areas get no service from it (saying "in parts of
  Liverpool" because Eastern Cheshire has a form would mislead), and the sub-areas get their own.
- The fallback rows (one per nation) are general advice, written below with their sources. They
  never say whether an area was checked: the headline does that, so the two cannot disagree.

    .venv/bin/python scripts/make_selfref_tables.py            # writes both files
    .venv/bin/python scripts/make_selfref_tables.py OUT_FOLDER # writes them elsewhere
"""

from __future__ import annotations

import csv
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "finder" / "data"
RESEARCH = ROOT / "docs" / "research" / "selfref-2026-12-07" / "areas.csv"
NHS_PAGE = "https://www.nhs.uk/conditions/physiotherapy/accessing/"
PHS_2022 = (
    "https://beta.publichealthscotland.scot/publications/allied-health-professionals-"
    "musculoskeletal-waiting-times-in-nhsscotland/allied-health-professionals-musculoskeletal-"
    "waiting-times-in-nhsscotland-quarter-ending-31-march-2022/"
)
FALLBACK_READ_ON = "2026-11-28"

SERVICE_COLUMNS = [
    "id", "nation", "kind", "area_type", "name", "provider", "status", "methods", "url",
    "phone", "min_age", "needs_local_gp", "eligibility", "source_url", "source_date", "read_on",
    "evidence_quote", "verified_from", "notes",
]  # fmt: skip
COVERAGE_COLUMNS = ["service_id", "lad_code", "partial", "nhs_area"]

FALLBACKS = [
    {
        "nation": "england", "name": "Ask your GP practice",
        "eligibility": "Many areas of England let you refer yourself to NHS physiotherapy for "
        "muscle, joint and back problems, but not all of them. Ask the reception team at your GP "
        "practice, or look on your practice's website: many have a self-referral form. For "
        "urgent advice that is not an emergency, call NHS 111.",
        "phone": "111", "source_url": NHS_PAGE, "source_date": "undated",
        "notes": "Read from copies of the NHS page republished by other websites (they still "
        "mention CCGs, so the text is from before July 2022); the NHS page itself was not read.",
    },
    {
        "nation": "scotland", "name": "Ask your GP practice or your NHS board",
        "eligibility": "Some NHS boards in Scotland let you refer yourself to physiotherapy, "
        "usually with a form on the board's website. Ask the reception team at your GP practice. "
        "For urgent advice that is not an emergency, call NHS 24 on 111. NHS 24's phone line "
        "for muscle and joint problems (MATS) was suspended in March 2020 and no source we read "
        "says it restarted, so we do not list its number.",
        "phone": "111", "source_url": PHS_2022, "source_date": "2022",
        "notes": "Public Health Scotland, quarter ending 31 March 2022: self-referrals to MATS "
        "were still suspended.",
    },
    {
        "nation": "wales", "name": "Ask your GP practice or your health board",
        "eligibility": "Ask the reception team at your GP practice whether you can refer "
        "yourself to NHS physiotherapy, or look on your practice's or health board's website. "
        "For urgent advice that is not an emergency, call NHS 111 Wales on 111.",
        "phone": "111", "source_url": "https://111.wales.nhs.uk/Encyclopaedia/p/article/physiotherapy/",
        "source_date": "undated", "notes": "NHS 111 Wales physiotherapy page (stored copy).",
    },
    {
        "nation": "northern_ireland",
        "name": "Ask your GP practice or your health and social care trust",
        "eligibility": "In Northern Ireland you usually need your GP practice to refer you for "
        "NHS physiotherapy, unless your trust or practice offers self-referral. Ask the "
        "reception team at your GP practice. If you need a doctor urgently when your GP "
        "practice is closed, contact the GP out-of-hours service.",
        "phone": "", "source_url": "https://www.londonderrysentinel.co.uk/news/derry-physios-"
        "believe-direct-referrals-will-ease-pressure-on-gps-1-7835939",
        "source_date": "undated",
        "notes": "About 2017: the Health and Social Care Board decided not to roll self-referral "
        "out across Northern Ireland. NHS 111 is not given: no source confirms it there.",
    },
]  # fmt: skip


def read(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def min_age(who: str) -> str:
    found = re.search(r"(?:over|aged) (\d\d)|(\d\d)\+|(\d\d) or over", who)
    return next((g for g in found.groups() if g), "") if found else ""


def needs_local_gp(who: str) -> str:
    mentions_gp = re.search(r"\bGP\b", who)
    return "yes" if mentions_gp and re.search(r"registered|patients of", who, re.I) else "unknown"


def provider(row: dict[str, str]) -> str:
    return re.sub(r"\s*\[E54\d+\]$", "", row["area_name"])


def service_row(row: dict[str, str]) -> dict[str, str]:
    who = row["who_can_use"]
    return {
        "id": row["area_id"], "nation": row["nation"], "kind": "service",
        "area_type": row["area_type"], "provider": provider(row),
        "name": row["service_name"] or "Physiotherapy self-referral",
        "status": row["status"], "methods": row["methods"], "url": row["url"],
        "phone": row["phone"], "min_age": min_age(who), "needs_local_gp": needs_local_gp(who),
        "eligibility": who, "source_url": row["source_url"], "source_date": row["source_date"],
        "read_on": row["read_on"], "evidence_quote": row["evidence_quote"],
        "verified_from": "stored copy", "notes": row["notes"],
    }  # fmt: skip


def fallback_row(fallback: dict[str, str]) -> dict[str, str]:
    row = dict.fromkeys(SERVICE_COLUMNS, "")
    row.update(fallback)
    row.update(
        id=f"fallback-{fallback['nation']}", kind="fallback", area_type="nation",
        provider="Your GP practice", status="unknown", methods="ask_gp_practice",
        needs_local_gp="unknown", read_on=FALLBACK_READ_ON, verified_from="stored copy",
    )  # fmt: skip
    return row


def area_lads(nhs_rows: list[dict[str, str]]) -> dict[str, list[tuple[str, bool]]]:
    """NHS area key (ICB code, or board/trust name) -> [(LAD code, LAD split between areas)]."""
    lads: dict[str, list[tuple[str, bool]]] = {}
    for row in nhs_rows:
        if row["nhs_area_type"] in ("", "msk_provider"):
            continue
        key = row["nhs_area_code"] if row["nhs_area_type"] == "icb" else row["nhs_area_name"]
        lads.setdefault(key, []).append((row["lad_code"], row["partial"] == "yes"))
    return lads


def area_key(row: dict[str, str]) -> str:
    if row["area_type"] == "icb":
        found = re.search(r"\[(E54\d+)\]", row["area_name"])
        return found.group(1) if found else row["area_name"]
    return row["area_name"]


def coverage(research: list[dict[str, str]], nhs_rows: list[dict[str, str]]) -> list[list[str]]:
    """Coverage rows: [service id, LAD code, partial, the NHS area it covers the LAD through]."""
    by_area = area_lads(nhs_rows)
    parents = {  # LAD -> the NHS area (ICB code, or board/trust name) it lies wholly in
        lad: {key for key, members in by_area.items() if (lad, False) in members}
        for lad in {r["lad_code"] for r in nhs_rows}
    }
    subs = [r for r in research if r["area_type"] == "msk_provider"]
    sub_parents = {key for r in subs for lad in r["lad_codes"].split(";") if lad
                   for key in parents.get(lad, ())}  # fmt: skip
    rows = []
    for row in research:
        if row["status"] == "unknown":
            continue
        if row["area_type"] == "msk_provider":
            partial = "yes" if "(part of" in row["area_name"] else "no"
            for lad in filter(None, row["lad_codes"].split(";")):
                rows.append([row["area_id"], lad, partial, row["area_name"]])
            continue
        key = area_key(row)
        if key not in by_area:
            sys.exit(f"{row['area_id']}: no LAD lies in {row['area_name']} (nhs_areas.csv)")
        if row["status"] == "partial" and key in sub_parents:
            continue  # a summary of its sub-areas: see the module docstring
        for lad, split in by_area[key]:
            rows.append([row["area_id"], lad, "yes" if split else "no", provider(row)])
    return rows


def main(out: Path) -> None:
    research = read(RESEARCH)
    covered = coverage(research, read(DATA / "nhs_areas.csv"))
    used = {row[0] for row in covered}
    services = [fallback_row(f) for f in FALLBACKS]
    services += [service_row(r) for r in research if r["area_id"] in used]
    with open(out / "selfref_services.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, SERVICE_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(services)
    with open(out / "selfref_coverage.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(COVERAGE_COLUMNS)
        writer.writerows(covered)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else DATA)
