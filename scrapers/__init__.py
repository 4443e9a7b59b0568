"""Clients for the three UK registers: HCPC (physiotherapists), GOsC (osteopaths), GCC
(chiropractors).

Each register module splits network from parsing: `fetch_*(session, base_url, ...)` returns
`(url, status_code, text)`, `parse_*(text, url)` is pure and returns records (see
`scrapers.records`), `lookup(session, base_url, number)` does both. The registers whose location
search pages (GOsC, GCC) walk one search with `iter_search_pages` (see `scrapers.paging`).
Failures are our own exceptions (see `scrapers.errors`). `parse_file()` runs a parser on a saved
page, so a real capture can be checked offline:

    python -m scrapers.hcpc saved-page.html
    python -m scrapers.gosc --kind practices saved-results.html
"""

from __future__ import annotations

import argparse
import json
from importlib import import_module
from pathlib import Path
from typing import Any

from bs4 import BeautifulSoup

from finder import vocabulary
from scrapers.errors import LayoutChanged, RegisterUnavailable, RobotsDisallowed, ScraperError
from scrapers.records import (
    INACTIVE,
    OUTCOMES,
    REGISTERED,
    RESTRICTED,
    UNKNOWN,
    NotFound,
    Practice,
    PractitionerLink,
    Registration,
    ResultPage,
    as_jsonable,
)

__all__ = [
    "INACTIVE",
    "OUTCOMES",
    "REGISTERED",
    "REGISTERS",
    "RESTRICTED",
    "UNKNOWN",
    "LayoutChanged",
    "NotFound",
    "Practice",
    "PractitionerLink",
    "RegisterUnavailable",
    "Registration",
    "ResultPage",
    "RobotsDisallowed",
    "ScraperError",
    "as_jsonable",
    "main",
    "parse_file",
    "parse_text",
    "register_module",
]

REGISTERS = vocabulary.REGISTERS
# Page kinds each register's saved pages can be: kind -> parser function name.
PAGE_KINDS = {
    "hcpc": {"detail": "parse_detail"},
    "gosc": {
        "practices": "parse_practices",
        "registrants": "parse_registrant_search",
        "registrant": "parse_registrant",
    },
    "gcc": {"results": "parse_results"},
}


def register_module(register: str) -> Any:
    """The module for 'hcpc' | 'gosc' | 'gcc' (imported lazily so `python -m` runs cleanly)."""
    if register not in REGISTERS:
        raise ValueError(f"unknown register {register!r}; expected one of {', '.join(REGISTERS)}")
    return import_module(f"scrapers.{register}")


def parse_text(
    register: str, text: str, url: str | None = None, kind: str | None = None
) -> Registration | NotFound | ResultPage:
    """Run the right parser on a page's text. `kind` is guessed from the page when omitted."""
    module = register_module(register)
    kind = kind or _guess_kind(register, text)
    if kind not in PAGE_KINDS[register]:
        choices = ", ".join(PAGE_KINDS[register])
        raise ValueError(f"unknown page kind {kind!r} for {register}; expected one of {choices}")
    return getattr(module, PAGE_KINDS[register][kind])(text, url or module.DEFAULT_BASE_URL + "/")


def parse_file(
    register: str, path: str | Path, url: str | None = None, kind: str | None = None
) -> Registration | NotFound | ResultPage:
    """What the parser understands from a saved page (e.g. one saved from a browser).

    Relative links resolve against `url`, which defaults to the register's real site.
    """
    text = Path(path).read_text(encoding="utf-8", errors="replace")
    return parse_text(register, text, url, kind)


def main(argv: list[str] | None = None, register: str | None = None) -> int:
    """Print what the parser understood from a saved page, as JSON. Exit 1 if it understood none.

    `python -m scrapers.hcpc FILE` (the register comes from the module) or, from code,
    `main(["hcpc", "FILE"])`.
    """
    parser = argparse.ArgumentParser(
        prog=f"python -m scrapers.{register}" if register else "scrapers",
        description="Run a register parser on a saved page and print the records as JSON.",
    )
    if register is None:
        parser.add_argument("register", choices=REGISTERS)
    parser.add_argument("file", type=Path, help="a page saved from the register's site")
    parser.add_argument("--kind", help="page kind (guessed when omitted)")
    parser.add_argument("--url", help="the URL the page was saved from")
    args = parser.parse_args(argv)
    try:
        result = parse_file(register or args.register, args.file, args.url, args.kind)
    except (ScraperError, ValueError, OSError) as exc:
        print(f"error: {exc}")
        return 1
    print(json.dumps(as_jsonable(result), indent=2, ensure_ascii=False))
    return 0


def _guess_kind(register: str, text: str) -> str:
    if register != "gosc":
        return next(iter(PAGE_KINDS[register]))
    module = register_module("gosc")
    soup = BeautifulSoup(text, "html.parser")
    if soup.select_one(module.REGISTRANT_PAGE["container"]) is not None:
        return "registrant"
    if soup.select_one(module.REGISTRANT_LIST["container"]) is not None:
        return "registrants"
    return "practices"  # also reports outage / challenge / layout-changed pages
