"""Does the name an insurer holds match the name on the register?

Names are compared after folding case and accents and dropping titles, post-nominals and
punctuation. The verdict is:

- `exact`: the same words (in any order), e.g. "Dr Zoë O'Neill" and "ZOE ONEILL";
- `probable`: same surname and a compatible first name (an initial, a missing middle name,
  one half of a double-barrelled surname), or a close spelling (a typo);
- `mismatch`: anything else.

The score (0-100) is rapidfuzz's token-sort ratio of the folded names, raised to at least
PROBABLE_SCORE when the name's structure agrees, and 100 for an exact match.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from rapidfuzz import fuzz

EXACT = "exact"
PROBABLE = "probable"
MISMATCH = "mismatch"
PROBABLE_SCORE = 85.0  # at or above: close enough to be the same person, if not exact

TITLES = frozenset(
    {"mr", "mrs", "ms", "miss", "mx", "dr", "doctor", "prof", "professor", "sir", "dame"}
    | {"lady", "lord", "rev", "revd", "reverend"}
)
# Letters registers and insurers append to names; never part of the name itself.
POST_NOMINALS = frozenset(
    {"bsc", "msc", "phd", "mcsp", "hcpc", "dc", "mchiro", "mphty", "mst", "ba", "ma", "frcp"}
    | {"mbe", "obe", "jr", "sr"}
)
_NOT_LETTERS = re.compile(r"[^a-z\s-]")


@dataclass(frozen=True)
class NameMatch:
    verdict: str  # exact | probable | mismatch
    score: float  # 0-100
    name_given: str

    def to_dict(self) -> dict:
        return {"verdict": self.verdict, "score": self.score, "name_given": self.name_given}


@dataclass(frozen=True)
class _Name:
    forenames: tuple[str, ...]  # first name, then middle names or initials
    surname: tuple[str, ...]  # the last word, split at hyphens ("smith-jones" -> both)

    @property
    def words(self) -> tuple[str, ...]:
        return self.forenames + self.surname


def fold(name: str) -> list[str]:
    """Words of a name: accents and case folded, apostrophes and dots dropped, titles removed.

    Hyphens are kept inside words here so the surname stays one unit until `_split`.
    """
    decomposed = unicodedata.normalize("NFKD", name)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    plain = plain.replace("'", "").replace("\u2019", "").replace(".", " ").replace(",", " ")
    plain = _NOT_LETTERS.sub(" ", plain)
    words = [w.strip("-") for w in plain.split()]
    return [w for w in words if w and w not in TITLES and w not in POST_NOMINALS]


def _split(words: list[str]) -> _Name:
    if not words:
        return _Name((), ())
    forenames = tuple(part for word in words[:-1] for part in word.split("-") if part)
    surname = tuple(part for part in words[-1].split("-") if part)
    return _Name(forenames, surname)


def _forename_compatible(given: tuple[str, ...], held: tuple[str, ...]) -> bool:
    """First names agree, or one is the other's initial; middle names may be left out."""
    if not given or not held:
        return False
    first_given, first_held = given[0], held[0]
    if first_given == first_held:
        return True
    return (len(first_given) == 1 and first_held.startswith(first_given)) or (
        len(first_held) == 1 and first_given.startswith(first_held)
    )


def _surname_compatible(given: _Name, held: _Name) -> bool:
    """Same surname, or one half of a double-barrelled one (hyphenated or not)."""
    if given.surname == held.surname:
        return True
    held_later = set(held.surname) | set(held.forenames[1:])
    given_later = set(given.surname) | set(given.forenames[1:])
    return bool(set(given.surname) & held_later) or bool(set(held.surname) & given_later)


def match(name_given: str, name_on_register: str) -> NameMatch:
    """Compare the name the caller holds with the name the register shows."""
    given_words, held_words = fold(name_given), fold(name_on_register)
    given, held = _split(given_words), _split(held_words)
    if given.words and sorted(given.words) == sorted(held.words):
        return NameMatch(EXACT, 100.0, name_given)
    score = round(fuzz.token_sort_ratio(" ".join(given.words), " ".join(held.words)), 1)
    structural = _surname_compatible(given, held) and _forename_compatible(
        given.forenames, held.forenames
    )
    if structural:
        return NameMatch(PROBABLE, min(99.0, max(score, PROBABLE_SCORE)), name_given)
    if score >= PROBABLE_SCORE and given.surname and held.surname:
        return NameMatch(PROBABLE, min(99.0, score), name_given)
    return NameMatch(MISMATCH, min(score, PROBABLE_SCORE - 0.1), name_given)
