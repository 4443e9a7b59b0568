"""Stand-ins for the register clients (`RegisterClients.lookup`), and the made-up answers they
give, for tests of what the service does with a register's answer."""

from __future__ import annotations

from scrapers.errors import RegisterUnavailable
from scrapers.records import NotFound, Registration

PAGE_HASH = "ab" * 32
# What each register says of someone on it in good standing: profession, status, outcome.
IN_GOOD_STANDING = {
    "hcpc": ("physiotherapist", "Registered", "registered"),
    "gosc": ("osteopath", "Registered", "registered"),
    "gcc": ("chiropractor", "Practising", "registered"),
}


def registration(register="hcpc", number="PH123456", name="Ellis Example", **fields):
    """A made-up answer from `register`: in good standing unless `fields` say otherwise."""
    profession, status, outcome = IN_GOOD_STANDING[register]
    values = {
        "profession": profession,
        "status_raw": status,
        "outcome": outcome,
        "outcome_reason": None,
        "source_url": f"https://register.example/{register}/{number}",
        "page_sha256": PAGE_HASH,
        **fields,
    }
    return Registration(register=register, registration_number=number, name=name, **values)


# A CSV row for Ellis Example, checked by name against registration() as it stands.
ELLIS_CSV_ROW = {
    "register": "hcpc",
    "registration_number": "PH123456",
    "outcome": "registered",
    "status_raw": "Registered",
    "name_on_register": "Ellis Example",
    "name_match": "exact",
    "name_match_score": "100.0",
    "checked_at": "<now>",
    "source_url": "https://register.example/hcpc/PH123456",
    "evidence_sha256": PAGE_HASH,
    "stale": "false",
    "changed": "false",
    "reason": "",
}


class StubRegisters:
    """Answers from a dict and counts the lookups; a number never added is not found."""

    def __init__(self) -> None:
        self.answers: dict[tuple[str, str], object] = {}
        self.lookups: list[tuple[str, str]] = []

    def add(self, record) -> None:
        self.answers[(record.register, record.registration_number)] = record

    def fail(self, register: str, number: str, error: Exception) -> None:
        self.answers[(register, number)] = error

    def lookup(self, register: str, number: str):
        self.lookups.append((register, number))
        answer = self.answers.get((register, number))
        if answer is None:
            return NotFound(register, number, f"https://register.example/{register}/{number}", "0")
        if isinstance(answer, Exception):
            raise answer
        return answer


class EveryoneRegistered:
    """Every number asked is someone in good standing called `name`, except on the registers
    in `down`, which are unavailable; remembers what was asked."""

    def __init__(self, name: str = "Ellis Example", down: set[str] = frozenset()) -> None:
        self.name = name
        self.down = down
        self.asked: list[tuple[str, str]] = []

    def lookup(self, register: str, number: str) -> Registration:
        self.asked.append((register, number))
        if register in self.down:
            raise RegisterUnavailable("HTTP 503 after 4 attempts")
        return registration(register, number, self.name)
