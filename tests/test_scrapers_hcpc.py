"""HCPC detail page parser, on pages rebuilt from real-registers.md (tests/files/hcpc_*) and on
the one real capture, the 2014 page of the old site (tests/files/hcpc_detail_2014_capture.html)."""

from __future__ import annotations

import hashlib
import json
from datetime import date

import pytest
from pages import FILES, read, replaced, saved

from scrapers import OUTCOMES, REGISTERED, UNKNOWN, hcpc, main, parse_file
from scrapers.errors import LayoutChanged, RegisterUnavailable
from scrapers.records import NotFound, Registration

URL = "https://www.hcpc-uk.org/check-the-register/professional-registration-detail/?query=PH123456&profession=PH"


def parse(name: str) -> Registration | NotFound:
    return hcpc.parse_detail(read(name), URL)


def detail_page(status: str = "Registered", period: str = "01/05/2024 to 30/04/2026") -> str:
    return f"""<html><body><table>
        <tr><th>Name</th><td>Test Person</td></tr>
        <tr><th>Registration number</th><td>PH910001</td></tr>
        <tr><th>Status</th><td>{status}</td></tr>
        <tr><th>Period</th><td>{period}</td></tr>
        </table></body></html>"""


@pytest.fixture(scope="module")
def registered() -> Registration:
    return parse("hcpc_registered.html")


def test_registered_page_gives_the_register(registered):
    assert registered.register == "hcpc"


def test_registered_page_gives_the_registration_number(registered):
    assert registered.registration_number == "PH123456"


def test_registered_page_gives_the_name_with_whitespace_collapsed(registered):
    assert registered.name == "Ellis Marlowe-Fenwick"


def test_registered_page_gives_physiotherapist_from_the_ph_prefix(registered):
    assert registered.profession == "physiotherapist"


def test_registered_page_keeps_the_raw_status(registered):
    assert registered.status_raw == "Registered"


def test_registered_status_maps_to_registered_outcome(registered):
    assert (registered.outcome, registered.outcome_reason) == (REGISTERED, None)


def test_registered_page_gives_the_period_as_dates(registered):
    assert (registered.period_from, registered.period_to) == (date(2024, 5, 1), date(2026, 4, 30))


def test_registered_page_gives_the_location_with_nbsp_normalised(registered):
    assert registered.location == "Wickham Bishops"


def test_registered_page_gives_each_entitlement(registered):
    assert registered.entitlements == ("Independent prescribing", "Supplementary prescribing")


def test_registered_page_keeps_the_data_valid_on_timestamp(registered):
    assert registered.data_valid_on == "27/11/2025 06:00:02"


def test_registered_page_records_the_source_url(registered):
    assert registered.source_url == URL


def test_registered_page_lists_no_practices(registered):
    assert registered.practices == ()


def test_minimal_page_keeps_the_leading_zero_of_the_number():
    assert parse("hcpc_minimal.html").registration_number == "PH912345"


def test_minimal_page_reads_labels_with_colons_in_any_order():
    record = parse("hcpc_minimal.html")
    assert (record.name, record.status_raw) == ("Rowan Tallis", "Registered")


def test_minimal_page_leaves_missing_optional_fields_empty():
    record = parse("hcpc_minimal.html")
    assert (record.period_from, record.period_to, record.location, record.entitlements) == (
        None,
        None,
        None,
        (),
    )


def test_data_valid_on_is_read_from_the_line_after_its_label():
    assert parse("hcpc_minimal.html").data_valid_on == "01/12/2025 09:15"


def test_conditions_of_practice_is_restricted():
    record = parse("hcpc_conditions.html")
    assert (record.status_raw, record.outcome) == (
        "Registered - Conditions of practice",
        "restricted",
    )


def test_single_digit_day_and_month_in_period_are_read():
    assert parse("hcpc_conditions.html").period_from == date(2024, 5, 1)


def test_lapsed_is_inactive():
    assert parse("hcpc_lapsed.html").outcome == "inactive"


def test_unrecognised_status_is_unknown_with_a_reason_never_registered():
    record = parse("hcpc_unrecognised_status.html")
    assert (record.outcome, record.outcome_reason) == (UNKNOWN, "status not recognised")


def test_not_found_page_is_a_not_found_record_naming_the_query():
    assert parse("hcpc_not_found.html") == NotFound(
        "hcpc",
        "PH999999",
        URL,
        hashlib.sha256((FILES / "hcpc_not_found.html").read_bytes()).hexdigest(),
    )


@pytest.mark.parametrize("name", ["hcpc_redesigned.html", "hcpc_redesigned_not_found.html"])
def test_redesigned_page_is_layout_changed_never_not_found(name):
    with pytest.raises(LayoutChanged):
        parse(name)


@pytest.mark.parametrize(("raw", "outcome"), sorted(hcpc.STATUS_OUTCOMES.items()))
def test_every_status_in_the_table_maps_to_its_outcome(raw, outcome):
    assert hcpc.parse_detail(detail_page(status=raw.upper()), URL).outcome == outcome


@pytest.mark.parametrize(
    "raw", ["Registered*", "Not registered", "Registered with conditions", "Registerd", "Active"]
)
def test_near_miss_statuses_are_unknown(raw):
    assert hcpc.parse_detail(detail_page(status=raw), URL).outcome == UNKNOWN


def test_a_period_in_another_format_is_layout_changed():
    with pytest.raises(LayoutChanged, match="HCPC detail page: Period not understood"):
        hcpc.parse_detail(detail_page(period="May 2024 - April 2026"), URL)


def test_an_empty_status_cell_is_layout_changed():
    with pytest.raises(LayoutChanged):
        hcpc.parse_detail(detail_page(status=""), URL)


PARSEABLE = [
    "hcpc_registered.html",
    "hcpc_minimal.html",
    "hcpc_conditions.html",
    "hcpc_lapsed.html",
    "hcpc_unrecognised_status.html",
]


@pytest.mark.parametrize("name", PARSEABLE)
def test_invariants_hold_on_every_registrant_page(name):
    record = parse(name)
    text = read(name)
    assert record.outcome in OUTCOMES
    assert (record.outcome == REGISTERED) == (record.status_raw.casefold() == "registered")
    assert record.page_sha256 == hashlib.sha256(text.encode()).hexdigest()
    assert hcpc.PRINTED_NUMBER.match(record.registration_number)
    assert record.period_from is None or record.period_from < record.period_to


def test_number_is_upper_cased_and_spaces_removed():
    assert hcpc.normalise_number(" ph 912 345 ") == ("PH912345", "PH")


def test_detail_url_sets_profession_to_the_number_prefix():
    assert hcpc.detail_url("http://127.0.0.1:5000/", "ph123456") == (
        "http://127.0.0.1:5000/check-the-register/professional-registration-detail/"
        "?query=PH123456&profession=PH"
    )


def test_parse_file_reads_a_saved_page():
    assert parse_file("hcpc", FILES / "hcpc_registered.html").registration_number == "PH123456"


def test_command_line_prints_what_the_parser_understood_as_json(capsys):
    assert main(["hcpc", str(FILES / "hcpc_registered.html")]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert (printed["type"], printed["period_to"]) == ("Registration", "2026-04-30")


def test_command_line_reports_a_page_it_does_not_understand_in_one_line(capsys):
    assert main(["hcpc", str(FILES / "hcpc_redesigned.html")]) == 1
    assert capsys.readouterr().out.startswith("error: page layout not recognised")


def test_module_entry_point_takes_the_register_from_the_module(capsys):
    assert main([str(FILES / "hcpc_not_found.html")], register="hcpc") == 0
    assert json.loads(capsys.readouterr().out)["type"] == "NotFound"


class _OnePage:
    def __init__(self, text: str) -> None:
        self.text = text

    def fetch(self, url, params=None):
        return url, 200, self.text


def test_a_page_about_another_registration_number_is_layout_changed():
    with pytest.raises(LayoutChanged, match="asked for PH910002 but the page shows PH910001"):
        hcpc.lookup(_OnePage(detail_page()), "http://127.0.0.1:5000", "ph910002")


def test_a_page_about_the_number_asked_is_the_answer():
    record = hcpc.lookup(_OnePage(detail_page()), "http://127.0.0.1:5000", "PH910001")
    assert record.registration_number == "PH910001"


@pytest.mark.parametrize(
    ("echo", "shown"),
    [("PH999999", "PH999999"), ("", "no number")],
    ids=["another-number", "no-number"],
)
def test_a_not_found_page_must_name_the_number_asked_for(echo, shown):
    """A register that ignored the query says "no results" for everyone: that is a layout
    change, never "not registered"."""
    page = replaced(saved("hcpc_not_found.html"), "PH999999", echo)
    with pytest.raises(LayoutChanged, match=f"asked for PH123456 but the page shows {shown}"):
        hcpc.lookup(_OnePage(page), "http://127.0.0.1:5000", "PH123456")


def test_a_not_found_page_naming_the_number_asked_for_is_not_found():
    page = saved("hcpc_not_found.html")
    assert isinstance(hcpc.lookup(_OnePage(page), "http://127.0.0.1:5000", "PH999999"), NotFound)


# -- the evidence of real-registers.md, fact by fact ------------------------------------------


@pytest.fixture(scope="module")
def capture_2014() -> Registration:
    return parse("hcpc_detail_2014_capture.html")


def test_the_2014_capture_parses_to_its_fields(capture_2014):
    assert (
        capture_2014.name,
        capture_2014.registration_number,
        capture_2014.status_raw,
        capture_2014.outcome,
        capture_2014.location,
    ) == ("Alex Example", "PYL01234", "Registered", REGISTERED, "Exampletown")


def test_the_2014_capture_gives_registered_from_and_until_as_the_period(capture_2014):
    assert (capture_2014.period_from, capture_2014.period_to) == (
        date(2013, 6, 1),
        date(2015, 6, 1),
    )


def test_the_2014_capture_keeps_data_valid_at_and_its_modalities(capture_2014):
    assert (capture_2014.data_valid_on, capture_2014.entitlements) == (
        "15:04, 10 May 2014",
        ("Educational psychologist",),
    )


def test_td_label_cells_a_colon_and_a_zero_padded_number_are_read():
    record = parse("hcpc_registered_td_cells.html")
    assert (record.name, record.registration_number, record.period_from, record.period_to) == (
        "Morgan Example-Vale",
        "PH012345",
        date(2026, 5, 1),
        date(2028, 4, 30),
    )


def test_data_valid_on_is_read_when_its_value_is_in_the_next_element():
    assert parse("hcpc_registered_td_cells.html").data_valid_on == "07/12/2026 06:00:01"


@pytest.mark.parametrize(
    "name",
    [
        "hcpc_registered_outage_banner.html",
        "hcpc_registered_cloudflare_jsd.html",
        "hcpc_registered_other_banner.html",
    ],
)
def test_a_good_page_under_a_site_wide_banner_or_cloudflare_script_is_registered(name):
    record = parse(name)
    assert (record.registration_number, record.outcome) == ("PH123456", REGISTERED)


def test_the_real_outage_banner_with_curly_quotes_and_no_result_is_unavailable():
    with pytest.raises(RegisterUnavailable) as caught:
        parse("hcpc_outage.html")
    assert caught.value.reason == "outage banner"


def test_no_results_under_the_outage_banner_is_unavailable_never_not_found():
    with pytest.raises(RegisterUnavailable) as caught:
        parse("hcpc_not_found_outage_banner.html")
    assert caught.value.reason == "outage banner"


def test_a_missing_label_is_named_with_the_register_page_in_the_reason():
    page = detail_page().replace("<th>Status</th>", "<th>State</th>")
    with pytest.raises(LayoutChanged) as caught:
        hcpc.parse_detail(page, URL)
    assert caught.value.reason == "HCPC detail page: no table rows labelled Status"


@pytest.mark.parametrize("printed", ["PH0910001", "ph910001"])
def test_the_number_printed_zero_padded_is_the_number_asked(printed):
    page = detail_page().replace("PH910001", printed)
    record = hcpc.lookup(_OnePage(page), "http://127.0.0.1:5000", "PH910001")
    assert record.outcome == REGISTERED


@pytest.mark.parametrize(("a", "b", "same"), [
    ("PH012345", "PH12345", True),
    ("PYL01234", "PYL1234", True),
    ("PH12345", "OT12345", False),
    ("PH12345", "PH123450", False),
])  # fmt: skip
def test_numbers_are_the_same_by_prefix_and_value(a, b, same):
    assert hcpc.same_number(a, b) is same


def test_registered_from_in_another_format_is_layout_changed():
    page = detail_page().replace(
        "<th>Period</th><td>01/05/2024 to 30/04/2026</td>",
        "<th>Registered from</th><td>June 2013</td>",
    )
    with pytest.raises(LayoutChanged, match="Registered from not understood"):
        hcpc.parse_detail(page, URL)
