"""Search filters (home visits, wheelchair access, language, confirmed only) give the same
practices as filtering the unfiltered results by hand, in the library, the API and the CLI;
and who is shown follows the one visibility rule, checked against the raw data."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta

import pytest
from geopy.distance import great_circle

from finder import db, directory, search, times, vocabulary
from finder.cli import cli
from finder.directory import listings

# Centres the test postcode table covers: Leeds, and Cardiff (Welsh is spoken more there).
CENTRES = {"LS6 2AB": (53.8199, -1.5721), "CF10 1EP": (51.4781, -3.1777)}
LANGUAGE_NAMES = ["Welsh", "Cymraeg", "Polish", "Urdu", "Klingon"]  # Klingon: not in the table
# Registration states: (outcome, days since the check, doubt). None: never checked.
STATES = [
    None,
    ("registered", 2, None),
    ("registered", 2, None),
    ("registered", 45, None),  # stale: not confirmed
    ("registered", 3, "register page changed"),  # doubted: not confirmed
    ("restricted", 5, None),
    ("inactive", 4, None),  # hidden from patients
    ("not_found", 4, None),  # hidden
    ("unknown", 1, None),
]
FLAG_CHOICES = [
    {},
    {"home_visits": "1"},
    {"wheelchair_access": "1"},
    {"language": "cy"},
    {"language": "pl"},
    {"registered_only": "1"},
    {"home_visits": "1", "registered_only": "1"},
    {"wheelchair_access": "true", "language": "cy", "registered_only": "1"},
]


def stamp(days_ago: float) -> str:
    return times.iso(datetime.now(UTC) - timedelta(days=days_ago))


def build_directory(database, rng: random.Random, count: int = 120) -> dict:
    """Practices around both centres with random features, people and registration states.
    Returns {practice id: (lat, lon, features, [(profession, state, retired), ...])}."""
    made, serial = {}, 0
    for key in range(1, count + 1):
        centre = rng.choice(list(CENTRES.values()))
        point = great_circle(kilometers=rng.uniform(0, 30)).destination(centre, rng.uniform(0, 360))
        features = {
            "home_visits": rng.random() < 0.4,
            "wheelchair_access": rng.random() < 0.6,
            "languages": rng.sample(LANGUAGE_NAMES, rng.choice((0, 0, 1, 2))),
        }
        people = []
        for profession in rng.sample(vocabulary.PROFESSIONS, rng.choice((1, 1, 2, 3))):
            serial += 1
            register = vocabulary.REGISTER_OF_PROFESSION[profession]
            number = {"hcpc": f"PH9{serial:05d}", "gosc": f"9{serial:04d}", "gcc": f"0{serial:04d}"}
            person = (register, number[register])
            directory.upsert_practitioners(
                database,
                [
                    {
                        "register": register,
                        "registration_number": person[1],
                        "name": f"Person {serial}",
                        "profession": profession,
                        "source": "test",
                    }
                ],
            )
            state = rng.choice(STATES)
            if state:
                outcome, days, reason = state
                database["registrations"].insert(
                    {
                        "register": register,
                        "registration_number": person[1],
                        "outcome": outcome,
                        "status_raw": outcome,
                        "checked_at": stamp(days),
                        "reason": reason,
                    }
                )
            retired = rng.random() < 0.05
            if retired:
                directory.retire_practitioners(database, [person])
            people.append((person, profession, state, retired))
        practice_id = directory.upsert_practice(
            database,
            {
                "key": f"test:{key}",
                "name": f"Practice {key}",
                "address": [f"{key} Test Street"],
                "postcode": "LS6 2AB",
                "latitude": round(point.latitude, 6),
                "longitude": round(point.longitude, 6),
                "features": features,
                "source": "test",
            },
            [person for person, *_ in people],
        )
        made[practice_id] = (point.latitude, point.longitude, features, people)
    return made


def shown(state, retired: bool) -> bool:
    """The visibility rule, from the raw data: not retired, and the register has not said
    the person may not practise."""
    return not retired and (state is None or state[0] not in ("inactive", "not_found"))


def confirmed(state) -> bool:
    return (
        bool(state) and state[0] in ("registered", "restricted") and state[1] <= 30 and not state[2]
    )


def by_hand(made, filters: dict, professions) -> set[int]:
    """The practices the filters leave, from the raw data."""
    chosen = set(professions or vocabulary.PROFESSIONS)
    kept = set()
    for pid, (_, _, features, people) in made.items():
        who = [p for p in people if p[1] in chosen and shown(p[2], p[3])]
        if filters.get("registered_only"):
            who = [p for p in who if confirmed(p[2])]
        codes = {vocabulary.language_code(name) for name in features["languages"]}
        if (
            who
            and (features["home_visits"] or not filters.get("home_visits"))
            and (features["wheelchair_access"] or not filters.get("wheelchair_access"))
            and (filters.get("language") in codes or not filters.get("language"))
        ):
            kept.add(pid)
    return kept


def every_hit(database, lat, lon, radius, professions, filters=None, per_page=9):
    hits, page = [], 1
    while True:
        found = search.search_near(database, lat, lon, radius, professions, page, per_page, filters)
        hits += found.hits
        if page >= found.pages:
            return hits, found.total
        page += 1


def filter_by_hand(hits, filters: search.SearchFilters, now) -> list[tuple[int, list]]:
    """The unfiltered hits a person would keep, reading each card: (id, people shown)."""
    kept = []
    for hit in hits:
        features = hit.practice.features
        people = list(hit.practitioners)
        if filters.registered_only:
            people = [p for p in people if search.is_confirmed(p.registration, now)]
        codes = {vocabulary.language_code(name) for name in features.get("languages", [])}
        if (
            people
            and (features.get("home_visits") or not filters.home_visits)
            and (features.get("wheelchair_access") or not filters.wheelchair_access)
            and (filters.language in codes or not filters.language)
        ):
            kept.append((hit.practice.id, [p.registration_number for p in people]))
    return kept


@pytest.fixture
def made(data_dir):
    database = db.open_main(data_dir)
    built = build_directory(database, random.Random(17))
    database.close()
    return built


def random_queries(seed: int, count: int):
    rng = random.Random(seed)
    for _ in range(count):
        postcode = rng.choice(list(CENTRES))
        professions = rng.choice([(), ("physiotherapist",), ("chiropractor",), ("osteopath",),
                                  ("osteopath", "chiropractor")])  # fmt: skip
        yield postcode, rng.choice((3, 10, 25, 60)), professions, rng.choice(FLAG_CHOICES)


def test_filters_in_the_library_match_filtering_the_results_by_hand(data_dir, made):
    database = db.open_main(data_dir)
    now = datetime.now(UTC)
    filtered_any = 0
    for postcode, radius, professions, params in random_queries(1, 40):
        lat, lon = CENTRES[postcode]
        filters = search.SearchFilters.from_params(params)
        unfiltered, _ = every_hit(database, lat, lon, radius, professions)
        hits, total = every_hit(database, lat, lon, radius, professions, filters)
        expected = filter_by_hand(unfiltered, filters, now)
        got = [
            (hit.practice.id, [p.registration_number for p in hit.practitioners]) for hit in hits
        ]
        assert got == expected, (postcode, radius, professions, params)
        assert total == len(expected)
        # And against the raw data: the visibility rule and the filters, in Python.
        inside = {
            pid for pid, (plat, plon, *_) in made.items()
            if great_circle((lat, lon), (plat, plon)).km <= radius
        }  # fmt: skip
        assert {pid for pid, _ in got} == by_hand(made, params, professions) & inside
        filtered_any += len(unfiltered) > len(got)
    assert filtered_any > 10  # the filters did leave practices out, often
    database.close()


def test_nothing_within_the_distance_honours_the_filters(data_dir, made):
    database = db.open_main(data_dir)
    lat, lon = CENTRES["LS6 2AB"]
    for params in FLAG_CHOICES[1:]:
        filters = search.SearchFilters.from_params(params)
        nearest = search.nearest_beyond(database, lat, lon, 0.01, None, 5, filters)
        everything, _ = every_hit(database, lat, lon, 1500, None, filters, per_page=100)
        assert nearest, params
        assert [h.practice.id for h in nearest] == [h.practice.id for h in everything][
            : len(nearest)
        ]
    database.close()


def api_names(client, postcode, radius, professions, params) -> tuple[list, int, dict]:
    names, page = [], 1
    while True:
        query = {"postcode": postcode, "radius_km": radius, "profession": list(professions),
                 "per_page": 7, "page": page, **params}  # fmt: skip
        body = client.get("/api/v1/search", query_string=query).get_json()
        names += [
            (r["practice"]["name"], [p["registration_number"] for p in r["practitioners"]])
            for r in body["results"]
        ]
        if page >= body["pages"]:
            return names, body["total"], body
        page += 1


def answer_filtered_by_hand(made, answer: list, filters: search.SearchFilters) -> list:
    """An unfiltered answer's (practice name, [registration numbers]) a person would keep,
    reading each practice's features and each practitioner's state."""
    features = {f"Practice {key}": entry[2] for key, entry in _by_key(made).items()}
    kept = []
    for name, numbers in answer:
        if filters.registered_only:
            states = _states(made, name)
            numbers = [n for n in numbers if confirmed(states[n])]
        codes = {vocabulary.language_code(x) for x in features[name]["languages"]}
        if (
            numbers
            and (features[name]["home_visits"] or not filters.home_visits)
            and (features[name]["wheelchair_access"] or not filters.wheelchair_access)
            and (filters.language in codes or not filters.language)
        ):
            kept.append((name, numbers))
    return kept


def test_filters_in_the_api_match_filtering_the_results_by_hand(client, made):
    for postcode, radius, professions, params in random_queries(2, 25):
        filters = search.SearchFilters.from_params(params)
        unfiltered, _, _ = api_names(client, postcode, radius, professions, {})
        got, total, body = api_names(client, postcode, radius, professions, params)
        expected = answer_filtered_by_hand(made, unfiltered, filters)
        assert got == expected, (postcode, radius, professions, params)
        assert total == len(expected)
        assert body["query"]["filters"] == filters.to_dict()


def _by_key(made) -> dict:
    """{key number: entry}: practice n is "Practice n" (ids follow keys in this build)."""
    return {n: entry for n, entry in enumerate(made.values(), start=1)}


def _states(made, name: str) -> dict:
    key = int(name.split()[-1])
    return {person[1]: state for person, _, state, _ in _by_key(made)[key][3]}


def cli_names(runner, postcode, radius, professions, params) -> tuple[list, int]:
    words = ["search", "--postcode", postcode, "--radius-km", str(radius), "--json",
             "--per-page", "100"]  # fmt: skip
    for profession in professions:
        words += ["--profession", profession]
    for name, value in params.items():
        option = f"--{name.replace('_', '-')}"
        words += [option, value] if name == "language" else [option]
    result = runner.invoke(cli, words)
    assert result.exit_code == 0, result.output
    answer = json.loads(result.output)
    names = [
        (r["practice"]["name"], [p["registration_number"] for p in r["practitioners"]])
        for r in answer["results"]
    ]
    assert answer["total"] == len(names)  # one page holds them all
    return names, answer["total"]


def test_filters_on_the_command_line_match_filtering_the_results_by_hand(runner, made):
    for postcode, radius, professions, params in random_queries(3, 8):
        filters = search.SearchFilters.from_params(params)
        unfiltered, _ = cli_names(runner, postcode, radius, professions, {})
        names, _ = cli_names(runner, postcode, radius, professions, params)
        assert names == answer_filtered_by_hand(made, unfiltered, filters), params


def test_the_command_line_counts_results_with_their_filters_in_words(runner, made):
    result = runner.invoke(
        cli, ["search", "--postcode", "CF10 1EP", "--radius-km", "60", "--language", "cy"]
    )
    assert result.exit_code == 0, result.output
    first = result.output.splitlines()[0]
    assert " practices with Welsh spoken within 60 km of CF10 1EP, nearest first" in first


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("home_visits=maybe", "home_visits must be 1 or 0 (or true or false); 'maybe' is not."),
        ("wheelchair_access=2", "wheelchair_access must be 1 or 0 (or true or false); '2' is not."),
        ("registered_only=yesplease", "registered_only must be 1 or 0"),
        ("language=xx", "language must be a language code such as cy (Welsh); 'xx' is not"),
        ("language=Welsh", "'Welsh' is not one we know (for Welsh, send cy)."),
        ("language=en", "language must not be English: every practice in the directory works"),
    ],
)
def test_bad_filter_values_are_a_400_naming_the_parameter(client, query, message):
    response = client.get(f"/api/v1/search?postcode=LS6+2AB&{query}")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_parameter"
    assert message in response.get_json()["error"]["message"]


@pytest.mark.parametrize(
    ("words", "error"),
    [
        (["--language", "xx"], "--language must be a language code such as cy (Welsh); 'xx' is"),
        (["--language", "Polish"], "--language must be a language code such as cy (Welsh)"),
        (["--language", "EN"], "--language must not be English: every practice in the directory"),
    ],
)
def test_bad_filter_values_on_the_command_line_are_one_line(runner, words, error):
    result = runner.invoke(cli, ["search", "--postcode", "LS6 2AB", *words])
    assert result.exit_code == 2
    assert len(result.output.splitlines()) == 1
    assert result.output.startswith(f"Error: {error}")


def test_filters_go_back_into_links_and_read_back_the_same():
    filters = search.SearchFilters.from_params(
        {"language": " CY ", "registered_only": "true", "home_visits": "0", "other": "x"}
    )
    assert filters.to_params() == {"language": "cy", "registered_only": "1"}
    assert search.SearchFilters.from_params(filters.to_params()) == filters
    assert search.SearchFilters.from_params({}) == search.SearchFilters()
    assert not search.SearchFilters().active
    assert filters.phrase() == "with Welsh spoken and a confirmed registration"


def test_languages_offered_are_those_some_listed_practice_speaks(data_dir, made):
    database = db.open_main(data_dir)
    assert search.languages_offered(database) == [("pl", "Polish"), ("ur", "Urdu"), ("cy", "Welsh")]
    database.close()


def test_a_check_that_confirms_a_registration_shows_in_a_confirmed_only_search(data_dir, made):
    database = db.open_main(data_dir)
    lat, lon = CENTRES["LS6 2AB"]
    only = search.SearchFilters(registered_only=True)
    before = {h.practice.id for h in every_hit(database, lat, lon, 60, None, only)[0]}
    stale = database.execute(
        "select register, registration_number from registrations where checked_at < ? "
        "and outcome = 'registered' and reason is null",
        (stamp(31),),
    ).fetchall()
    database.execute("update registrations set checked_at = ?", (stamp(0),))
    database.conn.commit()
    after = {h.practice.id for h in every_hit(database, lat, lon, 60, None, only)[0]}
    assert stale and after > before
    database.close()


# --- the visibility rule, register by register ---------------------------------------------

PERSON = {"hcpc": "PH912345", "gosc": "91234", "gcc": "05678"}


def one_practice(database, register: str, outcome: str | None) -> int:
    profession = vocabulary.PROFESSION_OF_REGISTER[register]
    number = PERSON[register]
    directory.upsert_practitioners(
        database,
        [{"register": register, "registration_number": number, "name": "Cam Example",
          "profession": profession, "source": "test"}],
    )  # fmt: skip
    practice_id = directory.upsert_practice(
        database,
        {"key": f"test:{register}", "name": f"{register} clinic", "postcode": "LS6 2AB",
         "latitude": 53.82, "longitude": -1.57, "source": "test"},
        [(register, number)],
    )  # fmt: skip
    if outcome:
        database["registrations"].insert(
            {"register": register, "registration_number": number, "outcome": outcome,
             "status_raw": "Suspended", "checked_at": stamp(1)}
        )  # fmt: skip
    return practice_id


def found_for(database, register: str) -> list[int]:
    profession = vocabulary.PROFESSION_OF_REGISTER[register]
    return [h.practice.id for h in search.search_near(database, 53.82, -1.57, 5, [profession]).hits]


@pytest.mark.parametrize("register", vocabulary.REGISTERS)
@pytest.mark.parametrize(
    ("outcome", "listed"),
    [
        ("registered", True),
        ("restricted", True),
        (None, True),
        ("unknown", True),
        ("inactive", False),
        ("not_found", False),
    ],
)
def test_a_practice_appears_only_with_someone_who_may_practise(main_db, register, outcome, listed):
    practice_id = one_practice(main_db, register, outcome)
    assert found_for(main_db, register) == ([practice_id] if listed else [])
    assert (listings.get_practice(main_db, practice_id) is not None) == listed
    # Whatever the register said, the practitioner and where they work stay in the data.
    assert main_db.execute(
        "select count(*) from practice_practitioners where practice_id = ?", (practice_id,)
    ).fetchone() == (1,)


def test_a_practice_whose_only_chiropractor_is_suspended_is_not_a_chiropractors(main_db):
    practice_id = one_practice(main_db, "gcc", "registered")
    one_practice(main_db, "gosc", "registered")
    main_db.execute(
        "insert into practice_practitioners values (?, 'gosc', ?)", (practice_id, PERSON["gosc"])
    )
    assert practice_id in found_for(main_db, "gcc")
    main_db["registrations"].update(("gcc", PERSON["gcc"]), {"outcome": "inactive"})
    assert practice_id not in found_for(main_db, "gcc")
    assert practice_id in found_for(main_db, "gosc")  # its osteopath still practises there
    [hit] = [
        h for h in search.search_near(main_db, 53.82, -1.57, 5).hits if h.practice.id == practice_id
    ]
    assert [p.register for p in hit.practitioners] == ["gosc"]
    # Registered again: back in the chiropractors' search.
    main_db["registrations"].update(("gcc", PERSON["gcc"]), {"outcome": "registered"})
    assert practice_id in found_for(main_db, "gcc")


def test_a_lapsed_physiotherapist_keeps_the_record_of_their_practice(main_db):
    practice_id = one_practice(main_db, "hcpc", "registered")
    # The HCPC recheck retires a physiotherapist the register calls lapsed.
    main_db["registrations"].update(("hcpc", PERSON["hcpc"]), {"outcome": "inactive"})
    directory.retire_practitioners(main_db, [("hcpc", PERSON["hcpc"])], "HCPC: not practising")
    assert found_for(main_db, "hcpc") == []
    assert listings.get_practice(main_db, practice_id) is None
    assert main_db.execute(
        "select l.practice_id, t.retired_reason from practice_practitioners l join practitioners "
        "t using (register, registration_number) where t.registration_number = ?",
        (PERSON["hcpc"],),
    ).fetchall() == [(practice_id, "HCPC: not practising")]
    directory.revive_practitioners(main_db, [("hcpc", PERSON["hcpc"])])
    main_db["registrations"].update(("hcpc", PERSON["hcpc"]), {"outcome": "registered"})
    assert found_for(main_db, "hcpc") == [practice_id]


def test_each_filter_visibly_narrows_the_sample_directory(runner, data_dir):
    assert runner.invoke(cli, ["demo", "--size", "600", "--seed", "3"]).exit_code == 0
    database = db.open_main(data_dir)
    lat, lon = CENTRES["CF10 1EP"]
    everything = search.search_near(database, lat, lon, 1500).total
    for params in FLAG_CHOICES[1:]:
        filters = search.SearchFilters.from_params(params)
        narrowed = search.search_near(database, lat, lon, 1500, None, 1, 20, filters).total
        assert 0 < narrowed < everything, params
    database.close()
