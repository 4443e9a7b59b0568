"""Name matching: the name an insurer holds against the name on the register."""

from __future__ import annotations

import pytest

from finder.registrations.namematch import match

CASES = [
    # (name given, name on register, verdict)
    ("Ellis Example", "Ellis Example", "exact"),
    ("ELLIS EXAMPLE", "Ellis Example", "exact"),
    ("Dr Ellis Example", "Ellis Example", "exact"),
    ("Mrs. Ellis Example MCSP", "Ellis Example", "exact"),
    ("Example, Ellis", "Ellis Example", "exact"),
    ("Zoe O'Neill", "Zoë O’Neill", "exact"),
    ("Renée Smith-Jones", "Renee Smith Jones", "exact"),
    ("Ellis Example", "Ellis Jane Example", "probable"),
    ("E. Example", "Ellis Jane Example", "probable"),
    ("E J Example", "Ellis Jane Example", "probable"),
    ("Ellis Example", "Ellis Smith-Example", "probable"),
    ("Ellis Smith", "Ellis Smith-Example", "probable"),
    ("Elis Exampel", "Ellis Example", "probable"),
    ("Sam Other", "Ellis Example", "mismatch"),
    ("Ellis Other", "Ellis Example", "mismatch"),
    ("Robin Example", "Ellis Example", "mismatch"),
    ("Example", "Ellis Example", "mismatch"),
    ("Dr", "Ellis Example", "mismatch"),
]


@pytest.mark.parametrize(("given", "held", "verdict"), CASES)
def test_names_are_judged_exact_probable_or_mismatch(given, held, verdict):
    assert match(given, held).verdict == verdict


def test_an_exact_match_scores_100_and_keeps_the_name_as_given():
    assert match("Dr Zoë O'Neill", "ZOE ONEILL").to_dict() == {
        "verdict": "exact",
        "score": 100.0,
        "name_given": "Dr Zoë O'Neill",
    }


def test_scores_rank_exact_above_probable_above_mismatch():
    exact = match("Ellis Example", "Ellis Example").score
    probable = match("E Example", "Ellis Example").score
    mismatch = match("Sam Other", "Ellis Example").score
    assert exact == 100.0
    assert 85.0 <= probable < 100.0
    assert mismatch < 85.0
