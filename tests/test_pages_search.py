"""The search pages, read as a person (or a screen reader) would: whole lists picked by CSS."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from finder import create_app, db, directory


def stamp(days_ago: int) -> str:
    return (datetime.now(UTC) - timedelta(days=days_ago, hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")


PEOPLE = [
    ("gosc", "9123", "Ada Example", "osteopath", ("registered", "Registered", 3)),
    ("hcpc", "PH900123", "Cara Example", "physiotherapist", None),
    ("gcc", "04567", "Dev Example", "chiropractor", ("restricted", "Conditions of practice", 45)),
    ("gcc", "09568", "Eve Example", "chiropractor", ("registered", "Practising", 0)),
]
PRACTICES = [  # key, name, postcode, lat, lon, staff
    ("t:1", "Headingley Osteopaths", "LS6 3AA", 53.820277, -1.577001, [("gosc", "9123")]),
    (
        "t:2",
        "Hyde Park Physiotherapy",
        "LS6 1AA",
        53.817859,
        -1.574504,
        [("hcpc", "PH900123"), ("gcc", "04567")],
    ),
    ("t:3", "City Chiropractic", "LS1 4DY", 53.795134, -1.546664, [("gcc", "09568")]),
]


def load(data_dir, practices=PRACTICES, source="test") -> None:
    database = db.open_main(data_dir)
    directory.upsert_practitioners(
        database,
        [
            {
                "register": r,
                "registration_number": n,
                "name": name,
                "profession": p,
                "source": source,
            }
            for r, n, name, p, _ in PEOPLE
        ],
    )
    for key, name, postcode, lat, lon, staff in practices:
        directory.upsert_practice(
            database,
            {
                "key": key,
                "name": name,
                "address": ["1 Test Street", "Leeds"],
                "postcode": postcode,
                "latitude": lat,
                "longitude": lon,
                "phone": "01632 960001",
                "features": {
                    "home_visits": True,
                    "wheelchair_access": False,
                    "languages": ["Welsh"],
                },
                "source": source,
            },
            staff,
        )
    for register, number, _name, _profession, state in PEOPLE:
        if state:
            database["registrations"].insert(
                {
                    "register": register,
                    "registration_number": number,
                    "outcome": state[0],
                    "status_raw": state[1],
                    "checked_at": stamp(state[2]),
                    "source_url": f"https://register.example/{number}",
                }
            )
    database.close()


@pytest.fixture
def leeds(data_dir):
    load(data_dir)


def page(client, url, status=200) -> BeautifulSoup:
    response = client.get(url)
    assert response.status_code == status
    return BeautifulSoup(response.data, "html.parser")


def texts(soup, selector) -> list[str]:
    return [" ".join(node.get_text(" ", strip=True).split()) for node in soup.select(selector)]


def test_home_page_is_the_search_form(client):
    soup = page(client, "/")
    form = soup.select_one("form.search-form")
    assert (form["method"], form["action"]) == ("get", "/search")
    assert texts(form, "label") == [
        "Postcode",
        "Any of these",
        "Physiotherapist",
        "Osteopath",
        "Chiropractor",
        "Distance",
        "Home visits",
        "Wheelchair access",
        "A confirmed registration (the register said so in the last 30 days)",
        "Language spoken",
    ]
    assert [o["value"] for o in form.select("select#language option")][:1] == [""]
    assert [o["value"] for o in form.select("select#miles option")] == [
        "1",
        "3",
        "5",
        "10",
        "25",
        "50",
    ]
    assert form.select_one("option[selected]")["value"] == "10"


def test_the_site_icon_is_served_where_browsers_look_and_linked_from_every_page(client):
    with client.get("/favicon.ico") as icon:
        assert (icon.status_code, icon.mimetype) == (200, "image/vnd.microsoft.icon")
        assert icon.get_data()[:4] == b"\x00\x00\x01\x00"  # an ICO file's header
    soup = page(client, "/about")
    links = {link["href"]: link.get("type") for link in soup.select('link[rel="icon"]')}
    assert links == {"/favicon.ico": None, "/static/favicon.svg": "image/svg+xml"}
    with client.get("/static/favicon.svg") as svg:
        assert svg.status_code == 200 and svg.get_data().startswith(b"<svg ")


def test_results_list_the_nearest_practice_first_with_distances(client, leeds):
    soup = page(client, "/search?postcode=LS6+2AB&miles=5")
    assert texts(soup, "h1") == ["Physiotherapists, osteopaths and chiropractors near LS6 2AB"]
    assert texts(soup, ".results-summary")[0].startswith("3 practices within 5 miles, nearest")
    assert texts(soup, ".results .practice-name") == [
        "Headingley Osteopaths",
        "Hyde Park Physiotherapy",
        "City Chiropractic",
    ]
    assert texts(soup, ".results .distance") == [
        "0.2 miles (0.4 km) away",
        "0.3 miles (0.5 km) away",
        "2.1 miles (3.4 km) away",
    ]
    assert texts(soup, ".results .practitioner-name") == [
        "Ada Example",
        "Cara Example",
        "Dev Example",
        "Eve Example",
    ]


def test_each_practitioner_is_one_line_with_a_compact_status_linked_to_the_register(client, leeds):
    soup = page(client, "/search?postcode=LS6+2AB&miles=5")
    assert texts(soup, ".results .practitioners li") == [
        "Ada Example , osteopath: Registered · GOsC 9123 · checked 3 days ago",
        "Cara Example , physiotherapist: Not yet verified · HCPC PH900123",
        "Dev Example , chiropractor: Registered with conditions: “Conditions of practice” · "
        "GCC 04567 · checked 45 days ago (may be out of date)",
        "Eve Example , chiropractor: Registered · GCC 09568 · checked today",
    ]
    assert [a["href"] for a in soup.select(".results a.registration")] == [
        "https://register.example/9123",
        "https://www.hcpc-uk.org/check-the-register/professional-registration-detail/"
        "?query=PH900123&profession=PH",
        "https://register.example/04567",
        "https://register.example/09568",
    ]
    # What is the same on every card is said once, after the list.
    assert texts(soup, ".about-statuses") == [
        "Each status is a copy of what the practitioner's register (HCPC, GOsC or GCC) showed "
        "when we last checked it. The register is the authority: follow a status to see its "
        "current entry. A check more than 30 days old may be out of date."
    ]
    assert "The register said" not in soup.get_text()


def test_a_card_shows_name_distance_address_phone_and_what_the_practice_offers(client, leeds):
    soup = page(client, "/search?postcode=LS6+2AB&miles=5")
    first = soup.select_one(".results > li")
    assert texts(first, "p") == [
        "0.2 miles (0.4 km) away",
        "1 Test Street, Leeds, LS6 3AA",
        "Phone: 01632 960001",
        "Home visits · Welsh spoken",
    ]
    assert [a["href"] for a in first.select(".phone a")] == ["tel:01632960001"]


def test_a_registration_doubted_by_a_later_check_says_so_on_its_line(client, data_dir):
    load(data_dir)
    database = db.open_main(data_dir)
    with database.conn:
        database.execute(
            "update registrations set reason = ? where registration_number = '9123'",
            ("the register's page said something we do not recognise",),
        )
    database.close()
    soup = page(client, "/search?postcode=LS6+2AB&miles=5")
    assert texts(soup, ".results .practitioners li")[0] == (
        "Ada Example , osteopath: Registered · GOsC 9123 · checked 3 days ago "
        "(a later check could not confirm this)"
    )


def test_filters_keep_their_choices_and_narrow_the_list(client, leeds):
    soup = page(client, "/search?postcode=LS6+2AB&profession=chiropractor&miles=3")
    assert texts(soup, "h1") == ["Chiropractors near LS6 2AB"]
    assert texts(soup, ".results .practice-name") == [
        "Hyde Park Physiotherapy",
        "City Chiropractic",
    ]
    assert texts(soup, ".results .practitioner-name") == ["Dev Example", "Eve Example"]
    form = soup.select_one("#change-search ~ form, .change-search form")
    assert form.select_one("input[name=profession][checked]")["value"] == "chiropractor"
    assert form.select_one("option[selected]")["value"] == "3"
    assert form.select_one("#postcode")["value"] == "LS6 2AB"


def test_a_bad_postcode_shows_an_error_summary_and_keeps_what_was_typed(client, leeds):
    soup = page(client, "/search?postcode=LS6+2A&miles=5", status=400)
    assert texts(soup, "title")[0].startswith("Error:")
    message = (
        "'LS6 2A' is not a full postcode: the last part needs a digit and two letters, "
        "like the 2AB in LS6 2AB."
    )
    assert [(a.get_text(), a["href"]) for a in soup.select(".error-summary a")] == [
        (message, "#postcode")
    ]
    assert texts(soup, ".error-message") == [f"Error: {message}"]
    postcode = soup.select_one("input#postcode")
    assert (postcode["value"], postcode["aria-describedby"]) == (
        "LS6 2A",
        "postcode-hint postcode-error",
    )
    assert soup.select_one("option[selected]")["value"] == "5"


def test_an_unknown_postcode_is_explained_beside_the_form(client):
    soup = page(client, "/search?postcode=LS6+9XX", status=404)
    assert texts(soup, ".error-summary a") == [
        "We cannot find the postcode LS6 9XX. Check it is right, or search with just the first "
        "part (LS6)."
    ]


def test_nothing_within_the_distance_says_so_and_shows_the_nearest(client, leeds):
    soup = page(client, "/search?postcode=LS6+2AB&profession=osteopath&miles=1")
    soup_far = page(client, "/search?postcode=LS1+4DY&profession=osteopath&miles=1")
    assert texts(soup, ".results .practice-name") == ["Headingley Osteopaths"]  # 0.2 miles
    assert texts(soup_far, ".no-results-message") == [
        "No osteopaths within 1 mile of LS1 4DY. The nearest is 2.1 miles away."
    ]
    assert texts(soup_far, ".nearest .practice-name") == ["Headingley Osteopaths"]
    assert texts(soup_far, "#nearest-heading") == ["The nearest beyond 1 mile"]


def test_an_outward_code_search_says_distances_are_approximate(client, leeds):
    soup = page(client, "/search?postcode=ls6")
    assert texts(soup, ".notice")[-1] == (
        "LS6 is the first part of a postcode, so distances are from the middle of that area. "
        "Enter your full postcode for exact distances."
    )


def test_pages_of_results_link_to_each_other(client, data_dir):
    many = [
        (f"t:{i}", f"Practice {i:02d}", "LS6 3AA", 53.82 + i * 0.001, -1.577, [("gosc", "9123")])
        for i in range(1, 26)
    ]
    load(data_dir, many)
    first = page(client, "/search?postcode=LS6+2AB&miles=5")
    second = page(client, "/search?postcode=LS6+2AB&miles=5&page=2")
    assert len(first.select(".results > li")) == 20
    assert texts(second, ".results .practice-name") == [f"Practice {i}" for i in range(21, 26)]
    assert [(a.get_text(), a["href"]) for a in first.select(".pagination a")] == [
        ("Next page", "/search?postcode=LS6+2AB&miles=5&page=2")
    ]
    assert [(a.get_text(), a["href"]) for a in second.select(".pagination a")] == [
        ("Previous page", "/search?postcode=LS6+2AB&miles=5")
    ]
    assert texts(second, ".pagination .meta") == ["Page 2 of 2"]
    assert second.select_one(".results")["start"] == "21"


def test_the_practice_page_shows_contact_access_and_everyone_there(client, leeds):
    results = page(client, "/search?postcode=LS6+2AB&miles=5")
    link = results.select(".results .practice-name a")[1]["href"]
    soup = page(client, link)
    assert texts(soup, "h1") == ["Hyde Park Physiotherapy"]
    assert texts(soup, ".distance") == ["0.3 miles (0.5 km) from LS6 2AB"]
    assert texts(soup, "address") == ["1 Test Street Leeds LS6 1AA"]
    assert texts(soup, ".contact li") == ["Phone: 01632 960001"]
    assert texts(soup, ".features") == ["Home visits · Welsh spoken"]
    assert texts(soup, ".practitioners li") == [
        "Cara Example , physiotherapist: Not yet verified · HCPC PH900123",
        "Dev Example , chiropractor: Registered with conditions: “Conditions of practice” · "
        "GCC 04567 · checked 45 days ago (may be out of date)",
    ]
    assert [a["href"] for a in soup.select("a.back-link")] == ["/search?postcode=LS6+2AB&miles=5"]


def test_a_missing_practice_is_a_404_page(client):
    assert client.get("/practices/999").status_code == 404


def test_sample_data_is_labelled_on_every_page_and_every_sample_practice(client, data_dir):
    load(data_dir, source=directory.SAMPLE_SOURCE)
    for url in ("/", "/about", "/search?postcode=LS6+2AB"):
        assert texts(page(client, url), ".notice--sample") == [
            "Sample data: the practices and people shown here are fictional, made up for "
            "demonstration."
        ]
    soup = page(client, "/search?postcode=LS6+2AB")
    assert texts(soup, ".results .badge--unknown") == ["Sample data"] * 3


SAMPLE_NOTICE = ".notice--sample"


def test_pages_keep_one_connection_and_still_see_every_change(client, data_dir, monkeypatch):
    """Pages read through this thread's kept connection, not a new one a request (opening one
    costs about 2 ms), and what it reads is never stale: sample data loaded after the first
    page shows on the next."""
    assert page(client, "/").select(SAMPLE_NOTICE) == []  # opens this thread's connection
    opened = []
    real_connect = db.connect
    monkeypatch.setattr(db, "connect", lambda path: opened.append(path) or real_connect(path))
    load(data_dir, source=directory.SAMPLE_SOURCE)  # another connection, as `finder demo` is
    opened.clear()
    for url in ("/", "/about", "/search?postcode=LS6+2AB", "/practices/1"):
        assert len(page(client, url).select(SAMPLE_NOTICE)) == 1
    assert opened == []


def test_real_data_carries_no_sample_label(client, leeds):
    assert page(client, "/search?postcode=LS6+2AB").select(".notice--sample") == []


@pytest.mark.parametrize("miles", ["²", "abc", "7", "9" * 400])
def test_a_distance_that_is_not_a_choice_is_a_400_pointing_at_the_distance(client, leeds, miles):
    soup = page(client, f"/search?postcode=LS6+2AB&miles={miles}", status=400)
    message = "Choose a distance from the list: 1, 3, 5, 10, 25 or 50 miles."
    assert [(a.get_text(), a["href"]) for a in soup.select(".error-summary a")] == [
        (message, "#miles")
    ]
    select = soup.select_one("select#miles")
    assert (select["aria-invalid"], select["aria-describedby"]) == ("true", "miles-error")
    assert "aria-invalid" not in soup.select_one("input#postcode").attrs


@pytest.mark.parametrize("number", ["²", "x"])
def test_a_page_number_that_is_not_a_number_is_a_400_blaming_no_field(client, leeds, number):
    soup = page(client, f"/search?postcode=LS6+2AB&page={number}", status=400)
    assert texts(soup, ".error-summary li") == [
        "The page number must be a whole number, such as 2."
    ]
    assert soup.select(".error-summary a") == []  # there is no page field to go to
    assert soup.select("[aria-invalid]") == []


def test_a_profession_not_on_the_list_is_a_400_pointing_at_the_choices(client, leeds):
    soup = page(client, "/search?postcode=LS6+2AB&profession=dentist", status=400)
    message = "Choose who you want to see from the list."
    assert [(a.get_text(), a["href"]) for a in soup.select(".error-summary a")] == [
        (message, "#profession")
    ]
    assert soup.select_one("#profession")["value"] == ""  # the first choice, "Any of these"
    fieldset = soup.select_one("fieldset.form-group--error")
    assert fieldset["aria-describedby"] == "profession-error"
    assert texts(fieldset, "#profession-error") == [f"Error: {message}"]
    assert soup.select_one("input#postcode")["value"] == "LS6 2AB"


def test_every_link_keeps_one_mile_the_profession_and_the_page(client, data_dir):
    """Paging, a result's link and the practice page's way back all keep what was chosen,
    1 mile included, and come back to the page the result was on."""
    near = [
        (f"t:{i}", f"Practice {i:02d}", "LS6 3AA", 53.82 + i * 0.0003, -1.573, [("gosc", "9123")])
        for i in range(1, 26)
    ]
    load(data_dir, near)
    chosen = "postcode=LS6+2AB&profession=osteopath&miles=1"
    first = page(client, f"/search?{chosen}")
    assert [a["href"] for a in first.select(".pagination a")] == [f"/search?{chosen}&page=2"]
    second = page(client, f"/search?{chosen}&page=2")
    assert [a["href"] for a in second.select(".pagination a")] == [f"/search?{chosen}"]
    link = second.select(".results .practice-name a")[0]["href"]
    assert link.endswith(f"?{chosen}&page=2")
    back = page(client, link).select_one("a.back-link")["href"]
    assert back == f"/search?{chosen}&page=2"
    assert texts(page(client, back), ".results .practice-name") == texts(
        second, ".results .practice-name"
    )


def test_a_page_past_the_last_says_how_many_there_are(client, leeds):
    soup = page(client, "/search?postcode=LS6+2AB&page=99")
    assert texts(soup, ".results-summary + p") == [
        "There is only 1 page of results. Go to the first page ."
    ]
    assert [a["href"] for a in soup.select(".results-summary + p a")] == [
        "/search?postcode=LS6+2AB&miles=10"
    ]


def test_no_wider_distance_is_suggested_beyond_the_widest(client, leeds):
    widest = page(client, "/search?postcode=BT1+5GS&miles=50")
    narrower = page(client, "/search?postcode=BT1+5GS&miles=25")
    assert texts(widest, ".no-results p")[1] == "Change your search ."
    assert texts(narrower, ".no-results p")[1] == "Try a wider distance, or change your search ."


def test_a_practice_id_too_big_for_the_database_is_not_found(client, leeds):
    page(client, "/practices/99999999999999999999999", status=404)


@pytest.mark.parametrize(
    ("website", "href", "shown"),
    [
        ("https://osteo.example/", "https://osteo.example/", "osteo.example/"),
        ("HTTP://osteo.example", "HTTP://osteo.example", "HTTP://osteo.example"),
        ("javascript:alert(1)", None, "javascript:alert(1)"),
        ("data:text/html,<b>hi</b>", None, "data:text/html,<b>hi</b>"),
        ("//osteo.example", None, "//osteo.example"),
        ("http:osteo.example", None, "http:osteo.example"),
    ],
)
def test_a_practice_website_is_a_link_only_when_it_is_an_http_address(
    client, data_dir, website, href, shown
):
    load(data_dir)
    database = db.open_main(data_dir)
    database.execute("update practices set website = ? where key = 't:1'", (website,))
    database.conn.commit()
    practice_id = database.execute("select id from practices where key = 't:1'").fetchone()[0]
    database.close()

    soup = page(client, f"/practices/{practice_id}")  # results cards show no website
    item = next(li for li in soup.select(".contact li") if li.get_text().startswith("Web"))
    links = [a["href"] for a in item.select("a")]
    assert (links, item.get_text()) == ([href] if href else [], f"Website: {shown}")


def test_a_card_shows_a_new_check_at_once_though_cards_are_kept(client, data_dir):
    load(data_dir)
    before = texts(page(client, "/search?postcode=LS6+2AB&miles=5"), ".practitioners li")
    database = db.open_main(data_dir)
    with database.conn:
        database.execute(
            "update registrations set outcome = 'restricted', status_raw = 'Interim order', "
            "checked_at = ? where registration_number = '9123'",
            (stamp(0),),
        )
    database.close()
    after = texts(page(client, "/search?postcode=LS6+2AB&miles=5"), ".practitioners li")
    assert before[0] == "Ada Example , osteopath: Registered · GOsC 9123 · checked 3 days ago"
    assert after[0] == (
        "Ada Example , osteopath: Registered with conditions: “Interim order” · GOsC 9123 · "
        "checked today"
    )
    assert after[1:] == before[1:]


def test_the_map_is_hidden_data_for_a_script_the_list_stays_the_page(client, leeds):
    response = client.get("/search?postcode=LS6+2AB&miles=5")
    soup = BeautifulSoup(response.data, "html.parser")
    section = soup.select_one(".results-map")
    assert section.has_attr("hidden")  # without JavaScript nothing of the map shows
    assert (section["data-lat"], section["data-lon"], section["data-label"]) == (
        "53.82221",
        "-1.572257",
        "LS6 2AB",
    )
    assert section["data-tiles"] == "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    points = [(li["data-n"], li["data-lat"], li["data-lon"]) for li in soup.select(".results > li")]
    assert points == [
        ("1", "53.820277", "-1.577001"),
        ("2", "53.817859", "-1.574504"),
        ("3", "53.795134", "-1.546664"),
    ]
    assert [s["src"] for s in soup.select("script")] == [
        "/static/vendor/leaflet/leaflet.js",
        "/static/map.js",
    ]
    assert section.select_one("a.skip-map")["href"] == "#about-statuses"
    assert (
        "img-src 'self' data: https://tile.openstreetmap.org;"
        in (response.headers["Content-Security-Policy"])
    )


def test_with_no_tiles_set_there_is_no_map(data_dir):
    load(data_dir)
    app = create_app({"TESTING": True, "DATA_DIR": str(data_dir), "MAP_TILES": ""})
    response = app.test_client().get("/search?postcode=LS6+2AB&miles=5")
    soup = BeautifulSoup(response.data, "html.parser")
    assert soup.select(".results-map, script, link[href*=leaflet]") == []
    assert len(soup.select(".results > li")) == 3
    assert "img-src 'self' data:;" in response.headers["Content-Security-Policy"]


def test_the_vendored_map_library_is_the_version_package_json_asks_for():
    root = Path(__file__).resolve().parent.parent
    wanted = json.loads((root / "package.json").read_text())["dependencies"]["leaflet"]
    vendored = root / "static" / "vendor" / "leaflet"
    assert f"Leaflet {wanted}" in (vendored / "leaflet.js").read_text()[:200]
    assert (vendored / "LICENSE").read_text().startswith("BSD 2-Clause License")
    installed = root / "node_modules" / "leaflet" / "dist" / "leaflet.js"
    if installed.exists():  # after `make test` (npm ci): `make vendor` must have been run
        assert installed.read_bytes() == (vendored / "leaflet.js").read_bytes()


def test_a_status_we_could_not_read_is_shown_in_the_registers_words(client, data_dir):
    load(data_dir)
    database = db.open_main(data_dir)
    with database.conn:
        database.execute(
            "update registrations set outcome = 'unknown', status_raw = 'Under review' "
            "where registration_number = '9123'"
        )
    database.close()
    soup = page(client, "/search?postcode=LS6+2AB&miles=5")
    assert texts(soup, ".results .practitioners li")[0] == (
        "Ada Example , osteopath: Status unclear: “Under review” · GOsC 9123 · checked 3 days ago"
    )
    assert soup.select(".results a.registration")[0]["class"] == [
        "registration",
        "registration--unknown",
    ]


def test_markup_in_what_the_registers_and_imports_gave_is_shown_as_text(client, data_dir):
    # Cards are made as strings (finder.web.cards), not by Jinja: every value must be escaped.
    load(data_dir)
    database = db.open_main(data_dir)
    with database.conn:
        database.execute(
            "update practices set name = ?, phone = ? where name = 'Hyde Park Physiotherapy'",
            ('<b>Park</b> & "Sons"', "0163<i>2</i>"),
        )
        database.execute(
            "update practitioners set name = ? where registration_number = '04567'",
            ("<script>x</script>",),
        )
        database.execute(
            "update registrations set status_raw = ?, source_url = ? "
            "where registration_number = '04567'",
            ("<em>Conditions</em>", 'https://register.example/04567?a=1&b="2"'),
        )
    database.close()
    soup = page(client, "/search?postcode=LS6+2AB&miles=5&profession=chiropractor")
    card = soup.select_one(".results > li")
    assert texts(card, ".practice-name") == ['<b>Park</b> & "Sons"']
    assert texts(card, ".phone a") == ["0163<i>2</i>"]
    assert not card.select("b, i, em, script")
    for lines in (card, page(client, card.select_one(".practice-name a")["href"])):
        line = lines.select_one(".practitioners li")
        assert line.get_text(" ", strip=True).startswith(
            "<script>x</script> , chiropractor: Registered with conditions: “<em>Conditions</em>”"
        )
        assert line.select_one("a")["href"] == 'https://register.example/04567?a=1&b="2"'
