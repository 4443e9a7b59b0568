"""NHS physiotherapy self-referral: can a person refer themselves where they live, and how?

- `answers`: the curated services and the answer for a place;
- `evidence`: how strong a claim is, from its source's date;
- `coverage`: how much of the UK has a known answer;
- `validate`: the checks the curated dataset must pass.
"""

from finder.selfref import evidence
from finder.selfref.answers import (
    DATA,
    GP_PRACTICE_CAVEAT,
    METHODS,
    RED_FLAG_SYMPTOMS,
    STALE_AFTER_DAYS,
    STATUSES,
    VERIFIED_FROM,
    answer,
    dataset,
)
from finder.selfref.validate import validate

__all__ = [
    "DATA",
    "GP_PRACTICE_CAVEAT",
    "METHODS",
    "RED_FLAG_SYMPTOMS",
    "STALE_AFTER_DAYS",
    "STATUSES",
    "VERIFIED_FROM",
    "answer",
    "dataset",
    "evidence",
    "validate",
]
