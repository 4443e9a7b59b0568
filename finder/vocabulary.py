"""The service's words: registers, professions, outcomes. The one table every layer reads.

Pages, the API (its OpenAPI enums), the CLI and the library all take these names and display
words from here, so a register or an outcome is spelled one way everywhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

KM_PER_MILE = 1.609344


@dataclass(frozen=True)
class Register:
    code: str  # the name in URLs, the API and the database
    short_name: str
    full_name: str
    profession: str
    professionals: str  # who is on it, in a sentence: "physiotherapists"
    number_example: str


REGISTER_TABLE = (
    Register(
        "hcpc", "HCPC", "Health and Care Professions Council", "physiotherapist",
        "physiotherapists", "PH123456",
    ),
    Register(
        "gosc", "GOsC", "General Osteopathic Council", "osteopath", "osteopaths", "9123",
    ),
    Register(
        "gcc", "GCC", "General Chiropractic Council", "chiropractor", "chiropractors", "04567",
    ),
)  # fmt: skip

REGISTERS = tuple(r.code for r in REGISTER_TABLE)
REGISTER = {r.code: r for r in REGISTER_TABLE}
REGISTER_NAMES = {r.code: r.short_name for r in REGISTER_TABLE}
NUMBER_EXAMPLES = {r.code: r.number_example for r in REGISTER_TABLE}

PROFESSIONS = tuple(r.profession for r in REGISTER_TABLE)
PROFESSION_OF_REGISTER = {r.code: r.profession for r in REGISTER_TABLE}
REGISTER_OF_PROFESSION = {r.profession: r.code for r in REGISTER_TABLE}
PROFESSION_LABELS = {p: p.capitalize() for p in PROFESSIONS}
# A practice's professions as a bit mask (stored in practice_points; the search filters on it).
PROFESSION_BITS = {p: 1 << i for i, p in enumerate(PROFESSIONS)}


@dataclass(frozen=True)
class Outcome:
    code: str
    badge: str  # beside a practitioner in search results
    headline: str  # the answer on the check page


OUTCOME_TABLE = (
    Outcome("registered", "Registered", "Registered"),
    Outcome("restricted", "Registered with conditions", "Registered with restrictions"),
    Outcome("inactive", "Not currently registered", "Not currently practising"),
    Outcome("not_found", "Not found on the register", "Not found on the register"),
    Outcome("unknown", "Status unclear", "Could not check"),
)
OUTCOMES = tuple(o.code for o in OUTCOME_TABLE)
OUTCOME_BADGES: dict[str | None, str] = {o.code: o.badge for o in OUTCOME_TABLE}
OUTCOME_BADGES[None] = "Not yet verified"
OUTCOME_HEADLINES = {o.code: o.headline for o in OUTCOME_TABLE}


def seconds(count: int) -> str:
    """ "1 second", "5 seconds"."""
    return f"{count} second{'' if count == 1 else 's'}"


def base_urls(config: Mapping) -> dict[str, str]:
    """Each register's address from the settings (FINDER_HCPC_URL, ...): tests point them at
    the fake registers."""
    return {code: str(config[f"{code.upper()}_URL"]) for code in REGISTERS}


@dataclass(frozen=True)
class Reason:
    """Why an answer is not a plain, fresh one. `starts` is how the stored reason text begins
    (finder.registrations writes them); `plain` is what a patient reads, `{register}` filled in."""

    code: str
    starts: str
    plain: str


REASON_TABLE = (
    Reason(
        "register_unavailable",
        "register unavailable",
        "the {register} register's website did not answer just now",
    ),
    Reason(
        "layout_changed",
        "register page not understood",
        "the {register} register's page has changed and we could not read it",
    ),
    Reason(
        "robots_disallowed",
        "the register's robots.txt",
        "the {register} register does not allow automatic checks of this page",
    ),
    Reason("register_busy", "register busy", "other checks were using the {register} register"),
    Reason("checking", "being checked", "we are asking the {register} register now"),
    Reason(
        "sample",
        "sample data",
        "this is sample data: a made-up number, never checked with the {register} register",
    ),
    Reason(
        "status_not_recognised",
        "status not recognised",
        "the {register} register showed a status we do not recognise: read its entry",
    ),
)

REASON_CODES = tuple(entry.code for entry in REASON_TABLE)


def reason_code(reason: str | None) -> str | None:
    """The stable code of a stored reason text ("other" for one this table does not know)."""
    if not reason:
        return None
    for entry in REASON_TABLE:
        if reason.startswith(entry.starts):
            return entry.code
    return "other"


def plain_reason(reason: str | None, register: str) -> str | None:
    """A stored reason in words a patient understands; never the register's raw error text."""
    code = reason_code(reason)
    if code is None:
        return None
    for entry in REASON_TABLE:
        if entry.code == code:
            return entry.plain.format(register=REGISTER_NAMES.get(register, register))
    name = REGISTER_NAMES.get(register, register)
    return f"we could not get a clear answer from the {name} register"


# --- languages a practice speaks (issue 17) ------------------------------------------------
# The search filter takes a code; a practice's features hold English names (what an import or
# a register page gives). The table is the main languages of England, Wales, Scotland and
# Northern Ireland after English (Census 2021 and Scotland's Census 2022), plus British Sign
# Language; `aliases` are other names an import may use. English is not here: every practice
# in the directory works in English.


@dataclass(frozen=True)
class Language:
    code: str  # ISO 639-1, or ISO 639-3 where there is no two-letter code (bfi)
    name: str
    aliases: tuple[str, ...] = ()


LANGUAGE_TABLE = (
    Language("cy", "Welsh", ("Cymraeg",)),
    Language("gd", "Scottish Gaelic", ("Gaelic", "Gàidhlig")),
    Language("ga", "Irish", ("Irish Gaelic", "Gaeilge")),
    Language("kw", "Cornish", ("Kernewek",)),
    Language("bfi", "British Sign Language", ("BSL",)),
    Language("pl", "Polish"),
    Language("ro", "Romanian"),
    Language("pa", "Punjabi", ("Panjabi",)),
    Language("ur", "Urdu"),
    Language("pt", "Portuguese"),
    Language("es", "Spanish"),
    Language("ar", "Arabic"),
    Language("bn", "Bengali", ("Bangla",)),
    Language("gu", "Gujarati"),
    Language("it", "Italian"),
    Language("zh", "Chinese", ("Mandarin", "Cantonese")),
    Language("lt", "Lithuanian"),
    Language("fr", "French"),
    Language("ta", "Tamil"),
    Language("tr", "Turkish"),
    Language("bg", "Bulgarian"),
    Language("fa", "Persian", ("Farsi",)),
    Language("ru", "Russian"),
    Language("de", "German"),
    Language("hu", "Hungarian"),
    Language("so", "Somali"),
    Language("hi", "Hindi"),
    Language("ml", "Malayalam"),
    Language("el", "Greek"),
    Language("ku", "Kurdish"),
    Language("ps", "Pashto"),
    Language("tl", "Tagalog", ("Filipino",)),
    Language("uk", "Ukrainian"),
    Language("lv", "Latvian"),
    Language("sk", "Slovak"),
    Language("cs", "Czech"),
    Language("ne", "Nepali"),
    Language("sq", "Albanian"),
    Language("yo", "Yoruba"),
    Language("tw", "Twi", ("Akan",)),
)  # fmt: skip
LANGUAGES = {language.code: language.name for language in LANGUAGE_TABLE}
# Every name, alias and code, case-folded -> the code.
_LANGUAGE_LOOKUP = {
    word.casefold(): language.code
    for language in LANGUAGE_TABLE
    for word in (language.code, language.name, *language.aliases)
}


def language_code(name_or_code: str) -> str | None:
    """'Welsh', 'cymraeg' or 'CY' -> 'cy'; None for a language this table does not know."""
    return _LANGUAGE_LOOKUP.get(" ".join(str(name_or_code).split()).casefold())
