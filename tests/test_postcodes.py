import pytest
from geopy.distance import great_circle

from finder.errors import InvalidInput, NotCovered, NotFound
from finder.places import postcodes


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("LS6 2AB", "LS6 2AB"),
        ("ls62ab", "LS6 2AB"),
        ("  Ls6   2aB ", "LS6 2AB"),
        ("SW1A1AA", "SW1A 1AA"),
        ("sw1a 1aa", "SW1A 1AA"),
        ("M1 1AD", "M1 1AD"),
        ("m11ad", "M1 1AD"),
        ("CF24 3AA", "CF24 3AA"),
        ("W1A 0AX", "W1A 0AX"),
        ("BT53\t7HX", "BT53 7HX"),
        ("LS6", "LS6"),
        ("sw1a", "SW1A"),
        (" m1 ", "M1"),
    ],
)
def test_parse_normalises_case_and_spacing(typed, expected):
    assert postcodes.parse(typed).text == expected


def test_parse_tells_full_postcodes_from_outward_codes():
    assert postcodes.parse("LS6 2AB") == postcodes.Postcode("LS6", "2AB")
    assert postcodes.parse("LS6") == postcodes.Postcode("LS6")
    assert not postcodes.parse("LS6").is_full


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Enter a postcode, for example LS6 2AB."),
        ("   ", "Enter a postcode, for example LS6 2AB."),
        (
            "LS6 2A",
            "'LS6 2A' is not a full postcode: the last part needs a digit and two letters, "
            "like the 2AB in LS6 2AB.",
        ),
        (
            "LS62A",
            "'LS62A' is not a full postcode: the last part needs a digit and two letters, "
            "like the 2AB in LS6 2AB.",
        ),
        (
            "LS6 ABC",
            "'LS6 ABC' is not a full postcode: the last part needs a digit and two letters, "
            "like the 2AB in LS6 2AB.",
        ),
        (
            "12345",
            "'12345' is not a UK postcode: it should look like LS6 2AB, or just the "
            "first part, LS6.",
        ),
        (
            "LEEDS",
            "'LEEDS' is not a UK postcode: it should look like LS6 2AB, or just the "
            "first part, LS6.",
        ),
        (
            "LS6-2AB",
            "'LS6-2AB' is not a postcode: a postcode has only letters, numbers and spaces.",
        ),
        (
            "x" * 1000,
            "That is too long to be a postcode: it should look like LS6 2AB, or just "
            "the first part, LS6.",
        ),
    ],
)
def test_parse_explains_what_is_wrong(typed, message):
    with pytest.raises(InvalidInput) as caught:
        postcodes.parse(typed)
    assert caught.value.message == message
    assert caught.value.code == "invalid_postcode"


@pytest.mark.parametrize(
    "typed",
    [
        "LS6 2AB'; drop table postcodes;--",
        "../../etc/passwd",
        "ＬＳ６ ２ＡＢ",
        "LS6 2ÄB",
        "LS6\x002AB",
        "🙂",
    ],
)
def test_parse_rejects_hostile_input(typed):
    with pytest.raises(InvalidInput):
        postcodes.parse(typed)


# Published coordinates of real postcodes, from postcodes.io responses and its ONSPD test seed
# (see docs/postcode-sources.md): our table must agree within 50 m.
PUBLISHED = [
    ("M1 1AD", 53.483784, -2.244866, "E08000003", "england"),
    ("NE32 5YQ", 54.961017, -1.492787, "E08000023", "england"),
    ("BD6 3PS", 53.765008, -1.788133, "E08000032", "england"),
    ("KT3 3AA", 51.402843, -0.259097, "E09000021", "england"),
    ("AB15 6DH", 57.1446, -2.148567, "S12000033", "scotland"),
    ("AB16 9WJ", 57.153446, -2.147753, "S12000033", "scotland"),
    ("EH1 1AA", 55.95365, -3.188106, "S12000036", "scotland"),
    ("SA19 7BR", 51.923369, -3.924229, "W06000010", "wales"),
    ("CF24 3AA", 51.484591, -3.169657, "W06000015", "wales"),
    ("BT53 7HX", 55.060991, -6.516078, "N09000004", "northern_ireland"),
    ("BT1 1AA", 54.602444, -5.922291, "N09000003", "northern_ireland"),
]


@pytest.mark.parametrize(("postcode", "lat", "lon", "lad", "nation"), PUBLISHED)
def test_lookup_agrees_with_published_coordinates(postcode_table, postcode, lat, lon, lad, nation):
    location = postcode_table.lookup(postcode)
    assert great_circle((location.latitude, location.longitude), (lat, lon)).meters < 50
    assert (location.postcode, location.precision, location.lad_code, location.nation) == (
        postcode,
        "postcode",
        lad,
        nation,
    )


def test_northern_ireland_postcodes_use_the_irish_grid(postcode_table):
    belfast = postcode_table.lookup("BT1 1AA")
    # Read as British National Grid, BT1 1AA would land near Chester (53.2, -2.9).
    assert 54.0 < belfast.latitude < 55.5 and -8.3 < belfast.longitude < -5.3
    assert belfast.lad_name == "Belfast"


def test_lookup_answers_the_full_contract(postcode_table):
    assert postcode_table.lookup("cf243aa").to_dict() == {
        "postcode": "CF24 3AA",
        "precision": "postcode",
        "latitude": pytest.approx(51.484591, abs=0.0005),
        "longitude": pytest.approx(-3.169657, abs=0.0005),
        "lad": {"code": "W06000015", "name": "Cardiff"},
        "nation": "wales",
    }


def test_outward_code_answers_the_centre_of_its_postcodes(postcode_table):
    centre = postcode_table.lookup("M1")
    assert centre.precision == "outcode"
    assert centre.postcode == "M1"
    assert (centre.lad_code, centre.nation) == ("E08000003", "england")
    assert great_circle((centre.latitude, centre.longitude), (53.4794, -2.2391)).km < 2


def test_unknown_postcode_is_not_found_with_advice(postcode_table):
    with pytest.raises(NotFound) as caught:
        postcode_table.lookup("LS6 9XX")
    assert caught.value.message == (
        "We cannot find the postcode LS6 9XX. Check it is right, or search with just the "
        "first part (LS6)."
    )


def test_unknown_postcode_in_an_unknown_district_suggests_no_first_part(postcode_table):
    with pytest.raises(NotFound) as caught:
        postcode_table.lookup("ZZ9 9ZZ")
    assert caught.value.message == (
        "We cannot find the postcode ZZ9 9ZZ. Check it is right: no postcodes start ZZ9 either."
    )


def test_unknown_outward_code_is_not_found(postcode_table):
    with pytest.raises(NotFound):
        postcode_table.lookup("LS50")


@pytest.mark.parametrize(
    ("postcode", "place"),
    [
        ("JE2 3AB", "Jersey"),
        ("GY1 1AA", "Guernsey"),
        ("IM1 1AA", "the Isle of Man"),
        ("JE2", "Jersey"),
    ],
)
def test_channel_islands_and_isle_of_man_are_not_covered(postcode_table, postcode, place):
    with pytest.raises(NotCovered) as caught:
        postcode_table.lookup(postcode)
    assert caught.value.message == (
        f"{postcode} is in {place}, which this service does not cover: it covers England, "
        "Scotland, Wales and Northern Ireland."
    )


def test_every_local_authority_in_the_data_has_a_name_and_nation(postcode_table):
    lads = postcode_table.db.execute("select code, name, nation from lads").fetchall()
    assert len(lads) == 363  # 361 UK districts + the Channel Islands + the Isle of Man
    nations = {}
    for code, name, nation in lads:
        assert name and name != code
        nations[nation] = nations.get(nation, 0) + 1
    assert nations == {
        "england": 296,
        "scotland": 32,
        "wales": 22,
        "northern_ireland": 11,
        "outside": 2,
    }


def test_interrupted_build_leaves_the_old_table_in_use(tmp_path, postcode_db_path, monkeypatch):
    dest = tmp_path / "postcodes.db"
    postcodes.build(dest, areas_only={"ZE"})
    before = dest.read_bytes()

    def crash(_path):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        postcodes.build(dest, areas_only={"ZE", "KW"}, progress=crash)
    assert dest.read_bytes() == before
    table = postcodes.PostcodeTable(dest)
    assert table.lookup("ZE1").nation == "scotland"
    table.close()


def test_missing_table_says_how_to_build_it(tmp_path):
    with pytest.raises(Exception) as caught:
        postcodes.PostcodeTable(tmp_path / "postcodes.db")
    assert "finder postcodes build" in caught.value.message
