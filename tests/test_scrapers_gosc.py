"""GOsC parsers: practice search results, registrant search results, registrant page."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest
from pages import FILES, read

from scrapers import OUTCOMES, REGISTERED, UNKNOWN, gosc, parse_file
from scrapers.errors import LayoutChanged, RegisterUnavailable
from scrapers.records import Practice, PractitionerLink, Registration, ResultPage

BASE = "https://www.osteopathy.org.uk"
URL = f"{BASE}/register-search/practices/?location=ZX1+2AB&radius=10&surname=&registration=&p=1"


def registrant_page(status: str = "Registered", since: str = "14 March 2011") -> str:
    return f"""<html><body><div class="registrant-detail"><h1>Test Person</h1>
        <dl class="registrant-details"><dt>Registration number</dt><dd>91234</dd>
        <dt>Registration status</dt><dd>{status}</dd>
        <dt>Date of registration</dt><dd>{since}</dd></dl></div></body></html>"""


@pytest.fixture(scope="module")
def page1() -> ResultPage:
    return gosc.parse_practices(read("gosc_practices_p1.html"), URL)


@pytest.fixture(scope="module")
def harbourside(page1) -> Practice:
    return page1.items[0]


def test_practice_page_lists_every_practice_in_page_order(page1):
    assert [p.name for p in page1.items] == [
        "Harbourside Osteopathy",
        "The Back Room",
        "Fenwick Health & Wellbeing",
    ]


def test_a_full_practice_page_is_not_the_end(page1):
    assert page1.at_end is False


def test_practice_address_lines_exclude_the_postcode(harbourside):
    assert harbourside.address_lines == (
        "Unit 4, The Old Ropeworks",
        "Quayside Lane",
        "Portbury Wick",
    )


def test_practice_postcode_is_read_from_its_own_line(harbourside):
    assert harbourside.postcode == "ZX1 2AB"


def test_practice_phone_is_read(harbourside):
    assert harbourside.phone == "01632 960001"


def test_practice_email_comes_from_the_mailto_link_without_its_subject(harbourside):
    assert harbourside.email == "hello@harbourside.example"


def test_practice_website_is_the_link_target(harbourside):
    assert harbourside.website == "https://harbourside.example/"


def test_practice_register_id_comes_from_its_link(harbourside):
    assert harbourside.register_id == "1201"


def test_practice_register_url_is_absolute(harbourside):
    assert (
        harbourside.register_url == f"{BASE}/register-search/practices/1201-harbourside-osteopathy/"
    )


def test_osteopaths_at_a_practice_are_linked_with_their_site_ids(harbourside):
    assert harbourside.practitioners == (
        PractitionerLink(
            "Alex Brindlecombe",
            "5501",
            f"{BASE}/register-search/registrants/5501-alex-brindlecombe/",
        ),
        PractitionerLink(
            "Priya Nandakumar-Hale",
            "5502",
            f"{BASE}/register-search/registrants/5502-priya-nandakumar-hale/",
        ),
    )


def test_practice_without_contact_details_has_none(page1):
    back_room = page1.items[1]
    assert (back_room.phone, back_room.email, back_room.website) == (None, None, None)


def test_postcode_at_the_end_of_an_address_line_is_split_off(page1):
    fenwick = page1.items[2]
    assert (fenwick.address_lines, fenwick.postcode) == (
        ("Fenwick House, 3 Mill Road", "Upton Parva"),
        "ZX3 4LP",
    )


def test_extra_wrappers_inside_an_item_are_tolerated(page1):
    assert [p.name for p in page1.items[2].practitioners] == [
        "Jo Eldridge",
        "Alex Brindlecombe",
        "Kit Varley",
    ]


def test_email_link_text_is_not_mistaken_for_the_address():
    orchard = gosc.parse_practices(read("gosc_practices_p2.html"), URL).items[0]
    assert orchard.email == "bookings@orchard-clinic.example"


def test_practice_without_an_address_has_no_postcode():
    mobile = gosc.parse_practices(read("gosc_practices_p2.html"), URL).items[1]
    assert (mobile.address_lines, mobile.postcode) == ((), None)


def test_no_results_page_is_an_empty_last_page():
    page = gosc.parse_practices(read("gosc_practices_end.html"), URL)
    assert (page.items, page.at_end) == ((), True)


@pytest.mark.parametrize("name", ["gosc_practices_p1.html", "gosc_practices_p2.html"])
def test_invariants_hold_on_every_practice(name):
    page = gosc.parse_practices(read(name), URL)
    assert page.page_sha256 == hashlib.sha256(read(name).encode()).hexdigest()
    for practice in page.items:
        assert practice.name and practice.register_id and practice.register_url.startswith(BASE)
        assert practice.postcode is None or practice.postcode == practice.postcode.upper()
        assert all(link.url.startswith(BASE) for link in practice.practitioners)


def test_registrant_search_lists_links_to_registrant_pages():
    page = gosc.parse_registrant_search(read("gosc_registrant_search.html"), URL)
    assert page.items == (
        PractitionerLink(
            "Alex Brindlecombe",
            "5501",
            f"{BASE}/register-search/registrants/5501-alex-brindlecombe/",
        ),
    )


def test_empty_registrant_search_is_an_empty_last_page():
    page = gosc.parse_registrant_search(read("gosc_registrant_search_empty.html"), URL)
    assert (page.items, page.at_end) == ((), True)


@pytest.fixture(scope="module")
def alex() -> Registration:
    return gosc.parse_registrant(read("gosc_registrant.html"), URL)


def test_registrant_page_gives_the_registration_number(alex):
    assert alex.registration_number == "9123"


def test_registrant_page_gives_the_name(alex):
    assert alex.name == "Alex Brindlecombe"


def test_registrant_page_gives_register_and_profession(alex):
    assert (alex.register, alex.profession) == ("gosc", "osteopath")


def test_registrant_page_gives_status_and_outcome(alex):
    assert (alex.status_raw, alex.outcome, alex.outcome_reason) == ("Registered", REGISTERED, None)


def test_registrant_page_gives_the_date_of_registration(alex):
    assert alex.registered_since == date(2011, 3, 14)


def test_registrant_page_gives_each_qualification(alex):
    assert alex.qualifications == ("BOst (Hons)", "MSc Paediatric Osteopathy")


def test_registrant_page_keeps_the_conditions_text_as_shown(alex):
    assert alex.notes == "None"


def test_registrant_page_lists_the_practices(alex):
    assert [(p.name, p.postcode, p.register_id) for p in alex.practices] == [
        ("Harbourside Osteopathy", "ZX1 2AB", "1201"),
        ("Fenwick Health & Wellbeing", "ZX3 4LP", "1203"),
    ]


def test_registrant_page_records_the_source_url(alex):
    assert alex.source_url == URL


def test_conditions_page_keeps_the_leading_zero_and_is_restricted():
    record = gosc.parse_registrant(read("gosc_registrant_conditions.html"), URL)
    assert (record.registration_number, record.outcome) == ("097711", "restricted")


def test_alternative_label_spellings_are_read():
    record = gosc.parse_registrant(read("gosc_registrant_conditions.html"), URL)
    assert record.notes == "Must practise under supervision until 01/06/2026."


def test_missing_optional_registrant_fields_are_empty():
    record = gosc.parse_registrant(read("gosc_registrant_conditions.html"), URL)
    assert (record.registered_since, record.qualifications, record.practices) == (None, (), ())


def test_unrecognised_registrant_status_is_unknown():
    record = gosc.parse_registrant(read("gosc_registrant_unknown_status.html"), URL)
    assert (record.outcome, record.outcome_reason) == (UNKNOWN, "status not recognised")


def test_date_of_registration_in_numeric_form_is_read():
    record = gosc.parse_registrant(read("gosc_registrant_unknown_status.html"), URL)
    assert record.registered_since == date(2019, 9, 2)


@pytest.mark.parametrize(("raw", "outcome"), sorted(gosc.STATUS_OUTCOMES.items()))
def test_every_status_in_the_table_maps_to_its_outcome(raw, outcome):
    assert (
        gosc.parse_registrant(registrant_page(status=f"  {raw.title()} "), URL).outcome == outcome
    )


@pytest.mark.parametrize("raw", ["Registered (provisional)", "Practising", "Unregistered"])
def test_near_miss_statuses_are_unknown(raw):
    record = gosc.parse_registrant(registrant_page(status=raw), URL)
    assert record.outcome == UNKNOWN and record.outcome in OUTCOMES


def test_an_unreadable_date_of_registration_is_layout_changed():
    with pytest.raises(LayoutChanged, match="date of registration"):
        gosc.parse_registrant(registrant_page(since="sometime in 2011"), URL)


@pytest.mark.parametrize(
    "parser", [gosc.parse_practices, gosc.parse_registrant_search, gosc.parse_registrant]
)
def test_redesigned_page_is_layout_changed_for_every_page_kind(parser):
    with pytest.raises(LayoutChanged):
        parser(read("gosc_redesigned.html"), URL)


def test_a_practice_item_without_a_name_link_is_layout_changed():
    text = read("gosc_practices_p2.html").replace("<h3>", "<h4>").replace("</h3>", "</h4>")
    with pytest.raises(LayoutChanged, match="h3 > a"):
        gosc.parse_practices(text, URL)


def test_practice_search_url_carries_every_parameter_with_a_1_based_page():
    assert gosc.practice_search_url("http://127.0.0.1:8000", "ZX1 2AB", radius=5, page=2) == (
        "http://127.0.0.1:8000/register-search/practices/"
        "?location=ZX1+2AB&radius=5&surname=&registration=&p=2"
    )


def test_registrant_search_url_searches_by_registration_number():
    assert gosc.registrant_search_url("http://127.0.0.1:8000/", " 9123 ") == (
        "http://127.0.0.1:8000/register-search/registrants/"
        "?location=&radius=&surname=&registration=9123&p=1"
    )


def test_a_registration_number_with_letters_is_refused():
    with pytest.raises(ValueError):
        gosc.normalise_number("OS9123")


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("gosc_practices_p1.html", ResultPage),
        ("gosc_registrant_search.html", ResultPage),
        ("gosc_registrant.html", Registration),
    ],
)
def test_parse_file_recognises_the_kind_of_saved_page(name, kind):
    assert isinstance(parse_file("gosc", FILES / name), kind)


def test_parse_file_tells_registrant_search_items_from_practices():
    page = parse_file("gosc", FILES / "gosc_registrant_search.html")
    assert isinstance(page.items[0], PractitionerLink)


class StubSession:
    """Answers fetch() from saved pages by URL; remembers what was asked."""

    def __init__(self, pages: dict[str, tuple[int, str]]) -> None:
        self.pages = pages
        self.asked: list[str] = []

    def fetch(self, url: str) -> tuple[str, int, str]:
        self.asked.append(url)
        status, name = self.pages[url]
        return url, status, read(name)


def search(page: int) -> str:
    return gosc.practice_search_url(BASE, "ZX1 2AB", 10, page)


def test_practice_pages_are_walked_until_the_no_results_page():
    session = StubSession(
        {
            search(1): (200, "gosc_practices_p1.html"),
            search(2): (200, "gosc_practices_p2.html"),
            search(3): (200, "gosc_practices_end.html"),
        }
    )
    pages = list(gosc.iter_search_pages(session, BASE, "ZX1 2AB", radius=10))
    assert ([len(p.items) for p in pages], session.asked) == (
        [3, 2],
        [search(1), search(2), search(3)],
    )


def test_a_page_parameter_the_site_ignores_is_layout_changed_not_an_endless_walk():
    session = StubSession({search(n): (200, "gosc_practices_p1.html") for n in (1, 2)})
    with pytest.raises(LayoutChanged, match="same results twice"):
        list(gosc.iter_search_pages(session, BASE, "ZX1 2AB", radius=10))


def test_walking_stops_at_max_pages():
    session = StubSession({search(1): (200, "gosc_practices_p1.html")})
    assert len(list(gosc.iter_search_pages(session, BASE, "ZX1 2AB", radius=10, max_pages=1))) == 1


ALEX_URL = f"{BASE}/register-search/registrants/5501-alex-brindlecombe/"


def test_lookup_searches_by_number_then_reads_the_registrant_page():
    session = StubSession(
        {
            gosc.registrant_search_url(BASE, "9123"): (200, "gosc_registrant_search.html"),
            ALEX_URL: (200, "gosc_registrant.html"),
        }
    )
    record = gosc.lookup(session, BASE, "9123")
    assert (record.name, record.source_url) == ("Alex Brindlecombe", ALEX_URL)


def test_lookup_with_no_search_results_is_not_found():
    url = gosc.registrant_search_url(BASE, "94444")
    session = StubSession({url: (200, "gosc_registrant_search_empty.html")})
    assert gosc.lookup(session, BASE, "94444").query == "94444"


def test_lookup_listing_only_other_registrants_is_layout_changed_never_not_found():
    session = StubSession(
        {
            gosc.registrant_search_url(BASE, "95555"): (200, "gosc_registrant_search.html"),
            ALEX_URL: (200, "gosc_registrant.html"),  # number 9123, not 95555
        }
    )
    with pytest.raises(LayoutChanged, match="other registrants"):
        gosc.lookup(session, BASE, "95555")


def test_lookup_of_a_registrant_page_that_answers_404_is_unavailable():
    session = StubSession(
        {
            gosc.registrant_search_url(BASE, "9123"): (200, "gosc_registrant_search.html"),
            ALEX_URL: (404, "gosc_redesigned.html"),
        }
    )
    with pytest.raises(RegisterUnavailable, match="HTTP 404"):
        gosc.lookup(session, BASE, "9123")


def test_leading_zeros_are_stripped_and_only_ascii_digits_are_a_number():
    assert gosc.normalise_number("09123") == "9123"
    for bad in ("٤٥٦٧", "000", ""):
        with pytest.raises(ValueError):
            gosc.normalise_number(bad)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://harbourside.example/", "https://harbourside.example/"),
        ("/clinics/harbourside", "https://www.osteopathy.example/clinics/harbourside"),
        ("www.harbourside.example", "https://www.harbourside.example"),
        ("WWW.Harbourside.example/about", "https://WWW.Harbourside.example/about"),
        ("javascript:alert(1)", None),
        ("mailto:hello@harbourside.example", None),
        ("ftp://harbourside.example/", None),
        ("", None),
        (None, None),
    ],
)
def test_practice_websites_are_absolute_http_urls_or_none(value, expected):
    page = "https://www.osteopathy.example/register/practice-search/?p=1"
    assert gosc.website_url(value, page) == expected


# -- the evidence of real-registers.md §2, fact by fact ----------------------------------------


@pytest.fixture(scope="module")
def noisy():
    return gosc.parse_practices(read("gosc_practices_noisy.html"), URL)


def test_a_list_number_or_distance_before_a_practice_name_is_cleaned_away(noisy):
    assert [p.name for p in noisy.items] == [
        "Quay Street Osteopaths",
        "360 Health",
        "3 Wells Clinic",
    ]


def test_a_page_with_cloudflares_script_and_tabbed_addresses_is_read(noisy):
    assert (noisy.items[0].address_lines, noisy.items[0].postcode) == (
        ("3 Quay Street", "Portbury Wick"),
        "ZX1 2AD",
    )


def test_the_url_slug_id_is_kept_as_the_sites_id_never_as_the_registration_number(noisy, alex):
    link = noisy.items[0].practitioners[0]
    assert (link.register_id, alex.registration_number) == ("5720", "9123")
    assert not hasattr(link, "registration_number")


def test_search_urls_use_the_five_live_parameters_in_order():
    assert gosc.SEARCH_PARAMETERS == ("location", "radius", "surname", "registration", "p")
    url = gosc.practice_search_url("http://127.0.0.1:8000", "CV4 7AU", radius=1000)
    assert url.split("?")[1] == "location=CV4+7AU&radius=1000&surname=&registration=&p=1"


def test_a_registrant_page_without_the_guessed_markup_names_the_register_and_what_is_missing():
    text = read("gosc_registrant.html").replace("registrant-detail", "person-profile")
    with pytest.raises(LayoutChanged) as caught:
        gosc.parse_registrant(text, URL)
    assert caught.value.reason == "GOsC registrant page: no div.registrant-detail"


def test_a_registrant_page_without_a_status_row_names_it():
    text = read("gosc_registrant.html").replace("Registration status:", "Standing:")
    with pytest.raises(LayoutChanged) as caught:
        gosc.parse_registrant(text, URL)
    assert caught.value.reason == "GOsC registrant page: no Registration status"


def test_the_whole_register_is_asked_with_every_filter_blank_then_from_coventry():
    blank, coventry = (
        gosc.practice_search_url(BASE, location, radius, 1)
        for _, location, radius in gosc.WHOLE_REGISTER_WALKS
    )
    session = StubSession(
        {
            blank: (200, "gosc_practices_p1.html"),
            blank.replace("p=1", "p=2"): (200, "gosc_practices_end.html"),
            coventry: (200, "gosc_practices_end.html"),
        }
    )
    pages = list(gosc.iter_register_pages(session, BASE))
    assert [len(p.items) for p in pages] == [3]
    assert (
        blank == f"{BASE}/register-search/practices/?location=&radius=&surname=&registration=&p=1"
    )
    assert list(gosc.iter_register_pages(session, BASE, way=1)) == []
    assert coventry.endswith("?location=CV4+7AU&radius=1000&surname=&registration=&p=1")
