"""End to end: the register clients against the fake registers, with and without faults."""

from __future__ import annotations

from datetime import date

import pytest
from fakeregister import FAULT_KINDS, OUTAGE_MESSAGES, fake_register, miles_between
from faketime import FakeTime

from scrapers import gcc, gosc, hcpc
from scrapers.errors import LayoutChanged, RegisterUnavailable
from scrapers.http import PoliteSession
from scrapers.records import NotFound

CENTRE = (51.45, -2.59)  # made-up search centre, taught to the fake as "ZX1 1AA"


@pytest.fixture
def fake():
    with fake_register(page_size=10) as fake:
        fake.add_place("ZX1 1AA", *CENTRE)
        fake.add_hcpc("PH123456", "Ellis Example", location="Portbury Wick")
        clinic = fake.add_gosc_practice(
            "Harbourside Osteopathy", ("4 Quay Lane", "Portbury Wick"), "ZX1 1AA", *CENTRE
        )
        fake.add_gosc(
            "9123", "Alex Example", practices=[clinic], registered_since=date(2011, 3, 14)
        )
        chiro_clinic = fake.add_practice("SpineWise", ("2 Chapel Yard",), "ZY1 3HG", *CENTRE)
        fake.add_gcc("04567", "Robin Example", practices=[chiro_clinic])
        yield fake


@pytest.fixture
def fake_time():
    return FakeTime()


@pytest.fixture
def session(fake_time):
    with PoliteSession(
        "registers@finder.example",
        # Generous: a page rendered on a busy machine must not time out and be asked twice,
        # which tests counting requests would take for a bug. The slow fault shortens it.
        timeout=(1.0, 2.0),
        max_retries=1,
        clock=fake_time.clock,
        sleep=fake_time.sleep,
    ) as session:
        yield session


def check(register: str, session, fake, number: str):
    module = {"hcpc": hcpc, "gosc": gosc, "gcc": gcc}[register]
    return module.lookup(session, fake.base_url(register), number)


NUMBERS = {"hcpc": "PH123456", "gosc": "9123", "gcc": "04567"}


@pytest.mark.parametrize("register", sorted(NUMBERS))
def test_a_registered_practitioner_is_found_with_status_and_evidence(register, session, fake):
    record = check(register, session, fake, NUMBERS[register])
    assert (record.registration_number, record.outcome) == (NUMBERS[register], "registered")
    assert record.source_url.startswith(fake.base_url(register))


@pytest.mark.parametrize(
    ("register", "number"), [("hcpc", "PH999999"), ("gosc", "94444"), ("gcc", "09999")]
)
def test_an_unknown_number_is_not_found(register, number, session, fake):
    assert isinstance(check(register, session, fake, number), NotFound)


EXPECTED = {
    "slow": (RegisterUnavailable, "timeout after 2 attempts"),
    "429": (RegisterUnavailable, "HTTP 429 after 2 attempts"),
    "500": (RegisterUnavailable, "HTTP 500 after 2 attempts"),
    "403": (RegisterUnavailable, "403 challenge page"),
    "truncated": (RegisterUnavailable, "truncated page"),
    "outage": (RegisterUnavailable, "outage"),
    "redesigned": (LayoutChanged, "{page}: no "),
}
PAGES = {"hcpc": "HCPC detail page", "gosc": "GOsC registrant list", "gcc": "GCC results page"}


@pytest.mark.parametrize("register", sorted(NUMBERS))
@pytest.mark.parametrize("kind", FAULT_KINDS)
def test_each_fault_becomes_its_own_error_never_not_found(register, kind, session, fake):
    fake.fault(kind, register=register, delay=0.3)
    session.timeout = (1.0, 0.1)  # shorter than the slow fault's delay
    error, reason = EXPECTED[kind]
    with pytest.raises(error) as caught:
        check(register, session, fake, NUMBERS[register])
    assert caught.value.reason.startswith(reason.format(page=PAGES[register]))


def test_every_fault_kind_has_an_expected_error():
    assert set(EXPECTED) == set(FAULT_KINDS)


def test_a_fault_on_another_register_leaves_this_one_alone(session, fake):
    fake.fault("500", register="gosc")
    assert check("hcpc", session, fake, "PH123456").outcome == "registered"


def test_a_fault_limited_to_some_requests_then_clears(session, fake):
    fake.fault("500", register="hcpc", times=1)
    assert check("hcpc", session, fake, "PH123456").outcome == "registered"
    assert len(fake.requests_for("hcpc")) == 2


def test_hcpc_number_with_a_different_profession_is_not_found(session, fake):
    url = fake.base_url("hcpc") + hcpc.DETAIL_PATH + "?query=PH123456&profession=OT"
    assert isinstance(hcpc.parse_detail(session.fetch(url)[2], url), NotFound)


def test_suspended_osteopath_is_left_out_of_the_published_register(session, fake):
    fake.add_gosc("95555", "Sam Example", status="Suspended")
    assert isinstance(check("gosc", session, fake, "95555"), NotFound)


def test_registrant_statuses_come_through_raw(session, fake):
    fake.add_hcpc("PH920002", "Jo Example", status="Registered - Caution")
    record = check("hcpc", session, fake, "PH920002")
    assert (record.status_raw, record.outcome) == ("Registered - Caution", "restricted")


def spread_practices(fake, count: int, around: tuple[float, float], prefix: str):
    """`count` practices in a line going north from `around`, 0.2 miles apart."""
    practices = []
    for i in range(count):
        lat = around[0] + i * 0.2 / 69.0
        practices.append(
            fake.add_gosc_practice(
                f"{prefix} {i:03d}", (f"{i} Test Street",), "ZX9 9ZZ", lat, around[1]
            )
        )
    return practices


def test_gosc_search_lists_practices_within_the_radius_nearest_first(session, fake):
    spread_practices(fake, 30, CENTRE, "North")  # 0 to 5.8 miles away
    pages = list(gosc.iter_search_pages(session, fake.base_url("gosc"), "ZX1 1AA", radius=3.1))
    names = [p.name for page in pages for p in page.items]
    assert names[:3] == ["Harbourside Osteopathy", "North 000", "North 001"]
    assert names[-1] == "North 015"  # 15 * 0.2 = 3.0 miles; 16 (3.2 miles) is beyond


def test_gosc_search_walks_every_page_until_the_no_results_page(session, fake):
    spread_practices(fake, 24, CENTRE, "North")
    pages = list(gosc.iter_search_pages(session, fake.base_url("gosc"), "ZX1 1AA", radius=25))
    asked = [r.query["p"] for r in fake.requests_for("gosc")]
    assert ([len(page.items) for page in pages], asked) == ([10, 10, 5], ["1", "2", "3", "4"])


def test_gosc_practice_lists_the_osteopaths_working_there(session, fake):
    page = next(gosc.iter_search_pages(session, fake.base_url("gosc"), "ZX1 1AA"))
    assert [link.name for link in page.items[0].practitioners] == ["Alex Example"]


def test_gosc_unknown_location_has_no_results(session, fake):
    assert list(gosc.iter_search_pages(session, fake.base_url("gosc"), "Nowhere")) == []


def test_a_refresh_over_several_centres_sees_every_practice(session, fake):
    centres = {"ZX1 1AA": CENTRE, "ZX2 2BB": (52.45, -1.9), "ZX3 3CC": (53.48, -2.24)}
    expected = set()
    for postcode, centre in centres.items():
        fake.add_place(postcode, *centre)
        expected |= {p.name for p in spread_practices(fake, 100, centre, postcode)}
    expected.add("Harbourside Osteopathy")
    seen = set()
    for postcode in centres:
        for page in gosc.iter_search_pages(session, fake.base_url("gosc"), postcode, radius=25):
            seen |= {p.name for p in page.items}
    assert seen == expected
    assert fake.peak_concurrency["gosc"] == 1


def test_gcc_postcode_search_pages_by_offset_in_tens(session, fake):
    for i in range(22):
        clinic = fake.add_practice(
            f"Clinic {i}", ("1 Road",), "ZY1 1AA", CENTRE[0] + i / 1000, CENTRE[1]
        )
        fake.add_gcc(f"09{i:03d}", f"Chiro {i}", practices=[clinic])
    pages = list(
        gcc.iter_search_pages(
            session, fake.base_url("gcc"), "ZY1 1AA", latitude=CENTRE[0], longitude=CENTRE[1]
        )
    )
    paths = [r.path for r in fake.requests_for("gcc")]
    assert [len(page.items) for page in pages] == [10, 10, 3]
    assert paths == [
        "/search/chiro_results",
        "/search/chiro_results/P10",
        "/search/chiro_results/P20",
    ]


def test_gcc_postcode_search_can_locate_by_postcode_alone(session, fake):
    url = gcc.results_url(fake.base_url("gcc"), {"chiro_postcode": "ZX1 1AA"})
    page = gcc.parse_results(session.fetch(url)[2], url)
    assert [r.registration_number for r in page.items] == ["04567"]


def test_gcc_search_leaves_out_chiropractors_beyond_the_radius(session, fake):
    far = fake.add_practice("Far Clinic", ("1 Far Road",), "ZY9 9ZZ", CENTRE[0] + 1.0, CENTRE[1])
    fake.add_gcc("09777", "Far Example", practices=[far])
    pages = list(
        gcc.iter_search_pages(
            session, fake.base_url("gcc"), "ZY1 1AA", latitude=CENTRE[0], longitude=CENTRE[1]
        )
    )
    assert [r.registration_number for page in pages for r in page.items] == ["04567"]


def test_a_custom_locate_callable_is_used_for_searches():
    with fake_register(locate=lambda text: CENTRE if text == "Somewhere" else None) as fake:
        fake.add_gosc_practice("Only One", ("1 Lane",), "ZX1 1AA", *CENTRE)
        with PoliteSession("x@finder.example", min_interval=0) as session:
            pages = list(gosc.iter_search_pages(session, fake.base_url("gosc"), "Somewhere"))
    assert [p.name for p in pages[0].items] == ["Only One"]


def test_requests_are_recorded_in_order_with_their_query(session, fake):
    check("gcc", session, fake, "04567")
    assert [(r.path, r.query) for r in fake.requests_for("gcc", include_robots=True)] == [
        ("/robots.txt", {}),
        ("/search/chiro_results", {"chiro_registration_number": "04567"}),
    ]


def test_the_client_waits_between_requests_to_one_register(session, fake, fake_time):
    check("gosc", session, fake, "9123")  # robots.txt, search, registrant page
    assert fake_time.sleeps == [2.0, 2.0]


def test_miles_between_two_points_one_degree_of_latitude_apart():
    assert miles_between((51.0, 0.0), (52.0, 0.0)) == pytest.approx(69.1, abs=0.1)


def test_an_unknown_fault_kind_is_refused(fake):
    with pytest.raises(ValueError):
        fake.fault("gremlins")


@pytest.mark.parametrize("register", sorted(NUMBERS))
def test_a_site_wide_banner_and_cloudflares_script_on_good_pages_still_give_registered(
    register, session, fake
):
    fake.site_banner[register] = OUTAGE_MESSAGES["hcpc"]  # HCPC's real banner
    fake.cloudflare_script = True
    record = check(register, session, fake, NUMBERS[register])
    assert (record.registration_number, record.outcome) == (NUMBERS[register], "registered")


def test_hcpcs_outage_fault_serves_the_real_banner_and_is_unavailable(session, fake):
    fake.fault("outage", register="hcpc")
    with pytest.raises(RegisterUnavailable) as caught:
        check("hcpc", session, fake, "PH123456")
    assert caught.value.reason == "outage banner"


def test_an_hcpc_number_printed_zero_padded_is_the_number_asked(session, fake):
    fake.add_hcpc("PH12345", "Kim Example", printed_number="PH012345")
    record = check("hcpc", session, fake, "PH12345")
    assert (record.registration_number, record.outcome) == ("PH012345", "registered")


def test_the_fake_speaks_the_scrapers_protocol_for_gcc_numbers(session, fake):
    check("gcc", session, fake, "04567")
    request = fake.requests_for("gcc")[-1]
    assert (request.path, request.query) == (
        gcc.RESULTS_PATH,
        {gcc.NUMBER_PARAMETER: "04567"},
    )


def test_redesign_switches_a_register_to_a_page_no_parser_knows(session, fake):
    fake.redesign("gcc")
    with pytest.raises(LayoutChanged):
        check("gcc", session, fake, "04567")
    fake.clear_faults()
    assert check("gcc", session, fake, "04567").outcome == "registered"


def test_the_fake_lists_each_whole_register_page_by_page_until_told_not_to(session, fake):
    spread_practices(fake, 24, CENTRE, "North")
    practices = [p.name for page in gosc.iter_register_pages(session, fake.base_url("gosc"))
                 for p in page.items]  # fmt: skip
    assert practices == [p.name for p in fake.gosc_practices]
    chiropractors = [c.registration_number for page in gcc.iter_register_pages(
        session, fake.base_url("gcc")) for c in page.items]  # fmt: skip
    assert chiropractors == [c.number for c in fake.gcc]

    fake.whole_register.update(gosc=False, gcc=False)

    assert list(gosc.iter_register_pages(session, fake.base_url("gosc"))) == []
    assert list(gcc.iter_register_pages(session, fake.base_url("gcc"))) == []
