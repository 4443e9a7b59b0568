"""When registrations lapse in bulk: each register's renewal window, with its source.

Around these dates many registrants drop off a register at once, so cached answers are kept
for a day instead of a week (`policy.cache_max_age`) and the watchlist monitor checks these
registrations first. After April 2022, 5,311 physiotherapists (about 9 %) dropped off the HCPC
register (CSP blog, July 2022, stored copy read 2026-12-07:
https://www.csp.org.uk/blog/2022/07/hcpc-renewal-concluding-thoughts-future).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class RenewalWindow:
    register: str
    number_prefix: str  # the window applies to numbers starting with this ("" for all)
    start: tuple[int, int]  # (month, day), inclusive
    end: tuple[int, int]  # (month, day), inclusive
    even_years_only: bool
    why: str
    source: str  # where the dates come from, and when it was read

    def contains(self, register: str, number: str, day: date) -> bool:
        return (
            register == self.register
            and number.startswith(self.number_prefix)
            and (not self.even_years_only or day.year % 2 == 0)
            and self.start <= (day.month, day.day) <= self.end
        )


RENEWAL_WINDOWS = (
    RenewalWindow(
        "hcpc",
        "PH",
        (4, 20),
        (5, 31),
        even_years_only=True,
        why=(
            "HCPC physiotherapists renew every two years, 1 February to 30 April of even years; "
            "those who have not renewed are removed from about 1 May"
        ),
        source=(
            "https://www.hcpc-uk.org/employers/registration/renewals/ (page updated 2019-10-09: "
            "physiotherapists 1 Feb - 30 Apr 2020) and https://www.csp.org.uk/professional-"
            "clinical/professional-guidance/hcpc-re-registration (1 Feb - 30 Apr 2024); stored "
            "copies read 2026-12-07"
        ),
    ),
    RenewalWindow(
        "gcc",
        "",
        (12, 1),
        (12, 31),
        even_years_only=False,
        why=(
            "GCC registrations are retained by 30 November each year; after the final notice "
            "they lapse at midnight on 14 December"
        ),
        source=(
            "https://www.gcc-uk.org/i-am-a-chiropractor/retention (undated), stored copy read "
            "2026-12-07"
        ),
    ),
)


def renewal_window(register: str, number: str, day: date) -> RenewalWindow | None:
    """The window (register, number) is in on `day`, or None."""
    return next((w for w in RENEWAL_WINDOWS if w.contains(register, number, day)), None)
