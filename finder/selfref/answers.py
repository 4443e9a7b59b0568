"""Can I refer myself to NHS physiotherapy here? Answers by local authority (LAD).

The data is curated, not fetched: finder/data/selfref_services.csv lists services (and one
fallback row of general advice per nation), each with its source, the source's own date, the day
it was read and a short evidence quote; finder/data/selfref_coverage.csv says which LADs each
service covers. scripts/make_selfref_tables.py makes both from the research table;
docs/self-referral.md says where every row came from and how to update them.

Postcode -> LAD -> the services covering it, plus the nation's fallback advice, the GP-practice
caveat and red-flag advice. finder.selfref.validate checks the dataset.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from finder.places import areas, nhs_areas, splits
from finder.places.postcodes import Location
from finder.selfref import evidence

DATA = Path(__file__).parent.parent / "data"
STALE_AFTER_DAYS = 180
STATUSES = ("available", "partial", "not_available", "unknown")
KINDS = ("service", "fallback")
METHODS = {
    "online_form": "Fill in a form online",
    "paper_form": "Print or pick up a paper form and post it",
    "form_via_gp": "Fill in a form and hand it in at your GP practice",
    "phone": "Phone the service",
    "national_helpline": "Phone a national helpline",
    "ask_gp_practice": "Ask your GP practice",
}
VERIFIED_FROM = {"stored copy": "a saved copy of the page", "live": "the live page"}

GP_PRACTICE_CAVEAT = (
    "This answer is based on where you live. NHS physiotherapy services usually go by the GP "
    "practice you are registered with, not your home address: if your GP practice is in a "
    "different area, its area's rules apply, so check with your GP practice."
)
RED_FLAG_SYMPTOMS = [
    "difficulty peeing, or losing control of your bladder or bowels",
    "numbness or tingling around your genitals or bottom",
    "numbness, pins and needles or weakness in both legs",
]
SEE_GP_FIRST = [
    "you have lost weight without trying",
    "you have a fever or feel generally unwell",
    "you have had cancer",
    "you have recently become unsteady on your feet",
]
URGENT_HELP = {
    "england": "call NHS 111 now, or 999 if it is an emergency",
    "scotland": "call NHS 24 on 111 now, or 999 if it is an emergency",
    "wales": "call NHS 111 Wales on 111 now, or 999 if it is an emergency",
    "northern_ireland": "contact your GP practice urgently (or the GP out-of-hours service "
    "when it is closed), or call 999 if it is an emergency",
}


@dataclass(frozen=True)
class Service:
    id: str
    nation: str
    kind: str
    area_type: str
    name: str
    provider: str
    status: str
    methods: tuple[str, ...]
    url: str | None
    phone: str | None
    min_age: int | None
    needs_local_gp: str  # yes / no / unknown
    eligibility: str
    source_url: str
    source_date: str  # the page's own date (YYYY, YYYY-MM or YYYY-MM-DD) or "undated"
    read_on: dt.date  # when the page (a stored copy) was read
    evidence_quote: str
    verified_from: str
    notes: str

    def stale(self, today: dt.date) -> bool:
        """Read too long ago, or resting on a source older than two years."""
        strength = evidence.strength(self.source_date, today)
        return (today - self.read_on).days > STALE_AFTER_DAYS or strength in ("older", "old")

    def to_dict(self, today: dt.date, partial_coverage: bool = False) -> dict:
        strength = evidence.strength(self.source_date, today)
        return {
            "id": self.id,
            "name": self.name,
            "provider": self.provider,
            "status": self.status,
            "covers_part_of_area": partial_coverage,
            "methods": [{"code": m, "text": METHODS[m]} for m in self.methods],
            "url": self.url,
            "phone": self.phone,
            "min_age": self.min_age,
            "needs_local_gp": self.needs_local_gp,
            "eligibility": self.eligibility,
            "source_url": self.source_url,
            "source_date": self.source_date,
            "source_date_text": evidence.describe(self.source_date),
            "source_strength": strength,
            "source_older_than_3_years": strength == "old",
            "read_on": self.read_on.isoformat(),
            "last_verified": self.read_on.isoformat(),
            "verified_from": self.verified_from,
            "evidence_quote": self.evidence_quote or None,
            "stale": self.stale(today),
            "notes": self.notes or None,
        }


def parse_service(row: dict[str, str]) -> Service:
    """One CSV row -> Service. Raises ValueError naming the first bad field."""
    methods = tuple(m for m in (row.get("methods") or "").split(";") if m)
    for method in methods:
        if method not in METHODS:
            raise ValueError(f"unknown method {method!r}")
    for field, allowed in (
        ("nation", areas.NATIONS), ("kind", KINDS), ("status", STATUSES),
        ("needs_local_gp", ("yes", "no", "unknown")), ("verified_from", tuple(VERIFIED_FROM)),
    ):  # fmt: skip
        if row.get(field) not in allowed:
            raise ValueError(f"{field} {row.get(field)!r} is not one of {', '.join(allowed)}")
    try:
        read_on = dt.date.fromisoformat(row.get("read_on") or "")
    except ValueError:
        raise ValueError(f"read_on {row.get('read_on')!r} is not a date") from None
    source_date = row.get("source_date") or evidence.UNDATED
    evidence.latest_day(source_date)  # raises ValueError naming a malformed date
    min_age = row.get("min_age") or ""
    if min_age and not min_age.isdigit():
        raise ValueError(f"min_age {min_age!r} is not a whole number")
    return Service(
        id=row["id"], nation=row["nation"], kind=row["kind"],
        area_type=row.get("area_type") or "", name=row["name"],
        provider=row["provider"], status=row["status"], methods=methods,
        url=row.get("url") or None, phone=row.get("phone") or None,
        min_age=int(min_age) if min_age else None, needs_local_gp=row["needs_local_gp"],
        eligibility=row.get("eligibility") or "", source_url=row.get("source_url") or "",
        source_date=source_date, read_on=read_on,
        evidence_quote=row.get("evidence_quote") or "", verified_from=row["verified_from"],
        notes=row.get("notes") or "",
    )  # fmt: skip


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@dataclass(frozen=True)
class Dataset:
    services: dict[str, Service]
    # LAD code -> [(service id, partial, the NHS area through which it covers the LAD)]
    coverage: dict[str, list[tuple[str, bool, str]]]

    @classmethod
    def load(cls, folder: Path = DATA) -> Dataset:
        services = {
            row["id"]: parse_service(row) for row in read_csv(folder / "selfref_services.csv")
        }
        coverage: dict[str, list[tuple[str, bool, str]]] = {}
        for row in read_csv(folder / "selfref_coverage.csv"):
            coverage.setdefault(row["lad_code"], []).append(
                (row["service_id"], row["partial"] == "yes", row.get("nhs_area") or "")
            )
        return cls(services, coverage)

    def fallback(self, nation: str) -> Service:
        return next(
            s for s in self.services.values() if s.kind == "fallback" and s.nation == nation
        )


_DEFAULT: Dataset | None = None


def dataset() -> Dataset:
    """The committed dataset, loaded once per process (it is a few kilobytes)."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = Dataset.load()
    return _DEFAULT


# --- answers -------------------------------------------------------------------------------


def overall_status(matches: list[tuple[Service, bool]]) -> str:
    """available: a service covering the whole area takes self-referrals; partial: only some
    of the area or some people can; not_available: every service says no; else unknown."""
    statuses = {(s.status, partial) for s, partial in matches}
    if ("available", False) in statuses:
        return "available"
    if any(status in ("available", "partial") for status, _ in statuses):
        return "partial"
    if statuses and all(status == "not_available" for status, _ in statuses):
        return "not_available"
    return "unknown"


def evidence_for(status: str, matches: list[tuple[Service, bool]]) -> Service | None:
    """The service whose source the headline rests on: the newest source among those that
    give the overall status (newest evidence wins)."""
    wanted = ("available", "partial") if status == "partial" else (status,)
    candidates = [s for s, _ in matches if s.status in wanted]
    return max(
        candidates,
        key=lambda s: evidence.latest_day(s.source_date) or dt.date.min,
        default=None,
    )


def answer(
    location: Location, *, today: dt.date | None = None, data: Dataset | None = None
) -> dict:
    """The self-referral answer for a looked-up postcode, as the API returns it."""
    data = data or dataset()
    today = today or dt.date.today()
    nhs = nhs_areas.areas_for(location.lad_code)
    covering = data.coverage.get(location.lad_code, [])
    district = splits.area_for(location.postcode, location.lad_code)
    if district is not None:  # the postcode's district lies wholly in one of the LAD's areas
        others = {a.name for a in nhs if a.type != "msk_provider"} - {district.nhs_area}
        nhs = [a for a in nhs if a.type == "msk_provider" or a.name == district.nhs_area]
        nhs = [nhs_areas.NhsArea(a.type, a.code, a.name, a.partial and a.type == "msk_provider")
               for a in nhs]  # fmt: skip
        covering = [
            (sid, partial and via != district.nhs_area, via)
            for sid, partial, via in covering
            if via not in others
        ]
    matches = [(data.services[service_id], partial) for service_id, partial, _via in covering]
    matches.sort(key=lambda match: (match[1], STATUSES.index(match[0].status), match[0].name))
    status = overall_status(matches)
    source = evidence_for(status, matches)
    return {
        "postcode": location.to_dict(),
        "area": {
            "lad": {"code": location.lad_code, "name": location.lad_name},
            "nation": location.nation,
            "nation_name": areas.NATION_NAMES[location.nation],
            "nhs_areas": [area.to_dict() for area in nhs],
            "split_between_nhs_areas": sum(a.type != "msk_provider" for a in nhs) > 1,
            "postcode_district_rule": district.to_dict() if district else None,
        },
        "self_referral": status,
        "headline": evidence.headline(
            status, location.lad_name, source.source_date if source else None, today
        ),
        "headline_source": source.id if source else None,
        "services": [service.to_dict(today, partial) for service, partial in matches],
        "fallback": data.fallback(location.nation).to_dict(today),
        "gp_practice_caveat": GP_PRACTICE_CAVEAT,
        "red_flags": {
            "symptoms": RED_FLAG_SYMPTOMS,
            "action": URGENT_HELP[location.nation],
            "see_gp_first": SEE_GP_FIRST,
        },
    }
