"""search_near against a brute-force reference, paging, filters and the nearest-beyond answer."""

from __future__ import annotations

import math
import random
import threading

import numpy as np
import pytest
from geopy.distance import great_circle

import scrapers
from finder import db, directory, search, vocabulary
from finder.directory import listings
from finder.errors import InvalidInput
from finder.search import spatial
from scrapers import gosc as real_gosc

PROFESSIONS = list(vocabulary.PROFESSIONS)
# Centres across the UK, Northern Ireland included: (name, latitude, longitude).
CENTRES = [
    ("Leeds", 53.8199, -1.5721),
    ("Belfast", 54.5973, -5.9301),
    ("Enniskillen", 54.3438, -7.6315),
    ("Cardiff", 51.4837, -3.1681),
    ("Inverness", 57.4778, -4.2247),
    ("Lerwick", 60.1546, -1.1494),
    ("Penzance", 50.1188, -5.5376),
]


def add_practice(db, key: int, lat: float, lon: float, professions=("physiotherapist",)):
    people = []
    for n, profession in enumerate(professions):
        register = vocabulary.REGISTER_OF_PROFESSION[profession]
        number = {
            "hcpc": f"PH9{key:03d}{n:02d}",
            "gosc": f"9{key:03d}{n}",
            "gcc": f"0{key:03d}{n}",
        }[register]
        people.append(
            {
                "register": register,
                "registration_number": number,
                "name": f"Person {key}-{n}",
                "profession": profession,
                "source": "test",
            }
        )
    directory.upsert_practitioners(db, people)
    return directory.upsert_practice(
        db,
        {
            "key": f"test:{key}",
            "name": f"Practice {key}",
            "address": [f"{key} Test Street"],
            "postcode": "LS6 2AB",
            "latitude": lat,
            "longitude": lon,
            "source": "test",
        },
        [(p["register"], p["registration_number"]) for p in people],
    )


def random_directory(
    db, rng: random.Random, centre: tuple[float, float], count: int, spread_km: float
) -> dict[int, tuple[float, float, tuple[str, ...]]]:
    """Practices scattered up to spread_km from the centre; some share a spot (ties)."""
    placed: dict[int, tuple[float, float, tuple[str, ...]]] = {}
    for key in range(1, count + 1):
        if placed and rng.random() < 0.1:
            lat, lon, _ = placed[rng.choice(list(placed))]  # same place as another: a tie
        else:
            point = great_circle(kilometers=rng.uniform(0, spread_km)).destination(
                centre, rng.uniform(0, 360)
            )
            lat, lon = round(point.latitude, 6), round(point.longitude, 6)
        professions = tuple(rng.sample(PROFESSIONS, rng.choice((1, 1, 2, 3))))
        placed[add_practice(db, key, lat, lon, professions)] = (lat, lon, professions)
    return placed


def brute_force(placed, lat, lon, radius_km, professions=None):
    """Every practice checked with geopy: (distance, id) of those inside, nearest first."""
    wanted = set(professions or PROFESSIONS)
    inside = [
        (great_circle((lat, lon), (plat, plon)).km, pid)
        for pid, (plat, plon, offered) in placed.items()
        if wanted & set(offered) and great_circle((lat, lon), (plat, plon)).km <= radius_km
    ]
    return sorted(inside)


def all_pages(db, lat, lon, radius_km, professions=None, per_page=7):
    found, page = [], 1
    while True:
        result = search.search_near(db, lat, lon, radius_km, professions, page, per_page)
        found += [(hit.distance_km, hit.practice.id) for hit in result.hits]
        if page >= result.pages:
            return found, result.total
        page += 1


@pytest.mark.parametrize("seed", range(6))
def test_search_matches_a_brute_force_reference_on_random_directories(main_db, seed):
    rng = random.Random(seed)
    _, clat, clon = CENTRES[seed % len(CENTRES)]
    spread = rng.choice((30, 120, 250))
    placed = random_directory(main_db, rng, (clat, clon), 150, spread)
    for _ in range(12):
        lat, lon, _ = (
            placed[rng.choice(list(placed))]
            if rng.random() < 0.5
            else (clat + rng.uniform(-0.5, 0.5), clon + rng.uniform(-0.8, 0.8), None)
        )
        radius = rng.choice((1, 5, 10, 25, 60, 100))
        professions = rng.choice((None, ["osteopath"], ["physiotherapist", "chiropractor"]))
        expected = brute_force(placed, lat, lon, radius, professions)
        assert all_pages(main_db, lat, lon, radius, professions) == (expected, len(expected))


@pytest.mark.parametrize("name, lat, lon", CENTRES)
def test_points_exactly_on_the_radius_are_inside_and_a_hair_beyond_are_outside(
    main_db, name, lat, lon
):
    rng = random.Random(name)
    placed = {}
    for key, bearing in enumerate(range(0, 360, 15), start=1):
        point = great_circle(kilometers=rng.choice((5, 40, 100))).destination((lat, lon), bearing)
        placed[add_practice(main_db, key, point.latitude, point.longitude)] = point
    for pid, point in placed.items():
        exact = great_circle((lat, lon), (point.latitude, point.longitude)).km
        inside = {
            hit.practice.id
            for hit in search.search_near(main_db, lat, lon, exact, None, 1, 100).hits
        }
        hair = math.nextafter(exact, 0)
        closer = {
            hit.practice.id
            for hit in search.search_near(main_db, lat, lon, hair, None, 1, 100).hits
        }
        assert (pid in inside, pid in closer) == (True, False)


def test_a_radius_100_search_covers_its_whole_200_km_spread_in_northern_ireland(main_db):
    rng = random.Random(7)
    centre = (54.5973, -5.9301)  # Belfast
    placed = random_directory(main_db, rng, centre, 200, 190)
    expected = brute_force(placed, *centre, 100)
    assert expected[-1][0] > 95  # the reference really reaches the edge
    assert all_pages(main_db, *centre, 100, per_page=100) == (expected, len(expected))


def test_distance_is_computed_exactly_as_geopy_great_circle():
    rng = random.Random(3)
    for _ in range(2000):
        a = (rng.uniform(49.8, 60.9), rng.uniform(-8.2, 1.8))
        b = (rng.uniform(49.8, 60.9), rng.uniform(-8.2, 1.8))
        assert search.distance_km(*a, *b) == great_circle(a, b).km


def test_paging_never_repeats_or_skips_a_practice_even_with_ties(main_db):
    for key in range(1, 24):  # eight spots, three practices each: ties broken by id
        add_practice(main_db, key, 53.80 + (key % 8) * 0.01, -1.55)
    pages = [search.search_near(main_db, 53.80, -1.55, 10, None, page, 5) for page in range(1, 6)]
    ids = [hit.practice.id for page in pages for hit in page.hits]
    assert sorted(ids) == list(range(1, 24))
    assert len(ids) == 23
    assert [(page.total, page.pages) for page in pages] == [(23, 5)] * 5
    whole = search.search_near(main_db, 53.80, -1.55, 10, None, 1, 100)
    assert ids == [hit.practice.id for hit in whole.hits]


def test_a_page_past_the_end_is_empty_but_keeps_the_total(main_db):
    add_practice(main_db, 1, 53.8, -1.55)
    past = search.search_near(main_db, 53.8, -1.55, 10, None, 3, 20)
    assert (past.hits, past.total, past.pages) == ((), 1, 1)


def test_profession_filter_lists_only_practices_with_that_profession(main_db):
    physio = add_practice(main_db, 1, 53.80, -1.55, ("physiotherapist",))
    osteo = add_practice(main_db, 2, 53.81, -1.55, ("osteopath",))
    both = add_practice(main_db, 3, 53.82, -1.55, ("osteopath", "chiropractor"))

    def ids(professions):
        return [
            h.practice.id for h in search.search_near(main_db, 53.8, -1.55, 10, professions).hits
        ]

    assert ids(["osteopath"]) == [osteo, both]
    assert ids(["chiropractor"]) == [both]
    assert ids(["physiotherapist", "chiropractor"]) == [physio, both]
    assert ids(None) == [physio, osteo, both]
    # Each result lists only the practitioners of the professions asked for.
    only = search.search_near(main_db, 53.8, -1.55, 10, ["chiropractor"]).hits[0]
    assert [p.profession for p in only.practitioners] == ["chiropractor"]


def test_nothing_within_the_radius_gives_the_nearest_beyond_it(main_db):
    far = add_practice(main_db, 1, 53.95, -1.55, ("osteopath",))  # about 17 km north
    farther = add_practice(main_db, 2, 54.10, -1.55, ("osteopath",))
    add_practice(main_db, 3, 53.81, -1.55, ("physiotherapist",))  # near, wrong profession
    assert search.search_near(main_db, 53.8, -1.55, 8, ["osteopath"]).total == 0
    nearest = search.nearest_beyond(main_db, 53.8, -1.55, 8, ["osteopath"])
    assert [hit.practice.id for hit in nearest] == [far, farther]


def test_an_empty_directory_has_no_nearest_practice(main_db):
    assert search.nearest_beyond(main_db, 53.8, -1.55, 8) == ()


@pytest.mark.parametrize(
    "params, message",
    [
        ({"radius_km": "0"}, "radius_km must be a number from more than 0 to 100."),
        ({"radius_km": "101"}, "radius_km must be a number from more than 0 to 100."),
        ({"radius_km": "nan"}, "radius_km must be a number from more than 0 to 100."),
        ({"radius_km": "ten"}, "radius_km must be a number from more than 0 to 100."),
        ({"page": "0"}, "page must be a number from 1 to 10000."),
        ({"page": "1.5"}, "page must be a whole number from 1 to 10000."),
        ({"per_page": "101"}, "per_page must be a number from 1 to 100."),
        (
            {"professions": ["dentist"]},
            "profession must be one of physiotherapist, osteopath, chiropractor; 'dentist' is not.",
        ),
    ],
)
def test_bad_search_parameters_are_refused_naming_the_parameter(params, message):
    with pytest.raises(InvalidInput) as caught:
        search.Query.from_params("LS6 2AB", **params)
    assert (caught.value.message, caught.value.code) == (message, "invalid_parameter")


def test_search_parameters_have_defaults_and_repeat_professions_once():
    query = search.Query.from_params("LS6", ["Osteopath", "osteopath", "chiropractor"])
    assert query == search.Query("LS6", ("osteopath", "chiropractor"), 10.0, 1, 20)


@pytest.mark.parametrize(
    "km, miles, km_text",
    [
        (0.32, "0.2 miles", "0.3 km"),
        (1.609344, "1 mile", "1.6 km"),
        (8.05, "5 miles", "8.1 km"),
        (24.14, "15 miles", "24 km"),
    ],
)
def test_distances_read_naturally(km, miles, km_text):
    assert (search.format_distance(km, "miles"), search.format_distance(km, "km")) == (
        miles,
        km_text,
    )


@pytest.mark.parametrize("name, lat, lon", CENTRES[:4])
def test_practices_on_band_and_box_edges_match_the_reference(main_db, name, lat, lon):
    """The index cuts the circle's bounding box out of 0.01-degree latitude bands: practices
    on and a hair either side of a band's edge, at the circle's north, east, south and west
    extremes, and in a dense cluster, are each found exactly once."""
    rng = random.Random(name)
    radius = rng.choice((5, 10, 25))
    band = spatial._band(lat + 0.013)  # a band in the circle: find its southern edge
    edge = band * spatial.BAND_DEGREES - 90  # within a few ulps of it
    while spatial._band(edge) == band:
        edge = math.nextafter(edge, -90)
    while spatial._band(edge) < band:
        edge = math.nextafter(edge, 90)  # now the first latitude in the band
    assert spatial._band(math.nextafter(edge, -90)) == band - 1
    spots = [
        (y, x)
        for y in (edge, math.nextafter(edge, 90), math.nextafter(edge, -90))
        for x in (lon, math.nextafter(lon, 180), lon + 0.01)
    ]
    for bearing in (0, 90, 180, 270):  # on the radius, and a hair either side
        point = great_circle(kilometers=radius).destination((lat, lon), bearing)
        for y, x in [(point.latitude, point.longitude)] * 2 + [
            (math.nextafter(point.latitude, lat), math.nextafter(point.longitude, lon)),
            (math.nextafter(point.latitude, -lat), math.nextafter(point.longitude, -lon)),
        ]:
            spots.append((y, x))
    spots += [(lat + rng.gauss(0, 0.02), lon + rng.gauss(0, 0.03)) for _ in range(150)]
    placed = {}
    for key, (y, x) in enumerate(spots, start=1):
        professions = tuple(rng.sample(PROFESSIONS, rng.choice((1, 2, 3))))
        placed[add_practice(main_db, key, y, x, professions)] = (y, x, professions)
    for professions in (None, ["osteopath"], ["physiotherapist", "chiropractor"]):
        expected = brute_force(placed, lat, lon, radius, professions)
        assert len(expected) > 20
        assert all_pages(main_db, lat, lon, radius, professions, per_page=20) == (
            expected,
            len(expected),
        )


def test_results_stay_exact_when_the_chord_is_a_little_off(main_db, monkeypatch):
    """The index measures by the chord, in floating point (and some CPUs run numpy's sin and
    cos an ulp away from the C library's); it trusts that only to TOLERANCE_KM, so the answer
    is still geopy's to the last bit, on the radius and in the order of near ties."""
    rng = random.Random(11)
    centre = (53.8199, -1.5721)
    placed = random_directory(main_db, rng, centre, 120, 12)
    for key, bearing in enumerate(range(0, 360, 30), start=1000):  # exactly 8 km away
        point = great_circle(kilometers=8).destination(centre, bearing)
        placed[add_practice(main_db, key, point.latitude, point.longitude)] = (
            point.latitude,
            point.longitude,
            ("physiotherapist",),
        )
    honest = spatial.PointIndex._chords_squared
    noise = random.Random(5)

    def off_by_a_little(self, lat, lon, rows):
        """Each chord moved by up to 0.4 micrometres, under half of TOLERANCE_KM."""
        return np.array(
            [
                spatial._chord_squared(max(0, spatial._km_across(c) + noise.uniform(-4e-10, 4e-10)))
                for c in honest(self, lat, lon, rows)
            ]
        )

    monkeypatch.setattr(spatial.PointIndex, "_chords_squared", off_by_a_little)
    for _, (lat, lon, _) in list(placed.items())[:: len(placed) // 12]:
        for radius in (great_circle(centre, (lat, lon)).km, 8, 10):
            expected = brute_force(placed, *centre, radius)
            assert all_pages(main_db, *centre, radius, per_page=6) == (expected, len(expected))


def test_a_search_sees_every_change_to_the_directory_at_once(main_db, data_dir):
    """The points are held in memory; adding, moving, retiring a practice or its last
    practitioner shows in the very next search, from this connection or another."""
    other = db.connect(db.main_db_path(data_dir))

    def found(database=main_db):
        return [
            (h.practice.id, round(h.distance_km, 1))
            for h in search.search_near(database, 53.80, -1.55, 10, ["osteopath"]).hits
        ]

    first = add_practice(main_db, 1, 53.81, -1.55, ("osteopath",))
    assert found() == found(other) == [(first, 1.1)]
    second = add_practice(main_db, 2, 53.80, -1.55, ("osteopath", "chiropractor"))
    assert found(other) == [(second, 0.0), (first, 1.1)]
    main_db.execute("update practices set latitude = 53.95 where id = ?", [second])
    main_db.conn.commit()
    assert found(other) == [(first, 1.1)]
    directory.retire_practitioners(main_db, [("gosc", "90010")])  # first's only osteopath
    assert found(other) == []
    directory.retire_practices(main_db, ["test:2"])
    directory.upsert_practice(
        main_db,
        {"key": "test:2", "name": "Back", "latitude": 53.8, "longitude": -1.55, "source": "test"},
    )
    assert found() == [(second, 0.0)]
    other.close()


def test_a_register_link_asked_for_while_another_thread_builds_the_table_still_works(
    monkeypatch,
):
    answers = []

    class GoscWhileAnotherRequestArrives:
        """The real module, except that reading it lets a second request run first."""

        asked = False

        def __getattr__(self, name):
            if not GoscWhileAnotherRequestArrives.asked:
                GoscWhileAnotherRequestArrives.asked = True
                other = threading.Thread(
                    target=lambda: answers.append(listings.register_entry_url("gcc", "09234"))
                )
                other.start()
                other.join()
            return getattr(real_gosc, name)

    monkeypatch.setattr(listings, "_URL_BUILDERS", None)  # a fresh process, first request
    monkeypatch.setattr(scrapers, "gosc", GoscWhileAnotherRequestArrives())

    first = listings.register_entry_url("gosc", "91234")

    assert first.startswith(real_gosc.DEFAULT_BASE_URL)
    assert len(answers) == 1 and "09234" in answers[0]


def test_a_directory_made_before_the_in_memory_index_upgrades_and_searches_the_same(data_dir):
    """An existing finder.db with the R*Tree: the migration keeps every point, drops the
    R*Tree, and search answers as the reference does."""
    database = db.connect(db.main_db_path(data_dir))
    for migrations in db.migration_sets():
        migrations.apply(database, stop_before="read_practice_points_into_memory")
    rng = random.Random(21)
    centre = (53.8199, -1.5721)
    placed = random_directory(database, rng, centre, 60, 20)
    assert "practice_locations" in database.table_names()
    db.migrate(database)
    assert "practice_locations" not in database.table_names()
    assert database.execute("select count(*) from practice_points").fetchone() == (60,)
    for radius in (5, 15):
        expected = brute_force(placed, *centre, radius)
        assert all_pages(database, *centre, radius) == (expected, len(expected))
    database.close()


def test_searches_in_many_threads_while_the_directory_changes(main_db, data_dir):
    """Four threads search, each on its own connection as the web server's threads do, while
    practices are added: no search fails or answers out of order, and once the writes are
    done every thread finds them all."""
    add_practice(main_db, 1, 53.80, -1.55)
    failures, totals, done = [], [], threading.Event()

    def search_until_done() -> None:
        connection = db.connect(db.main_db_path(data_dir))
        try:
            while not done.is_set():
                found = search.search_near(connection, 53.80, -1.55, 10, None, 1, 100)
                distances = [(hit.distance_km, hit.practice_id) for hit in found.hits]
                if distances != sorted(distances) or len(distances) != found.total:
                    failures.append(distances)
            totals.append(search.search_near(connection, 53.80, -1.55, 10).total)
        except Exception as error:  # the test reports whatever went wrong
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=search_until_done) for _ in range(4)]
    for thread in threads:
        thread.start()
    for key in range(2, 31):
        add_practice(main_db, key, 53.80 + key * 0.001, -1.55)
    done.set()
    for thread in threads:
        thread.join()
    assert (failures, totals) == ([], [30] * 4)
