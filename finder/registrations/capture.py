"""Saving exactly what a register serves for one number, for an operator with internet access
to read with `finder registers parse` when a register changes its pages.

The lookup runs as every check does (through `RegisterClients`, so politely), but each page the
scraper asks for is written to the folder as it arrives, with its address, time, HTTP status
and headers in `capture.json`. Pages come first: a page the parser then fails on is the one
that matters most.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import scrapers
from finder import times
from finder.registrations.clients import RegisterClients
from finder.registrations.policy import normalise_number, normalise_register
from scrapers.errors import ScraperError
from scrapers.http import decode

MANIFEST = "capture.json"


@dataclass
class Capture:
    register: str
    number: str
    folder: Path
    pages: list[dict] = field(default_factory=list)  # one entry per page, in the order asked
    outcome: str = ""  # what the parser made of it: an outcome, "not_found" or the error

    def manifest(self) -> dict:
        return {
            "register": self.register,
            "registration_number": self.number,
            "outcome": self.outcome,
            "pages": self.pages,
        }


class _RecordingSession:
    """Looks like the polite session to a scraper; writes each page it fetches to the folder."""

    def __init__(self, session, capture: Capture) -> None:
        self._session = session
        self._capture = capture

    def fetch(self, url: str, params=None) -> tuple[str, int, str]:
        asked_at = times.now_iso()
        response = self._session.get(url, params=params)
        text = decode(response)
        name = f"page-{len(self._capture.pages) + 1}.html"
        (self._capture.folder / name).write_text(text, encoding="utf-8")
        self._capture.pages.append(
            {
                "file": name,
                "url": url,
                "final_url": response.url,
                "fetched_at": asked_at,
                "status": response.status_code,
                "headers": dict(response.headers),
            }
        )
        return response.url, response.status_code, text


def capture(clients: RegisterClients, register: str, number: str, folder: Path) -> Capture:
    """Look the number up, saving every page served into `folder` (made if missing) and
    `capture.json` beside them, whatever the parser makes of the pages."""
    register = normalise_register(register)
    number = normalise_number(register, number)
    folder.mkdir(parents=True, exist_ok=True)
    result = Capture(register, number, folder)
    module = scrapers.register_module(register)

    def lookup(session, base_url: str):
        return module.lookup(_RecordingSession(session, result), base_url, number)

    try:
        answer = clients.ask(register, lookup)
        result.outcome = "not_found" if isinstance(answer, scrapers.NotFound) else answer.outcome
    except ScraperError as error:
        result.outcome = f"error: {error}"
    finally:
        manifest = json.dumps(result.manifest(), indent=2, ensure_ascii=False)
        (folder / MANIFEST).write_text(manifest + "\n", encoding="utf-8")
    return result
