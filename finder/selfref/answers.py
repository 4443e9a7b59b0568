"""Can I refer myself to NHS physiotherapy here? Answers by local authority (LAD).

The data is curated, not fetched: finder/data/selfref_services.csv lists services (and one
fallback row of honest general advice per nation), each with its source and the date it was
last verified; finder/data/selfref_coverage.csv says which LADs each service covers.
docs/self-referral.md says where every row came from and how to update them.

Postcode -> LAD -> the services covering it, plus the nation's fallback advice, the GP-practice
caveat and red-flag advice. finder.selfref.validate checks the dataset.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from finder.places import areas, nhs_areas
from finder.places.postcodes import Location

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
    last_verified: dt.date
    verified_from: str
    notes: str

    def to_dict(self, today: dt.date, partial_coverage: bool = False) -> dict:
        age_days = (today - self.last_verified).days
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
            "last_verified": self.last_verified.isoformat(),
            "verified_from": self.verified_from,
            "stale": age_days > STALE_AFTER_DAYS,
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
        verified = dt.date.fromisoformat(row.get("last_verified") or "")
    except ValueError:
        raise ValueError(f"last_verified {row.get('last_verified')!r} is not a date") from None
    min_age = row.get("min_age") or ""
    if min_age and not min_age.isdigit():
        raise ValueError(f"min_age {min_age!r} is not a whole number")
    return Service(
        id=row["id"], nation=row["nation"], kind=row["kind"], name=row["name"],
        provider=row["provider"], status=row["status"], methods=methods,
        url=row.get("url") or None, phone=row.get("phone") or None,
        min_age=int(min_age) if min_age else None, needs_local_gp=row["needs_local_gp"],
        eligibility=row.get("eligibility") or "", source_url=row.get("source_url") or "",
        last_verified=verified, verified_from=row["verified_from"], notes=row.get("notes") or "",
    )  # fmt: skip


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@dataclass(frozen=True)
class Dataset:
    services: dict[str, Service]
    coverage: dict[str, list[tuple[str, bool]]]  # LAD code -> [(service id, partial)]

    @classmethod
    def load(cls, folder: Path = DATA) -> Dataset:
        services = {
            row["id"]: parse_service(row) for row in read_csv(folder / "selfref_services.csv")
        }
        coverage: dict[str, list[tuple[str, bool]]] = {}
        for row in read_csv(folder / "selfref_coverage.csv"):
            coverage.setdefault(row["lad_code"], []).append(
                (row["service_id"], row["partial"] == "yes")
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


def headline(status: str, lad_name: str) -> str:
    return {
        "available": f"Yes: in {lad_name} you can refer yourself to NHS physiotherapy for "
        "muscle, joint and back problems.",
        "partial": f"In parts of {lad_name}, or for some people, you can refer yourself to NHS "
        "physiotherapy. Check the details below.",
        "not_available": f"As far as we know, you cannot refer yourself to NHS physiotherapy in "
        f"{lad_name}: ask your GP practice to refer you.",
        "unknown": f"We do not know yet whether you can refer yourself to NHS physiotherapy in "
        f"{lad_name}. Your GP practice can tell you.",
    }[status]


def answer(
    location: Location, *, today: dt.date | None = None, data: Dataset | None = None
) -> dict:
    """The self-referral answer for a looked-up postcode, as the API returns it."""
    data = data or dataset()
    today = today or dt.date.today()
    matches = [
        (data.services[service_id], partial)
        for service_id, partial in data.coverage.get(location.lad_code, [])
    ]
    matches.sort(key=lambda match: (match[1], STATUSES.index(match[0].status), match[0].name))
    status = overall_status(matches)
    nhs = nhs_areas.areas_for(location.lad_code)
    return {
        "postcode": location.to_dict(),
        "area": {
            "lad": {"code": location.lad_code, "name": location.lad_name},
            "nation": location.nation,
            "nation_name": areas.NATION_NAMES[location.nation],
            "nhs_areas": [area.to_dict() for area in nhs],
            "split_between_nhs_areas": len(nhs) > 1,
        },
        "self_referral": status,
        "headline": headline(status, location.lad_name),
        "services": [service.to_dict(today, partial) for service, partial in matches],
        "fallback": data.fallback(location.nation).to_dict(today),
        "gp_practice_caveat": GP_PRACTICE_CAVEAT,
        "red_flags": {
            "symptoms": RED_FLAG_SYMPTOMS,
            "action": URGENT_HELP[location.nation],
            "see_gp_first": SEE_GP_FIRST,
        },
    }
