"""Register pages for the parser tests, by name.

Each distinct page shape is a saved file in tests/files/ (reconstructed from evidence, not
captured). A variant that differs from one of those only by a site banner, a script, a status
word, some reworded markup or a cut is made here from its base page, so the difference is the
whole of what its tests are about, and it cannot drift from the base.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

FILES = Path(__file__).parent / "files"

# The site-wide banners of real-registers.md §1.5: the OFFICIAL outage text with its curly
# quotes (also saved in hcpc_outage.html), and a notice that says nothing about the register.
OUTAGE_BANNER = (
    '<div class="site-alert" role="alert"><p>Our ‘Check the Register’ function is currently'
    " unavailable. We’re aware of the issue and are working to resolve it as quickly as possible."
    " Please try again later. Apologies for any inconvenience.</p></div>"
)
CLOSING_BANNER = (
    '<div class="site-alert" role="alert"><p>The HCPC will be closed from 12 noon on'
    " 24 December 2024. Check the Register is still available.</p></div>"
)
# Cloudflare's JavaScript-detections script, which it injects into ordinary pages
# (real-registers.md §4.2): its path must not make a good page look like a challenge.
CLOUDFLARE_JSD = (
    "<script>(function(){var js = document.createElement('script');"
    "js.src = '/cdn-cgi/challenge-platform/scripts/jsd/main.js';"
    "document.getElementsByTagName('head')[0].appendChild(js);})();</script>"
)


def saved(name: str) -> str:
    return (FILES / name).read_text(encoding="utf-8")


def replaced(html: str, old: str, new: str) -> str:
    """`html` with `old` replaced by `new`; `old` must be there, so a variant never silently
    equals its base after the base is edited."""
    if old not in html:
        raise AssertionError(f"base page no longer contains {old!r}")
    return html.replace(old, new)


def with_site_banner(html: str, banner: str) -> str:
    """The page with a site-wide banner first in its body, where the registers put theirs."""
    body = re.search(r"<body[^>]*>", html)
    assert body, "base page has no <body>"
    return html[: body.end()] + "\n" + banner + html[body.end() :]


def with_script_at_end(html: str, script: str) -> str:
    """The page with a script just before </body>, where Cloudflare injects its own."""
    return replaced(html, "</body>", script + "\n</body>")


def cut_off_after(html: str, text: str) -> str:
    """The page as a dropped connection leaves it: everything up to and including `text`."""
    end = html.index(text) + len(text)
    return html[:end]


def with_hcpc_cell(html: str, label: str, value: str) -> str:
    """An HCPC detail page with the value of the row labelled `label` replaced."""
    row = re.compile(rf"(<th[^>]*>{label}</th><td>).*?(</td>)")
    assert row.search(html), f"base page has no {label} row"
    return row.sub(lambda m: m[1] + value + m[2], html, count=1)


def _hcpc_status(status: str) -> Callable[[], str]:
    return lambda: with_hcpc_cell(saved("hcpc_registered.html"), "Status", status)


def _hcpc_conditions() -> str:
    """Conditions of practice, the period written with single-digit days and months."""
    page = _hcpc_status("Registered - Conditions of practice")()
    return with_hcpc_cell(page, "Period", "1/5/2024 to 30/4/2026")


def _gcc_card_with_reworded_labels() -> str:
    """A GCC card whose Registration Number and Registration Status labels are gone: the one
    place the number could be read from has changed, so nothing on the card can be trusted."""
    page = saved("gcc_number_result.html")
    number = '<span class="text-light-blue">Registration Number:</span> <span>04567</span>'
    page = replaced(page, number, "")
    return replaced(page, "Registration Status:", "Status:")


def _gcc_noisy() -> str:
    """Cloudflare's script, and the status wrapped in extra whitespace and markup."""
    page = replaced(
        saved("gcc_number_result.html"),
        "<span> Practising </span>",
        "<span>\n   <strong> Practising </strong>\n   </span>",
    )
    return with_script_at_end(page, CLOUDFLARE_JSD)


VARIANTS: dict[str, Callable[[], str]] = {
    # a good HCPC detail page under a site-wide banner or with Cloudflare's script
    "hcpc_registered_outage_banner.html": lambda: with_site_banner(
        saved("hcpc_registered.html"), OUTAGE_BANNER
    ),
    "hcpc_registered_other_banner.html": lambda: with_site_banner(
        saved("hcpc_registered.html"), CLOSING_BANNER
    ),
    "hcpc_registered_cloudflare_jsd.html": lambda: with_script_at_end(
        saved("hcpc_registered.html"), CLOUDFLARE_JSD
    ),
    # HCPC's 'No results returned for' under the outage banner
    "hcpc_not_found_outage_banner.html": lambda: with_site_banner(
        saved("hcpc_not_found.html"), OUTAGE_BANNER
    ),
    # the same HCPC detail page with another status word
    "hcpc_conditions.html": _hcpc_conditions,
    "hcpc_lapsed.html": _hcpc_status("Lapsed"),
    "hcpc_unrecognised_status.html": _hcpc_status("Registered (pending review)"),
    # pages cut short in transit, in the middle of a result
    "gosc_truncated.html": lambda: cut_off_after(
        saved("gosc_practices_p1.html"),
        '<h3><a href="/register-search/practices/1202-the-back-room/">The Ba',
    ),
    "gcc_truncated.html": lambda: cut_off_after(
        saved("gcc_number_result.html"), '<span class="text-light-blue">Registration Sta'
    ),
    "gcc_card_without_number.html": _gcc_card_with_reworded_labels,
    "gcc_number_result_noisy.html": _gcc_noisy,
}


def read(name: str) -> str:
    """The text of the register page `name`: a variant made above, else the saved file."""
    return VARIANTS[name]() if name in VARIANTS else saved(name)
