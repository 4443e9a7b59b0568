"""A search's filters: home visits, wheelchair access, a language spoken, confirmed only.

SearchFilters is what the page, the API and the CLI pass to finder.search; from_params()
checks a request's parameters and says which one is wrong, to_params() gives them back for a
link (paging, "Back to results"). The filters are applied in the in-memory index
(finder.search.spatial), so the count, the pages and the nearest practices beyond an empty
circle all honour them.

"Confirmed" (registered_only) is is_confirmed(): the latest good check of the register said
registered or restricted, at most CONFIRMED_WITHIN_DAYS ago, and no later check has cast doubt
on it. Never checked, unknown, older or doubted: not confirmed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from finder.directory.listings import confirmed
from finder.errors import InvalidInput
from finder.vocabulary import LANGUAGES, language_code

CONFIRMED_WITHIN_DAYS = 30  # a check older than this no longer confirms a registration
FLAGS = ("home_visits", "wheelchair_access", "registered_only")
PARAMETERS = ("home_visits", "wheelchair_access", "language", "registered_only")
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off", "")


@dataclass(frozen=True)
class SearchFilters:
    home_visits: bool = False
    wheelchair_access: bool = False
    language: str | None = None  # a code of finder.vocabulary.LANGUAGES; None: any
    registered_only: bool = False

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> SearchFilters:
        """The filters in a request's parameters (any mapping with .get(), such as Flask's
        request.args); other keys are ignored. InvalidInput names a bad value."""
        flags = {name: _flag(name, params.get(name)) for name in FLAGS}
        return cls(language=_language(params.get("language")), **flags)

    def to_params(self) -> dict[str, str]:
        """The filters that are set, as a link's query parameters."""
        params = {name: "1" for name in FLAGS if getattr(self, name)}
        if self.language:
            params["language"] = self.language
        return {name: params[name] for name in PARAMETERS if name in params}

    @property
    def active(self) -> bool:
        return bool(self.to_params())

    def phrase(self) -> str:
        """'with home visits, Welsh spoken and a confirmed registration'; '' when none."""
        parts = [
            *(["home visits"] if self.home_visits else []),
            *(["wheelchair access"] if self.wheelchair_access else []),
            *([f"{LANGUAGES[self.language]} spoken"] if self.language else []),
            *(["a confirmed registration"] if self.registered_only else []),
        ]
        if not parts:
            return ""
        listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
        return "with " + listed

    def to_dict(self) -> dict:
        """The API's echo of the filters (every one, set or not)."""
        return {
            "home_visits": self.home_visits,
            "wheelchair_access": self.wheelchair_access,
            "language": self.language,
            "registered_only": self.registered_only,
        }


def _flag(name: str, raw) -> bool:
    if raw is None or isinstance(raw, bool):
        return bool(raw)
    text = str(raw).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise InvalidInput(
        f"{name} must be 1 or 0 (or true or false); {str(raw)[:40]!r} is not.",
        code="invalid_parameter",
    )


def _language(raw) -> str | None:
    if raw is None or not str(raw).strip():
        return None
    text = str(raw).strip().lower()
    code = text if text in LANGUAGES else None
    if text in ("en", "english"):
        raise InvalidInput(
            "language must not be English: every practice in the directory works in it; leave "
            "language out, or send another language's code such as cy (Welsh).",
            code="invalid_parameter",
        )
    if code is None:
        known = language_code(text)
        hint = f" (for {LANGUAGES[known]}, send {known})" if known else ""
        raise InvalidInput(
            f"language must be a language code such as cy (Welsh); {str(raw)[:40]!r} is not "
            f"one we know{hint}.",
            code="invalid_parameter",
        )
    return code


def confirmed_since(now: datetime | None = None) -> datetime:
    """The oldest check time that still confirms a registration (whole seconds, as stored)."""
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    return now - timedelta(days=CONFIRMED_WITHIN_DAYS)


def is_confirmed(registration, now: datetime | None = None) -> bool:
    """Whether a registration (finder.directory.listings.Registration) is confirmed: the latest
    good check said registered or restricted, within CONFIRMED_WITHIN_DAYS, and no later check
    doubts it."""
    state = registration
    return confirmed(state.outcome, state.checked_at, state.reason, confirmed_since(now))
