"""The directory tables: idempotent upserts, stable ids, the spatial index kept in step."""

from __future__ import annotations

import pytest

from finder import directory, search
from finder.directory import listings, practices
from finder.errors import InvalidInput

OSTEO = {
    "register": "gosc",
    "registration_number": "9123",
    "name": "Ada Example",
    "profession": "osteopath",
    "source": "test",
}
CHIRO = {
    "register": "gcc",
    "registration_number": "04567",
    "name": "Ben Example",
    "profession": "chiropractor",
    "source": "test",
}
PRACTICE = {
    "key": "test:1",
    "name": "Headingley Clinic",
    "address": ["1 Test Street", "Leeds"],
    "postcode": "LS6 2AB",
    "latitude": 53.8199,
    "longitude": -1.5721,
    "phone": "01632 960001",
    "email": "hello@clinic.example",
    "website": "https://clinic.example",
    "features": {"home_visits": True, "wheelchair_access": False, "languages": []},
    "source": "test",
}
PEOPLE = [("gosc", "9123"), ("gcc", "04567")]


def snapshot(db) -> dict:
    tables = [
        "practitioners",
        "practices",
        "practice_practitioners",
        "practice_points",
        "practice_listings",
    ]
    return {
        **{name: db.execute(f"select * from {name} order by 1, 2").fetchall() for name in tables},
        # An upsert that changes nothing keeps the searches' in-memory copy of the points.
        "token": directory.change_token(db),
    }


def ids_near(db, professions=None):
    return [hit.practice.id for hit in search.search_near(db, 53.82, -1.57, 5, professions).hits]


def test_upserting_the_same_rows_twice_changes_nothing(main_db):
    directory.upsert_practitioners(main_db, [OSTEO, CHIRO])
    first = directory.upsert_practice(main_db, PRACTICE, PEOPLE)
    before = snapshot(main_db)
    directory.upsert_practitioners(main_db, [OSTEO, CHIRO])
    again = directory.upsert_practice(main_db, PRACTICE, PEOPLE)
    assert (again, snapshot(main_db)) == (first, before)


def test_new_contact_details_leave_the_searches_copy_of_the_points_alone(main_db):
    """Only a move, a retirement or a change of professions makes every search process read
    all the points again; a new name, phone number or address does not."""
    directory.upsert_practitioners(main_db, [OSTEO])
    directory.upsert_practice(main_db, PRACTICE, [("gosc", "9123")])
    token = directory.change_token(main_db)
    renamed = {**PRACTICE, "name": "Headingley Osteopathy", "phone": "01632 960002"}
    directory.upsert_practice(main_db, renamed, [("gosc", "9123")])
    assert directory.change_token(main_db) == token
    directory.upsert_practice(main_db, {**renamed, "latitude": 53.83}, [("gosc", "9123")])
    assert directory.change_token(main_db) != token
    assert ids_near(main_db) == [1]


def test_registration_numbers_keep_their_leading_zeros(main_db):
    directory.upsert_practitioners(main_db, [CHIRO])
    assert main_db.execute("select registration_number from practitioners").fetchall() == [
        ("04567",)
    ]


def test_an_upsert_updates_a_practice_in_place_and_moves_it_in_the_index(main_db):
    directory.upsert_practitioners(main_db, [OSTEO])
    practice_id = directory.upsert_practice(main_db, PRACTICE, [("gosc", "9123")])
    moved = {
        **PRACTICE,
        "name": "Headingley Osteopaths",
        "latitude": 55.95,
        "longitude": -3.19,
    }  # to Edinburgh
    assert directory.upsert_practice(main_db, moved) == practice_id
    assert ids_near(main_db) == []
    found = search.search_near(main_db, 55.95, -3.19, 1).hits
    assert [(h.practice.id, h.practice.name) for h in found] == [
        (practice_id, "Headingley Osteopaths")
    ]
    # Leaving `practitioners` out keeps who works there.
    assert [p.name for p in found[0].practitioners] == ["Ada Example"]


def test_replacing_who_works_at_a_practice_updates_the_profession_filter(main_db):
    directory.upsert_practitioners(main_db, [OSTEO, CHIRO])
    practice_id = directory.upsert_practice(main_db, PRACTICE, [("gosc", "9123")])
    assert (ids_near(main_db, ["osteopath"]), ids_near(main_db, ["chiropractor"])) == (
        [practice_id],
        [],
    )
    directory.upsert_practice(main_db, PRACTICE, [("gcc", "04567")])
    assert (ids_near(main_db, ["osteopath"]), ids_near(main_db, ["chiropractor"])) == (
        [],
        [practice_id],
    )


def test_retired_practices_and_practitioners_drop_out_of_search(main_db):
    directory.upsert_practitioners(main_db, [OSTEO, CHIRO])
    practice_id = directory.upsert_practice(main_db, PRACTICE, PEOPLE)
    directory.retire_practitioners(main_db, [("gcc", "04567")])
    assert (ids_near(main_db, ["chiropractor"]), ids_near(main_db, ["osteopath"])) == (
        [],
        [practice_id],
    )
    assert [p.name for p in listings.get_practice(main_db, practice_id).practitioners] == [
        "Ada Example"
    ]
    directory.retire_practices(main_db, ["test:1"])
    assert (ids_near(main_db), listings.get_practice(main_db, practice_id)) == ([], None)
    # Upserting it again (a refresh found it again) brings it back, with the same id.
    assert directory.upsert_practice(main_db, PRACTICE) == practice_id
    assert ids_near(main_db, ["osteopath"]) == [practice_id]


def test_a_practice_without_a_location_is_kept_but_never_found(main_db):
    directory.upsert_practitioners(main_db, [OSTEO])
    unlocated = {**PRACTICE, "latitude": None, "longitude": None}
    practice_id = directory.upsert_practice(main_db, unlocated, [("gosc", "9123")])
    assert listings.get_practice(main_db, practice_id).practice.name == "Headingley Clinic"
    assert main_db.execute("select count(*) from practice_points").fetchone() == (0,)


def test_registration_state_comes_from_the_registrations_table(main_db):
    directory.upsert_practitioners(main_db, [OSTEO, CHIRO])
    practice_id = directory.upsert_practice(main_db, PRACTICE, PEOPLE)
    main_db["registrations"].insert(
        {
            "register": "gosc",
            "registration_number": "9123",
            "outcome": "registered",
            "status_raw": "Registered",
            "checked_at": "2026-11-20T10:00:00Z",
            "source_url": "https://register.example/9123",
        }
    )
    people = listings.get_practice(main_db, practice_id).to_dict()["practitioners"]
    assert people == [
        {
            "name": "Ada Example",
            "profession": "osteopath",
            "register": "gosc",
            "registration_number": "9123",
            "registration": {
                "outcome": "registered",
                "status_raw": "Registered",
                "checked_at": "2026-11-20T10:00:00Z",
                "source_url": "https://register.example/9123",
                "reason": None,
            },
            "register_url": "https://register.example/9123",
        },
        {
            "name": "Ben Example",
            "profession": "chiropractor",
            "register": "gcc",
            "registration_number": "04567",
            "registration": {
                "outcome": None,
                "status_raw": None,
                "checked_at": None,
                "source_url": None,
                "reason": None,
            },
            "register_url": "https://www.gcc-uk.org/search/chiro_results"
            "?chiro_registration_number=04567",
        },
    ]


@pytest.mark.parametrize(
    "row, message",
    [
        ({**OSTEO, "register": "hcpc"}, "Osteopaths are on the GOsC register, not 'hcpc'."),
        (
            {**OSTEO, "profession": "dentist"},
            "Unknown profession 'dentist': expected one of physiotherapist, osteopath, "
            "chiropractor.",
        ),
        ({**OSTEO, "registration_number": " "}, "A practitioner needs a registration number."),
    ],
)
def test_practitioners_that_make_no_sense_are_refused(main_db, row, message):
    with pytest.raises(InvalidInput) as caught:
        directory.upsert_practitioners(main_db, [row])
    assert caught.value.message == message


def test_a_practice_in_an_impossible_place_is_refused(main_db):
    with pytest.raises(InvalidInput) as caught:
        directory.upsert_practice(main_db, {**PRACTICE, "latitude": 95.0})
    assert caught.value.message == "Practice test:1 has an impossible location."


def test_a_practice_key_ignores_case_and_spacing_and_keeps_the_keys_already_stored():
    # Imports and GCC listings stored keys made this way: a new key would re-key every row.
    key = "import:1f390339df5594d5"
    assert practices.practice_key("import", "Roundhay Physio", "LS6 2AB") == key
    assert practices.practice_key("import", "  ROUNDHAY \u00a0 physio", "LS6 2AB") == key
    assert practices.practice_key("gcc", "Chiro Rooms 000", None) == "gcc:533888b1c7ec59de"


def test_add_or_update_says_what_it_did_and_links_retire_and_revive_with_reasons(main_db):
    assert practices.add_or_update_practitioner(main_db, OSTEO) == "added"
    assert practices.add_or_update_practitioner(main_db, OSTEO) == "unchanged"
    assert practices.add_or_update_practitioner(main_db, {**OSTEO, "name": "Ada B"}) == "updated"
    assert practices.add_or_update_practice(main_db, PRACTICE) == "added"
    practices.link_practitioner(main_db, "test:1", "gosc", "9123")
    practices.link_practitioner(main_db, "test:1", "gosc", "9123")  # known already
    practice_id = ids_near(main_db, ["osteopath"])
    assert len(practice_id) == 1

    practices.retire_practitioners(main_db, [("gosc", "9123")], "GOSC: not practising")
    practices.retire_practices(main_db, ["test:1"], "no longer listed")
    assert main_db.execute(
        "select retired_at is not null, retired_reason from practitioners"
    ).fetchall() == [(1, "GOSC: not practising")]
    assert practices.revive_practitioners(main_db, [("gosc", "9123")]) == 1
    # A practice found again is no longer retired, nor for the reason it was.
    assert practices.add_or_update_practice(main_db, PRACTICE) == "updated"
    assert main_db.execute(
        "select retired_at, retired_reason from practices union all "
        "select retired_at, retired_reason from practitioners"
    ).fetchall() == [(None, None), (None, None)]
    assert ids_near(main_db, ["osteopath"]) == practice_id

    practices.unlink_practitioners(main_db, [("test:1", "gosc", "9123")])
    assert ids_near(main_db, ["osteopath"]) == []


def sample_of(row: dict) -> dict:
    return {**row, "source": directory.SAMPLE_SOURCE}


def test_the_sample_banner_shows_only_while_the_sample_is_what_is_listed(main_db):
    assert directory.has_sample_data(main_db) is False  # empty
    directory.upsert_practitioners(main_db, [sample_of(OSTEO), CHIRO])
    directory.upsert_practice(main_db, sample_of(PRACTICE), [("gosc", "9123")])
    assert directory.has_sample_data(main_db) is True  # the sample alone

    real = {**PRACTICE, "key": "test:2", "name": "Real Chiropractic"}
    directory.upsert_practice(main_db, real, [("gcc", "04567")])
    assert directory.has_sample_data(main_db) is False  # real practices listed too

    directory.retire_practices(main_db, ["test:2"])
    assert directory.has_sample_data(main_db) is True
    directory.retire_practices(main_db, [PRACTICE["key"]])
    assert directory.has_sample_data(main_db) is False  # nothing listed


def test_a_listing_carries_its_own_sample_flag(main_db):
    directory.upsert_practitioners(main_db, [sample_of(OSTEO), CHIRO])
    sample_id = directory.upsert_practice(main_db, sample_of(PRACTICE), [("gosc", "9123")])
    real = {**PRACTICE, "key": "test:2", "name": "Real Chiropractic"}
    real_id = directory.upsert_practice(main_db, real, [("gcc", "04567")])
    hits = listings.load_hits(main_db, [(sample_id, 0.0), (real_id, 0.0)])
    assert [
        (h.to_dict()["practice"]["name"], h.to_dict()["practice"]["sample_data"]) for h in hits
    ] == [
        ("Headingley Clinic", True),
        ("Real Chiropractic", False),
    ]


def test_sample_present_counts_retired_sample_rows_too(main_db):
    assert directory.sample_present(main_db) is False
    directory.upsert_practitioners(main_db, [sample_of(OSTEO)])
    assert directory.sample_present(main_db) is True  # a sample practitioner alone
    directory.retire_practitioners(main_db, [("gosc", "9123")])
    assert directory.sample_present(main_db) is True
    directory.upsert_practitioners(main_db, [OSTEO])  # the number now real
    assert directory.sample_present(main_db) is False
