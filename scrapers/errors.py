"""Our own exceptions for register access, plus the page checks every parser shares.

Callers (the app, the CLI) catch these and never see requests' or BeautifulSoup's errors.
"""

from __future__ import annotations

import re


class ScraperError(Exception):
    """Base class for every failure raised by the scrapers package."""


class RegisterUnavailable(ScraperError):
    """The register could not answer now: timeout, outage banner, 403 challenge, 429, 5xx.

    Transient by nature: the app should serve the last good answer marked stale, never
    "not registered".
    """

    def __init__(
        self,
        reason: str,
        url: str | None = None,
        *,
        status_code: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.reason = reason
        self.url = url
        self.status_code = status_code
        self.retry_after = retry_after
        super().__init__(f"register unavailable: {reason}" + (f" ({url})" if url else ""))


class LayoutChanged(ScraperError):
    """The page did not look like anything the parser knows. Never guess: fix the parser.

    `reason` names the register's page and what was missing from it ("HCPC detail page: no
    Status row"), so one line tells an operator which constants to correct.
    """

    def __init__(self, reason: str, url: str | None = None) -> None:
        self.reason = reason
        self.url = url
        super().__init__(f"page layout not recognised: {reason}" + (f" ({url})" if url else ""))


class RobotsDisallowed(ScraperError):
    """robots.txt of the register's host disallows this URL for our User-Agent."""

    def __init__(self, url: str) -> None:
        self.url = url
        super().__init__(f"robots.txt disallows fetching {url}")


# Markers of Cloudflare's own challenge page ("Just a moment..."), which replaces the page asked
# for. Not "challenge-platform": Cloudflare's JavaScript detections put
# /cdn-cgi/challenge-platform/scripts/jsd/main.js into ordinary pages too, and HCPC was behind
# Cloudflare in 2023, so that path on a page proves nothing (real-registers.md §4.2, INFERRED).
CHALLENGE_MARKERS = (
    "cf_chl_opt",  # the challenge page's own settings object
    "cf-browser-verification",  # the older "checking your browser" page
    "attention required! | cloudflare",  # the block page's title
    "checking your browser before accessing",
)
# The challenge page's title, whatever whitespace surrounds it.
CHALLENGE_TITLE = re.compile(r"<title>\s*just a moment\.\.\.\s*</title>", re.IGNORECASE)
CHALLENGE_REASON = "403 challenge page"  # the page Cloudflare serves instead, whatever its status

# Phrases of a generic maintenance page. Only consulted when a page is not recognised, so a
# practice description mentioning "currently unavailable" cannot hide a real result.
MAINTENANCE_MARKERS = (
    "currently unavailable",
    "temporarily unavailable",
    "down for maintenance",
    "undergoing maintenance",
    "service unavailable",
)

_CLOSING_HTML = re.compile(r"</html\s*>", re.IGNORECASE)


def check_not_refused(text: str, url: str | None) -> None:
    """Raise RegisterUnavailable for a challenge page or a page cut short in transit."""
    if is_challenge_page(text):
        raise RegisterUnavailable(CHALLENGE_REASON, url)
    # Every page the registers serve is a whole document; without its end, data may be
    # missing (e.g. half a result list), so nothing on it can be trusted.
    if not _CLOSING_HTML.search(text):
        raise RegisterUnavailable("truncated page", url)


def is_challenge_page(text: str) -> bool:
    """Whether the page is Cloudflare's challenge instead of the page asked for."""
    lowered = text.lower()
    return bool(CHALLENGE_TITLE.search(text)) or any(m in lowered for m in CHALLENGE_MARKERS)


def unrecognised(text: str, url: str | None, reason: str) -> ScraperError:
    """The error for a page no parser rule matched: an outage page, else a layout change."""
    lowered = " ".join(text.lower().split())
    for marker in MAINTENANCE_MARKERS:
        if marker in lowered:
            return RegisterUnavailable(f"outage page ({marker!r})", url)
    return LayoutChanged(reason, url)


def require_ok(url: str, status: int) -> None:
    """Register pages answer 200; anything else (404 included) is not an answer we can use."""
    if status != 200:
        raise RegisterUnavailable(f"unexpected HTTP {status}", url, status_code=status)
