"""A fake of the three registers (HCPC, GOsC, GCC) on 127.0.0.1, for end-to-end tests.

Each register gets its own small Flask app on its own random port (so per-host politeness and
robots.txt work as with the real sites), serving pages at the real URL paths, with the
parameters and markup real-registers.md gives (the scrapers' constants), from an in-memory
dataset of made-up people. Faults can be injected per register and path, every request is
recorded, a register can switch to a redesigned page (`fake.redesign("gcc")`), and any page
can carry a site-wide banner (`fake.site_banner["hcpc"] = ...`) or Cloudflare's script
(`fake.cloudflare_script = True`), as good pages of the real sites do.

    with fake_register() as fake:
        fake.add_hcpc("PH123456", "Ellis Example")
        fake.fault("429", register="hcpc", times=1, retry_after="3")
        url = fake.base_url("hcpc")          # e.g. http://127.0.0.1:54321
        ...
        assert [r.path for r in fake.requests_for("hcpc")] == [...]
"""

from __future__ import annotations

import math
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from itertools import count
from pathlib import Path

import pytest
from flask import Flask, Response, abort, g, render_template, request
from werkzeug.serving import WSGIRequestHandler, make_server

TEMPLATES = Path(__file__).parent / "files" / "fakeregister"
REGISTERS = ("hcpc", "gosc", "gcc")
FAULT_KINDS = ("slow", "429", "500", "403", "truncated", "redesigned", "outage")
ROBOTS = {
    # As reported for the real HCPC site: the surname list is disallowed, the detail page is not.
    "hcpc": "User-agent: *\nDisallow: /check-the-register/register-results/\n",
    "gosc": "User-agent: *\nDisallow: /admin/\n",
    "gcc": "User-agent: *\nDisallow: /admin/\n",
}
# HCPC's real banner, curly quotes and all (real-registers.md §1.5, OFFICIAL).
HCPC_OUTAGE_BANNER = (
    "Our \u2018Check the Register\u2019 function is currently unavailable. We\u2019re aware of the "
    "issue and are working to resolve it as quickly as possible. Please try again later. "
    "Apologies for any inconvenience."
)
OUTAGE_MESSAGES = {
    "hcpc": HCPC_OUTAGE_BANNER,
    "gosc": "The register search is temporarily unavailable. Please try again later.",
    "gcc": "This website is currently down for maintenance.",
}
Locate = Callable[[str], "tuple[float, float] | None"]


@dataclass
class HcpcRegistrant:
    number: str
    name: str
    status: str = "Registered"
    period_from: date | None = date(2024, 5, 1)
    period_to: date | None = date(2026, 4, 30)
    location: str | None = None
    entitlements: tuple[str, ...] = ()
    printed_number: str | None = None  # as the page prints it, e.g. zero-padded

    @property
    def shown_number(self) -> str:
        return self.printed_number or self.number


@dataclass(eq=False)  # compared by identity: two practices may share a name and address
class FakePractice:
    name: str
    address_lines: tuple[str, ...]
    postcode: str
    lat: float
    lon: float
    phone: str | None = None
    email: str | None = None
    website: str | None = None
    id: int = 0


@dataclass(eq=False)
class Osteopath:
    number: str
    name: str
    status: str = "Registered"
    registered_since: date | None = None
    qualifications: tuple[str, ...] = ()
    notes: str | None = None
    practices: list[FakePractice] = field(default_factory=list)
    id: int = 0

    @property
    def published(self) -> bool:
        # Suspended osteopaths are left out of the published register (Osteopaths Act s9).
        return self.status.casefold() != "suspended"


@dataclass(eq=False)
class Chiropractor:
    number: str
    name: str
    status: str = "Practising"
    email: str | None = None
    practices: list[FakePractice] = field(default_factory=list)


@dataclass
class Fault:
    kind: str
    register: str | None = None  # None: every register
    path: str | None = None  # a path prefix; None: every page except robots.txt
    times: int | None = None  # how many requests it hits; None: until cleared
    delay: float = 0.5  # 'slow'
    retry_after: str | None = "1"  # '429': seconds or an HTTP date
    status: int = 500  # '500' (any 5xx)
    fraction: float = 0.5  # 'truncated': share of the page that is sent

    def matches(self, register: str, path: str) -> bool:
        if self.times is not None and self.times <= 0:
            return False
        if self.register not in (None, register):
            return False
        if self.path is None:
            return path != "/robots.txt"
        return path.startswith(self.path)


@dataclass(frozen=True)
class RecordedRequest:
    register: str
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    at: float  # time.monotonic() on arrival


def miles_between(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in miles (haversine: plenty for a fake)."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 3958.8 * 2 * math.asin(math.sqrt(h))


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


class FakeRegister:
    """The dataset, the faults, the request log, and one server per register."""

    def __init__(
        self, locate: Locate | None = None, page_size: int = 10, gcc_radius_miles: float = 25.0
    ) -> None:
        self.locate = locate or self._locate_place
        self.page_size = page_size  # GOsC page size (unknown on the real site); GCC is fixed at 10
        self.gcc_radius_miles = gcc_radius_miles
        self.places: dict[str, tuple[float, float]] = {}
        self.hcpc: dict[str, HcpcRegistrant] = {}
        self.gosc_practices: list[FakePractice] = []
        self.gosc: list[Osteopath] = []
        self.gcc: list[Chiropractor] = []
        self.robots = dict(ROBOTS)
        self.data_valid_on = "27/11/2025 06:00:02"
        self.faults: list[Fault] = []
        self.site_banner: dict[str, str] = {}  # register -> a banner on every page it serves
        self.cloudflare_script = False  # Cloudflare's JavaScript detections on every page
        # Whether a search with no place lists the whole register, page by page, as GOsC's
        # (every filter blank) and GCC's (no query) do; False: "no results", as a register
        # that wants a place would answer.
        self.whole_register = {"gosc": True, "gcc": True}
        self.peak_concurrency = dict.fromkeys(REGISTERS, 0)
        self._requests: list[RecordedRequest] = []
        self._active = dict.fromkeys(REGISTERS, 0)
        self._lock = threading.Condition()
        self._ids = count(1001)
        self._servers: dict[str, tuple[object, threading.Thread]] = {}

    # -- data -------------------------------------------------------------------------------

    def add_place(self, name: str, lat: float, lon: float) -> None:
        """Teach the register a searchable location (a postcode or town), before `locate`."""
        self.places[_key(name)] = (lat, lon)

    def where(self, location: str) -> tuple[float, float] | None:
        return self.places.get(_key(location)) or self.locate(location)

    def add_hcpc(self, number: str, name: str, **fields) -> HcpcRegistrant:
        registrant = HcpcRegistrant(number.upper(), name, **fields)
        self.hcpc[registrant.number] = registrant
        return registrant

    def add_practice(
        self, name: str, address_lines: tuple[str, ...], postcode: str, lat: float, lon: float, **kw
    ) -> FakePractice:
        """A practice for GOsC (listed by location search) or to pass to add_gcc()."""
        practice = FakePractice(name, tuple(address_lines), postcode, lat, lon, **kw)
        practice.id = next(self._ids)
        return practice

    def add_gosc_practice(self, *args, **kwargs) -> FakePractice:
        practice = self.add_practice(*args, **kwargs)
        self.gosc_practices.append(practice)
        return practice

    def add_gosc(self, number: str, name: str, practices=(), **fields) -> Osteopath:
        osteopath = Osteopath(number, name, practices=list(practices), **fields)
        osteopath.id = next(self._ids)
        for practice in osteopath.practices:
            if practice not in self.gosc_practices:
                self.gosc_practices.append(practice)
        self.gosc.append(osteopath)
        return osteopath

    def add_gcc(self, number: str, name: str, practices=(), **fields) -> Chiropractor:
        chiropractor = Chiropractor(number, name, practices=list(practices), **fields)
        self.gcc.append(chiropractor)
        return chiropractor

    # -- faults and the request log ---------------------------------------------------------

    def fault(self, kind: str, *, register: str | None = None, path: str | None = None, **kw):
        """Inject a fault: one of FAULT_KINDS, for a register and/or path prefix, `times` times."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {kind!r}; expected one of {FAULT_KINDS}")
        fault = Fault(kind, register, path, **kw)
        with self._lock:
            self.faults.append(fault)
        return fault

    def redesign(self, register: str) -> Fault:
        """From now on (until `clear_faults`), every page of `register` is a redesigned one."""
        return self.fault("redesigned", register=register)

    def clear_faults(self) -> None:
        with self._lock:
            self.faults.clear()

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    def requests_for(self, register: str, include_robots: bool = False) -> list[RecordedRequest]:
        return [
            r
            for r in self.requests
            if r.register == register and (include_robots or r.path != "/robots.txt")
        ]

    # -- servers ----------------------------------------------------------------------------

    def base_url(self, register: str) -> str:
        server, _ = self._servers[register]
        return f"http://127.0.0.1:{server.server_port}"

    def start(self) -> FakeRegister:
        for register in REGISTERS:
            server = make_server(
                "127.0.0.1", 0, self._app(register), threaded=True, request_handler=_QuietHandler
            )
            # A short poll interval keeps shutdown (and so each test's teardown) quick.
            thread = threading.Thread(
                target=server.serve_forever, kwargs={"poll_interval": 0.02}, name=f"fake-{register}"
            )
            thread.daemon = True
            thread.start()
            self._servers[register] = (server, thread)
        return self

    def close(self) -> None:
        with self._lock:  # let slow responses in flight finish before the sockets go
            self._lock.wait_for(lambda: not any(self._active.values()), timeout=5)
        for server, thread in self._servers.values():
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)
        self._servers.clear()

    def _app(self, register: str) -> Flask:
        app = Flask(f"fake_{register}", template_folder=str(TEMPLATES))
        app.jinja_env.filters["slug"] = slug
        app.context_processor(
            lambda: {
                "site_banner": self.site_banner.get(register),
                "cloudflare_script": self.cloudflare_script,
            }
        )
        app.before_request(lambda: self._before(register))
        app.after_request(self._after)
        app.teardown_request(lambda exc: self._teardown(register))
        app.add_url_rule("/robots.txt", "robots", lambda: self._robots_txt(register))
        for rule, view in ROUTES[register]:
            app.add_url_rule(rule, rule, lambda view=view, **kw: view(self, **kw))
        return app

    def _before(self, register: str) -> Response | None:
        record = RecordedRequest(
            register,
            request.method,
            request.path,
            request.args.to_dict(),
            dict(request.headers),
            time.monotonic(),
        )
        with self._lock:
            self._requests.append(record)
            self._active[register] += 1
            self.peak_concurrency[register] = max(
                self.peak_concurrency[register], self._active[register]
            )
            fault = next((f for f in self.faults if f.matches(register, request.path)), None)
            if fault is not None and fault.times is not None:
                fault.times -= 1
        g.fault = fault
        if fault is None:
            return None
        if fault.kind == "slow":
            time.sleep(fault.delay)
            return None
        if fault.kind == "429":
            headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
            return Response(render_template("fault_error.html", status=429), 429, headers)
        if fault.kind == "500":
            return Response(render_template("fault_error.html", status=fault.status), fault.status)
        if fault.kind == "403":
            return Response(render_template("fault_challenge.html"), 403)
        if fault.kind == "redesigned":
            return Response(render_template("fault_redesigned.html"))
        if fault.kind == "outage":
            return Response(render_template("fault_outage.html", message=OUTAGE_MESSAGES[register]))
        return None  # 'truncated' is applied after the page is rendered

    def _after(self, response: Response) -> Response:
        fault = g.get("fault")
        if fault is not None and fault.kind == "truncated":
            body = response.get_data()
            response.set_data(body[: int(len(body) * fault.fraction)])
        return response

    def _teardown(self, register: str) -> None:
        with self._lock:
            self._active[register] -= 1
            self._lock.notify_all()

    def _robots_txt(self, register: str) -> Response:
        text = self.robots.get(register)
        if text is None:
            abort(404)
        return Response(text, mimetype="text/plain")

    def _locate_place(self, location: str) -> tuple[float, float] | None:
        if _key(location) in self.places:
            return self.places[_key(location)]
        match = re.fullmatch(r"\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*", location)
        return (float(match.group(1)), float(match.group(2))) if match else None


# -- pages, at the real sites' paths ----------------------------------------------------------


def hcpc_detail(fake: FakeRegister) -> str:
    query = "".join(request.args.get("query", "").split()).upper()
    registrant = fake.hcpc.get(query)
    # The profession must equal the number's prefix, as on the real site.
    prefix = re.match(r"[A-Z]*", query).group()
    if registrant is None or prefix != request.args.get("profession", "").upper():
        return render_template("hcpc_not_found.html", query=query)
    return render_template("hcpc_detail.html", r=registrant, data_valid_on=fake.data_valid_on)


def hcpc_surnames(fake: FakeRegister) -> str:
    surname = request.args.get("query", "").casefold()
    found = [r for r in fake.hcpc.values() if r.name.casefold().endswith(surname)]
    return render_template("hcpc_surnames.html", registrants=found)


def gosc_practice_search(fake: FakeRegister) -> str:
    filters = ("location", "radius", "surname", "registration")
    if not any(request.args.get(name, "").strip() for name in filters):
        # Every filter blank: every practice, in the register's own order.
        found = list(fake.gosc_practices) if fake.whole_register["gosc"] else []
        page = _page(found, _page_number(), fake.page_size)
        return render_template(
            "gosc_practices.html", items=[(p, _osteopaths_at(fake, p)) for p in page]
        )
    centre = fake.where(request.args.get("location", ""))
    radius = float(request.args.get("radius") or 10)
    found = []
    if centre is not None:
        near = [(miles_between(centre, (p.lat, p.lon)), p.id, p) for p in fake.gosc_practices]
        found = [p for distance, _, p in sorted(near) if distance <= radius]
    page = _page(found, _page_number(), fake.page_size)
    items = [(p, _osteopaths_at(fake, p)) for p in page]
    return render_template("gosc_practices.html", items=items)


def gosc_registrant_search(fake: FakeRegister) -> str:
    number = request.args.get("registration", "").strip()
    surname = request.args.get("surname", "").strip().casefold()
    found = [
        o
        for o in fake.gosc
        if o.published
        and (not number or o.number == number)
        and (not surname or o.name.casefold().endswith(surname))
        and (number or surname)
    ]
    return render_template("gosc_registrants.html", items=_page(found, _page_number(), 10))


def gosc_registrant(fake: FakeRegister, id: int, slug: str) -> str:  # noqa: A002
    osteopath = next((o for o in fake.gosc if o.id == id and o.published), None)
    if osteopath is None:
        abort(404)
    return render_template("gosc_registrant.html", o=osteopath, practices=osteopath.practices)


def gosc_practice(fake: FakeRegister, id: int, slug: str) -> str:  # noqa: A002
    practice = next((p for p in fake.gosc_practices if p.id == id), None)
    if practice is None:
        abort(404)
    osteopaths = _osteopaths_at(fake, practice)
    return render_template("gosc_practice.html", practice=practice, osteopaths=osteopaths)


def gcc_results(fake: FakeRegister, offset: int = 0) -> str:
    args = request.args
    number = args.get("chiro_registration_number", "").strip()
    if number:
        found = [c for c in fake.gcc if c.number == number]
    elif not any(value.strip() for value in args.values()):
        # No query: the whole register, in its own order.
        found = list(fake.gcc) if fake.whole_register["gcc"] else []
    else:
        centre = _gcc_centre(fake)
        found = []
        if centre is not None:
            near = []
            for index, chiro in enumerate(fake.gcc):
                distances = [miles_between(centre, (p.lat, p.lon)) for p in chiro.practices]
                if distances and min(distances) <= fake.gcc_radius_miles:
                    near.append((min(distances), index, chiro))
            found = [c for _, _, c in sorted(near)]
    return render_template("gcc_results.html", items=found[offset : offset + 10])


def _gcc_centre(fake: FakeRegister) -> tuple[float, float] | None:
    try:
        return float(request.args["chiro_latitude"]), float(request.args["chiro_longitude"])
    except (KeyError, ValueError):
        return fake.where(request.args.get("chiro_postcode", ""))


def _osteopaths_at(fake: FakeRegister, practice: FakePractice) -> list[Osteopath]:
    return [o for o in fake.gosc if o.published and practice in o.practices]


def _page_number() -> int:
    try:
        return max(1, int(request.args.get("p", "1")))
    except ValueError:
        return 1


def _page(items: list, page: int, size: int) -> list:
    return items[(page - 1) * size : page * size]


ROUTES = {
    "hcpc": [
        ("/check-the-register/professional-registration-detail/", hcpc_detail),
        ("/check-the-register/register-results/", hcpc_surnames),
    ],
    "gosc": [
        ("/register-search/practices/", gosc_practice_search),
        ("/register-search/registrants/", gosc_registrant_search),
        ("/register-search/registrants/<int:id>-<slug>/", gosc_registrant),
        ("/register-search/practices/<int:id>-<slug>/", gosc_practice),
    ],
    "gcc": [
        ("/search/chiro_results", gcc_results),
        ("/search/chiro_results/P<int:offset>", gcc_results),
    ],
}


class _QuietHandler(WSGIRequestHandler):
    def log(self, type: str, message: str, *args) -> None:  # noqa: A002 - werkzeug's signature
        pass  # keep test output clean; the request log is on FakeRegister


def _key(text: str) -> str:
    return "".join(text.split()).upper()


@contextmanager
def fake_register(**kwargs) -> Iterator[FakeRegister]:
    """Start the three fake registers; stop them (and close their sockets) afterwards."""
    fake = FakeRegister(**kwargs).start()
    try:
        yield fake
    finally:
        fake.close()


@pytest.fixture
def fake_registers() -> Iterator[FakeRegister]:
    """Pytest fixture form: `from fakeregister import fake_registers` in a test module."""
    with fake_register() as fake:
        yield fake
