"""GCC chiro_results parser: result cards found by registration number or by postcode."""

from __future__ import annotations

import hashlib

import pytest
from pages import FILES, read

from scrapers import OUTCOMES, REGISTERED, UNKNOWN, gcc, parse_file
from scrapers.errors import LayoutChanged
from scrapers.records import Practice, Registration

URL = "https://www.gcc-uk.org/search/chiro_results?chiro_registration_number=04567"


def card_page(status: str = "Practising", number: str = "09234") -> str:
    return f"""<html><body><div class="card chiro_card"><h3 class="card-title">Test Person</h3>
        <p><span class="text-light-blue">Registration Number:</span><span>{number}</span></p>
        <p><span class="text-light-blue">Registration Status:</span><span>{status}</span></p>
        </div></body></html>"""


@pytest.fixture(scope="module")
def robin() -> Registration:
    page = gcc.parse_results(read("gcc_number_result.html"), URL)
    assert len(page.items) == 1
    return page.items[0]


def test_card_gives_the_registration_number_with_its_leading_zero(robin):
    assert robin.registration_number == "04567"


def test_card_gives_the_name(robin):
    assert robin.name == "Robin Ashdown-Carey"


def test_card_gives_register_and_profession(robin):
    assert (robin.register, robin.profession) == ("gcc", "chiropractor")


def test_card_gives_raw_status_and_outcome(robin):
    assert (robin.status_raw, robin.outcome, robin.outcome_reason) == (
        "Practising",
        REGISTERED,
        None,
    )


def test_card_email_is_the_first_mailto_link(robin):
    assert robin.email == "robin@spinewise.example"


def test_card_records_the_source_url(robin):
    assert robin.source_url == URL


def test_card_lists_every_practice_tab(robin):
    assert robin.practices == (
        Practice(
            name="SpineWise Clinic",
            address_lines=("2 Chapel Yard", "Brockhurst"),
            postcode="ZY1 3HG",
            phone="01632 960555",
            email="clinic@spinewise.example",
        ),
        Practice(
            name="Riverside Rooms",
            address_lines=("Riverside Rooms", "40 Wharf Street", "Aldwick Ferry"),
            postcode="ZY2 7PP",
        ),
    )


def test_no_phone_number_listed_is_no_phone(robin):
    assert robin.practices[1].phone is None


def test_a_single_card_page_is_the_last_page():
    assert gcc.parse_results(read("gcc_number_result.html"), URL).at_end is True


@pytest.fixture(scope="module")
def first_page():
    return gcc.parse_results(read("gcc_postcode_p0.html"), URL)


def test_a_full_page_of_ten_cards_is_not_the_end(first_page):
    assert (len(first_page.items), first_page.at_end) == (10, False)


def test_cards_come_in_page_order(first_page):
    assert [r.registration_number for r in first_page.items] == [
        f"090{i:02d}" for i in range(1, 11)
    ]


def test_card_without_email_has_none(first_page):
    assert first_page.items[1].email is None


def test_card_with_two_practices_keeps_both(first_page):
    assert [p.name for p in first_page.items[2].practices] == [
        "Clinic number 3",
        "Satellite Clinic 3",
    ]


def test_statuses_on_a_page_map_to_their_outcomes(first_page):
    assert [r.outcome for r in first_page.items[3:6]] == ["inactive", "registered", "restricted"]


def test_last_page_has_fewer_than_ten_cards_and_is_the_end():
    page = gcc.parse_results(read("gcc_postcode_p10.html"), URL)
    assert ([r.registration_number for r in page.items], page.at_end) == (
        ["09020", "09321", "09333"],
        True,
    )


def test_suspended_and_admonishment_are_inactive_and_restricted():
    page = gcc.parse_results(read("gcc_postcode_p10.html"), URL)
    assert [r.outcome for r in page.items[:2]] == ["inactive", "restricted"]


def test_unrecognised_status_is_unknown_never_registered():
    mo = gcc.parse_results(read("gcc_postcode_p10.html"), URL).items[2]
    assert (mo.status_raw, mo.outcome, mo.outcome_reason) == (
        "Practising (provisional)",
        UNKNOWN,
        "status not recognised",
    )


def test_trailing_postcode_on_the_last_address_line_is_split_off():
    lou = gcc.parse_results(read("gcc_postcode_p10.html"), URL).items[1]
    assert lou.practices[0].address_lines[-1] == "Oxley Common"


def test_card_without_practices_has_none():
    kai = gcc.parse_results(read("gcc_postcode_p10.html"), URL).items[0]
    assert kai.practices == ()


def test_no_results_page_is_an_empty_last_page():
    page = gcc.parse_results(read("gcc_no_results.html"), URL)
    assert (page.items, page.at_end) == ((), True)


@pytest.mark.parametrize(
    "name", ["gcc_number_result.html", "gcc_postcode_p0.html", "gcc_postcode_p10.html"]
)
def test_invariants_hold_on_every_card(name):
    page = gcc.parse_results(read(name), URL)
    digest = hashlib.sha256(read(name).encode()).hexdigest()
    for record in page.items:
        assert record.page_sha256 == digest
        assert len(record.registration_number) == 5 and record.registration_number.isdigit()
        assert record.outcome in OUTCOMES
        assert (record.outcome == REGISTERED) == (record.status_raw.casefold() == "practising")
        assert all(p.name and p.postcode for p in record.practices)


@pytest.mark.parametrize(("raw", "outcome"), sorted(gcc.STATUS_OUTCOMES.items()))
def test_every_status_in_the_table_maps_to_its_outcome(raw, outcome):
    assert gcc.parse_results(card_page(status=raw.upper()), URL).items[0].outcome == outcome


@pytest.mark.parametrize("name", ["gcc_redesigned.html", "gcc_card_without_number.html"])
def test_redesigned_page_or_card_is_layout_changed(name):
    with pytest.raises(LayoutChanged):
        gcc.parse_results(read(name), URL)


def test_a_number_without_its_leading_zero_on_the_card_is_layout_changed():
    with pytest.raises(LayoutChanged, match="registration number"):
        gcc.parse_results(card_page(number="4567"), URL)


def test_a_short_number_gets_its_leading_zeros_back():
    assert gcc.normalise_number("4567") == "04567"


def test_number_search_url_keeps_leading_zeros():
    assert gcc.number_search_url("http://127.0.0.1:9000", "04567") == (
        "http://127.0.0.1:9000/search/chiro_results?chiro_registration_number=04567"
    )


def test_postcode_search_url_pages_by_offset_path_segment():
    assert gcc.postcode_search_url("http://127.0.0.1:9000/", "ZY1 4AA", 51.5, -0.25, offset=20) == (
        "http://127.0.0.1:9000/search/chiro_results/P20"
        "?chiro_postcode=ZY1+4AA&chiro_latitude=51.500000&chiro_longitude=-0.250000"
    )


def test_first_page_url_has_no_offset_segment():
    assert "/P" not in gcc.postcode_search_url("http://127.0.0.1:9000", "ZY1 4AA", 51.5, -0.25)


def test_parse_file_reads_a_saved_results_page():
    assert len(parse_file("gcc", FILES / "gcc_postcode_p0.html").items) == 10


class StubSession:
    """Answers fetch() from saved pages by URL; remembers what was asked."""

    def __init__(self, pages: dict[str, str]) -> None:
        self.pages = pages
        self.asked: list[str] = []

    def fetch(self, url: str) -> tuple[str, int, str]:
        self.asked.append(url)
        return url, 200, read(self.pages[url])


BASE = "https://www.gcc-uk.org"


def results(offset: int) -> str:
    return gcc.postcode_search_url(BASE, "ZY1 4AA", 51.5, -0.25, offset)


def test_postcode_pages_are_walked_until_a_short_page():
    session = StubSession(
        {results(0): "gcc_postcode_p0.html", results(10): "gcc_postcode_p10.html"}
    )
    pages = list(gcc.iter_search_pages(session, BASE, "ZY1 4AA", latitude=51.5, longitude=-0.25))
    assert ([len(p.items) for p in pages], session.asked) == ([10, 3], [results(0), results(10)])


def test_a_full_last_page_is_followed_by_one_no_results_page():
    session = StubSession({results(0): "gcc_postcode_p0.html", results(10): "gcc_no_results.html"})
    pages = list(gcc.iter_search_pages(session, BASE, "ZY1 4AA", latitude=51.5, longitude=-0.25))
    assert ([len(p.items) for p in pages], len(session.asked)) == ([10], 2)


def test_an_offset_the_site_ignores_is_layout_changed():
    session = StubSession({results(0): "gcc_postcode_p0.html", results(10): "gcc_postcode_p0.html"})
    with pytest.raises(LayoutChanged, match="same results twice"):
        list(gcc.iter_search_pages(session, BASE, "ZY1 4AA", latitude=51.5, longitude=-0.25))


def test_lookup_returns_the_card_with_the_number():
    session = StubSession({gcc.number_search_url(BASE, "04567"): "gcc_number_result.html"})
    assert gcc.lookup(session, BASE, "4567").name == "Robin Ashdown-Carey"


def test_lookup_with_no_results_is_not_found():
    session = StubSession({gcc.number_search_url(BASE, "09999"): "gcc_no_results.html"})
    assert gcc.lookup(session, BASE, "09999").query == "09999"


def test_lookup_listing_only_other_numbers_is_layout_changed_never_not_found():
    session = StubSession({gcc.number_search_url(BASE, "09999"): "gcc_postcode_p10.html"})
    with pytest.raises(LayoutChanged, match="other registrants"):
        gcc.lookup(session, BASE, "09999")


# -- the evidence of real-registers.md §3, fact by fact ----------------------------------------


@pytest.fixture(scope="module")
def last_page():
    return gcc.parse_results(read("gcc_postcode_p10.html"), URL)


def test_a_card_without_card_title_takes_its_name_from_the_first_h3(last_page):
    assert last_page.items[0].name == "Kai Brennand"


def test_the_exact_live_card_class_is_a_card(last_page):
    assert last_page.items[2].registration_number == "09333"


def test_every_clinic_card_in_a_practice_tab_is_a_practice(last_page):
    assert last_page.items[1].practices == (
        Practice(
            name="Ferrabee Chiropractic",
            address_lines=("Ferrabee Chiropractic", "1a Lime Walk", "Oxley Common"),
            postcode="ZY8 2RS",
        ),
        Practice(
            name="Ferrabee at the Leisure Centre",
            address_lines=("Oxley Leisure Centre", "Common Road"),
            postcode="ZY8 2RT",
            phone="01632 960199",
        ),
    )


def test_a_card_whose_first_link_is_not_mailto_has_no_email():
    page = card_page().replace(
        '<h3 class="card-title">Test Person</h3>',
        '<h3 class="card-title"><a href="/profile/1">Test Person</a></h3>'
        '<a href="mailto:x@example.org">x@example.org</a>',
    )
    assert gcc.parse_results(page, URL).items[0].email is None


def test_a_page_with_cloudflares_script_and_extra_markup_is_read():
    robin = gcc.parse_results(read("gcc_number_result_noisy.html"), URL).items[0]
    assert (robin.registration_number, robin.status_raw, robin.outcome) == (
        "04567",
        "Practising",
        REGISTERED,
    )


def test_the_live_no_results_sentence_is_an_empty_last_page():
    page = gcc.parse_results(read("gcc_no_results.html"), URL)
    assert (page.items, page.at_end) == ((), True)


def test_non_practising_is_inactive_as_the_council_says():
    page = card_page(status="non-practising")
    assert gcc.parse_results(page, URL).items[0].outcome == "inactive"


def test_a_practice_tab_without_a_clinic_card_is_layout_changed_naming_the_register():
    pane = '<div class="practice-detail-container tab-pane "><h6>X</h6></div>'
    page = card_page().replace("</div></body>", pane + "</div></body>")
    with pytest.raises(LayoutChanged) as caught:
        gcc.parse_results(page, URL)
    assert caught.value.reason == "GCC results page: a practice tab without a div.card"


def test_a_card_without_the_status_label_names_what_is_missing():
    with pytest.raises(LayoutChanged) as caught:
        gcc.parse_results(read("gcc_card_without_number.html"), URL)
    assert caught.value.reason == (
        "GCC results page: a result card lacks Registration Number:, Registration Status:"
    )


def test_the_whole_register_pages_by_offset_with_no_query():
    session = StubSession(
        {
            f"{BASE}/search/chiro_results": "gcc_postcode_p0.html",
            f"{BASE}/search/chiro_results/P10": "gcc_postcode_p10.html",
        }
    )
    pages = list(gcc.iter_register_pages(session, BASE))
    assert ([len(p.items) for p in pages], session.asked) == (
        [10, 3],
        [f"{BASE}/search/chiro_results", f"{BASE}/search/chiro_results/P10"],
    )
