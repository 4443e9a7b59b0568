"""Regenerate finder/data/nhs_areas.csv: every local authority (LAD) with its nation and the
NHS area it lies in.

LAD codes, names and nations come from finder/data/lads.csv (itself made from the packaged ONS
Postcode Directory by scripts/make_lads_csv.py). No installable package ships the NHS area
lookups, so they are written out below, each with its source:

- Scotland: council area -> NHS board (14 boards; every council lies in exactly one).
- Wales: unitary authority -> local health board (7 boards; every authority lies in one).
- Northern Ireland: council -> Health and Social Care trust (5 trusts). Councils do not nest in
  trusts: a council served by two trusts gets one row per trust, marked partial. No published
  lookup file was found; the rows are derived from the trusts' own descriptions of the areas
  they serve (see NI_SOURCE) and must be re-checked before they are relied on.
- England: LAD -> Integrated Care Board(s), from finder/data/lad_icb.csv (ONS lookup of July
  2022, see scripts/make_lad_icb_csv.py); a LAD whose neighbourhoods lie in two or three ICBs
  gets one row per ICB, largest share first, marked partial. Nothing else is keyed on ICB codes:
  they change (the mergers of 1 April 2026 are not in the source).
- Community MSK services that cover part of an NHS area: the `msk_provider` rows of the research
  table docs/research/selfref-2026-12-07/areas.csv, for the LADs they list; partial when the
  row's name says it covers only "part of" a council.

    .venv/bin/python scripts/make_area_tables.py > finder/data/nhs_areas.csv
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "finder" / "data"

SCOTLAND_SOURCE = (
    "Council area to NHS board lookup, Public Health Scotland open data "
    "(https://www.opendata.nhs.scot/en_AU/dataset/cbd1802e-0e04-4282-88eb-d7bdcfb120f0/resource/"
    "c698f450-eeed-41a0-88f7-c1e40a568acc), as copied in GoogleCloudPlatform/covid-19-open-data"
)
WALES_SOURCE = (
    "ONS Unitary Authority to Local Health Board (April 2019) Lookup in Wales "
    "(https://data.gov.uk/dataset/0ae307c2-3092-41e7-a3d0-5d268c8d3662/"
    "unitary-authority-to-local-health-board-april-2019-lookup-in-wales), as copied in "
    "GoogleCloudPlatform/covid-19-open-data"
)
NI_SOURCE = (
    "UNVERIFIED: derived from the trusts' descriptions of the former councils they serve "
    "(https://southerntrust.hscni.net/about-us and others, see docs/self-referral.md) and the "
    "2015 council mergers; no published council-to-trust lookup was found"
)
RESEARCH = Path(__file__).resolve().parent.parent / "docs" / "research" / "selfref-2026-12-07"
RESEARCH_SOURCE = "research table docs/research/selfref-2026-12-07/areas.csv (row {})"

SCOTTISH_BOARDS = {
    "S08000015": "NHS Ayrshire and Arran",
    "S08000016": "NHS Borders",
    "S08000017": "NHS Dumfries and Galloway",
    "S08000019": "NHS Forth Valley",
    "S08000020": "NHS Grampian",
    "S08000022": "NHS Highland",
    "S08000024": "NHS Lothian",
    "S08000025": "NHS Orkney",
    "S08000026": "NHS Shetland",
    "S08000028": "NHS Western Isles",
    "S08000029": "NHS Fife",
    "S08000030": "NHS Tayside",
    "S08000031": "NHS Greater Glasgow and Clyde",
    "S08000032": "NHS Lanarkshire",
}

SCOTLAND = {  # council area -> NHS board
    "S12000005": "S08000019", "S12000006": "S08000017", "S12000008": "S08000015",
    "S12000010": "S08000024", "S12000011": "S08000031", "S12000013": "S08000028",
    "S12000014": "S08000019", "S12000017": "S08000022", "S12000018": "S08000031",
    "S12000019": "S08000024", "S12000020": "S08000020", "S12000021": "S08000015",
    "S12000023": "S08000025", "S12000026": "S08000016", "S12000027": "S08000026",
    "S12000028": "S08000015", "S12000029": "S08000032", "S12000030": "S08000019",
    "S12000033": "S08000020", "S12000034": "S08000020", "S12000035": "S08000022",
    "S12000036": "S08000024", "S12000038": "S08000031", "S12000039": "S08000031",
    "S12000040": "S08000024", "S12000041": "S08000030", "S12000042": "S08000030",
    "S12000045": "S08000031", "S12000047": "S08000029", "S12000048": "S08000030",
    "S12000049": "S08000031", "S12000050": "S08000032",
}  # fmt: skip

WELSH_BOARDS = {
    "W11000023": "Betsi Cadwaladr University Health Board",
    "W11000024": "Powys Teaching Health Board",
    "W11000025": "Hywel Dda University Health Board",
    "W11000028": "Aneurin Bevan University Health Board",
    "W11000029": "Cardiff and Vale University Health Board",
    "W11000030": "Cwm Taf Morgannwg University Health Board",
    "W11000031": "Swansea Bay University Health Board",
}

WALES = {  # unitary authority -> local health board
    "W06000001": "W11000023", "W06000002": "W11000023", "W06000003": "W11000023",
    "W06000004": "W11000023", "W06000005": "W11000023", "W06000006": "W11000023",
    "W06000023": "W11000024", "W06000008": "W11000025", "W06000009": "W11000025",
    "W06000010": "W11000025", "W06000018": "W11000028", "W06000019": "W11000028",
    "W06000020": "W11000028", "W06000021": "W11000028", "W06000022": "W11000028",
    "W06000014": "W11000029", "W06000015": "W11000029", "W06000013": "W11000030",
    "W06000016": "W11000030", "W06000024": "W11000030", "W06000011": "W11000031",
    "W06000012": "W11000031",
}  # fmt: skip

BELFAST = "Belfast Health and Social Care Trust"
NORTHERN = "Northern Health and Social Care Trust"
SOUTH_EASTERN = "South Eastern Health and Social Care Trust"
SOUTHERN = "Southern Health and Social Care Trust"
WESTERN = "Western Health and Social Care Trust"

NORTHERN_IRELAND = {  # council -> trusts; two trusts means the council is split between them
    "N09000001": [NORTHERN],  # Antrim and Newtownabbey
    "N09000002": [SOUTHERN],  # Armagh City, Banbridge and Craigavon
    "N09000003": [BELFAST],  # Belfast
    "N09000004": [NORTHERN, WESTERN],  # Causeway Coast and Glens: former Limavady is Western
    "N09000005": [WESTERN],  # Derry City and Strabane
    "N09000006": [WESTERN],  # Fermanagh and Omagh
    "N09000007": [SOUTH_EASTERN, BELFAST],  # Lisburn and Castlereagh: parts of Castlereagh
    "N09000008": [NORTHERN],  # Mid and East Antrim
    "N09000009": [NORTHERN, SOUTHERN],  # Mid Ulster: former Dungannon is Southern
    "N09000010": [SOUTHERN, SOUTH_EASTERN],  # Newry, Mourne and Down: former Down is S. Eastern
    "N09000011": [SOUTH_EASTERN],  # Ards and North Down
}

COLUMNS = [
    "lad_code", "lad_name", "nation", "nhs_area_type", "nhs_area_code", "nhs_area_name",
    "partial", "source",
]  # fmt: skip


def read(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def england_icbs() -> dict[str, list[list[str]]]:
    """LAD code -> [ICB code, ICB name, LSOA count, source], largest share first."""
    shares: dict[str, dict[str, list]] = {}
    for row in read(DATA / "lad_icb.csv"):
        icb = shares.setdefault(row["lad_code"], {}).setdefault(
            row["icb_code"], [row["icb_code"], row["icb_name"], 0, row["source"]]
        )
        icb[2] += int(row["lsoas"])
    return {lad: sorted(icbs.values(), key=lambda i: (-i[2], i[0])) for lad, icbs in shares.items()}


def msk_areas() -> dict[str, list[list[str]]]:
    """LAD code -> rows for the community MSK service areas the research table lists."""
    by_lad: dict[str, list[list[str]]] = {}
    for row in read(RESEARCH / "areas.csv"):
        if row["area_type"] != "msk_provider":
            continue
        partial = "yes" if "(part of" in row["area_name"] else "no"
        for lad in filter(None, row["lad_codes"].split(";")):
            by_lad.setdefault(lad, []).append(
                ["msk_provider", "", row["area_name"], partial,
                 RESEARCH_SOURCE.format(row["area_id"])]
            )  # fmt: skip
    return by_lad


def rows_for(
    code: str, name: str, nation: str, icbs: dict[str, list], msk: dict[str, list]
) -> list[list[str]]:
    """The nhs_areas.csv rows of one LAD; exits when a UK LAD has no mapping."""
    extra = [[code, name, nation, *area] for area in msk.get(code, [])]
    if nation == "england":
        mine = icbs.get(code) or sys.exit(f"No ICB for {code} {name}")
        partial = "yes" if len(mine) > 1 else "no"
        return [[code, name, nation, "icb", icb, icb_name, partial, source]
                for icb, icb_name, _n, source in mine] + extra  # fmt: skip
    if nation == "scotland":
        board = SCOTLAND.get(code) or sys.exit(f"No NHS board for {code} {name}")
        return [[code, name, nation, "health_board", board, SCOTTISH_BOARDS[board], "no",
                 SCOTLAND_SOURCE], *extra]  # fmt: skip
    if nation == "wales":
        board = WALES.get(code) or sys.exit(f"No local health board for {code} {name}")
        return [[code, name, nation, "local_health_board", board, WELSH_BOARDS[board], "no",
                 WALES_SOURCE], *extra]  # fmt: skip
    if nation == "northern_ireland":
        trusts = NORTHERN_IRELAND.get(code) or sys.exit(f"No HSC trust for {code} {name}")
        partial = "yes" if len(trusts) > 1 else "no"
        return [[code, name, nation, "hsc_trust", "", trust, partial, NI_SOURCE]
                for trust in trusts] + extra  # fmt: skip
    return []  # the Channel Islands and the Isle of Man: not covered


def main() -> None:
    with open(DATA / "lads.csv", newline="", encoding="utf-8") as f:
        lads = list(csv.DictReader(f))
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(COLUMNS)
    icbs, msk = england_icbs(), msk_areas()
    for lad in lads:
        out.writerows(rows_for(lad["code"], lad["name"], lad["nation"], icbs, msk))


if __name__ == "__main__":
    main()
