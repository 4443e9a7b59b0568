"""Whole-register walks: a refresh pages through GOsC and GCC whole where they allow it, reads
each page once, keeps GOsC statuses current, and falls back to search centres that reach every
postcode."""

from __future__ import annotations

import logging
import math
from collections import Counter

import numpy as np
import pytest
from fakeregister import fake_register
from refresh_world import (
    GCC_CHIROPRACTORS,
    GOSC_PRACTICES,
    clients_for,
    directory_tables,
    locator,
    populate_uk,
    run_refresh,
)

from finder import db, refresh, search
from finder.refresh import centres
from finder.search.spatial import distance_km
from finder.vocabulary import KM_PER_MILE
from scrapers import paging

UK_PRACTICES, UK_CHIROPRACTORS = 600, 400


def test_a_full_refresh_of_the_uk_reads_each_page_once(data_dir, postcode_table):
    with fake_register(locate=locator(postcode_table)) as fake:
        populate_uk(fake, postcode_table, UK_PRACTICES, UK_CHIROPRACTORS)
        options = refresh.Options(clients=clients_for(fake), postcodes=postcode_table)
        try:
            summary = refresh.refresh(db.main_db_path(data_dir), ["gosc", "gcc"], options)
        finally:
            options.clients.close()
        requests = fake.requests

    database = db.open_main(data_dir)
    tables = directory_tables(database)
    assert sorted(row[0] for row in tables["practices"] if row[0].startswith("gosc:")) == sorted(
        f"gosc:{p.id}" for p in fake.gosc_practices
    )
    chiropractors = {row[1] for row in tables["practitioners"] if row[0] == "gcc"}
    assert chiropractors == {c.number for c in fake.gcc} and len(chiropractors) == 400
    assert len(fake.gosc_practices) == UK_PRACTICES
    assert summary["state"] == "finished"
    assert [summary["registers"][r]["walk"] for r in ("gosc", "gcc")] == ["whole:0", "whole:0"]

    # The pages needed to see each entry once: every list page and the page that says there
    # are no more, one registrant page per osteopath (the list lacks their number), robots.txt.
    list_pages = math.ceil(UK_PRACTICES / fake.page_size) + 1 + UK_CHIROPRACTORS // 10 + 1
    needed = list_pages + len(fake.gosc)
    robots = sum(1 for r in requests if r.path == "/robots.txt")
    assert robots == 2
    assert len(requests) - robots <= 1.10 * needed
    registrant_pages = Counter(r.path for r in requests if "/registrants/" in r.path)
    assert len(registrant_pages) == len(fake.gosc) and set(registrant_pages.values()) == {1}


def test_a_gosc_status_changed_on_the_register_shows_in_search_after_the_next_refresh(
    data_dir, postcode_table, world
):
    osteopath = world.gosc[4]
    practice = osteopath.practices[0]

    def shown_outcome() -> str:
        found = search.search_near(
            db.open_main(data_dir), practice.lat, practice.lon, 0.5, ["osteopath"]
        )
        return {
            p.registration_number: p.registration.outcome
            for hit in found.hits
            for p in hit.practitioners
        }[osteopath.number]

    run_refresh(data_dir, world, postcode_table, registers=("gosc",))
    assert shown_outcome() == "registered"
    osteopath.status = "Conditions of practice"

    summary = run_refresh(data_dir, world, postcode_table, registers=("gosc",))

    assert shown_outcome() == "restricted"
    assert summary["registers"]["gosc"]["state"] == "done"
    # Each osteopath's page read once in that refresh, no more.
    reads = Counter(r.path for r in world.requests_for("gosc") if "/registrants/" in r.path)
    assert set(reads.values()) == {2}  # once in each of the two refreshes


def test_a_register_that_does_not_list_itself_whole_is_walked_from_centres_and_says_why(
    data_dir, postcode_table, world, caplog
):
    world.whole_register["gosc"] = False  # blank filters list nobody; CV4 7AU is not known
    notices = []

    with caplog.at_level(logging.WARNING, logger="finder.refresh"):
        summary = run_refresh(
            data_dir, world, postcode_table, registers=("gosc",),
            progress=lambda update: update.reason and notices.append(update.reason),
        )  # fmt: skip

    report = summary["registers"]["gosc"]
    assert (summary["state"], report["state"], report["walk"]) == ("finished", "done", "centres")
    assert report["walk_note"] == (
        "the whole register (every filter blank) listed nobody on its first page; "
        "the whole register (1000 miles from CV4 7AU) listed nobody on its first page"
    )
    assert notices == [
        "the whole register (every filter blank) listed nobody on its first page; "
        "trying the next way",
        "the whole register (1000 miles from CV4 7AU) listed nobody on its first page; "
        "searching place by place",
    ]
    assert [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING] == [
        f"refresh run {summary['run']} gosc: {notice}" for notice in notices
    ]
    assert report["practices"]["added"] == GOSC_PRACTICES  # the centres found them all
    assert report["pages"] > GOSC_PRACTICES / world.page_size  # overlapping circles

    from finder.cli.refresh import describe

    assert "  walked: search centres, because the whole register (every filter blank) " in (
        "\n".join(describe(summary))
    )


def test_gosc_walked_by_its_second_way_when_blank_filters_list_nobody(
    data_dir, postcode_table, world
):
    world.whole_register["gosc"] = False
    world.add_place("CV4 7AU", 52.3793, -1.5615)  # the 1000-mile search reaches all of Leeds

    summary = run_refresh(data_dir, world, postcode_table, registers=("gosc",))

    report = summary["registers"]["gosc"]
    assert (report["walk"], report["pages"], report["practices"]["added"]) == (
        "whole:1", GOSC_PRACTICES // world.page_size, GOSC_PRACTICES,
    )  # fmt: skip
    searches = [r.query for r in world.requests_for("gosc") if r.path.endswith("/practices/")]
    assert searches[0]["location"] == "" and searches[1]["location"] == "CV4 7AU"


def test_a_fallback_stopped_by_the_page_budget_resumes_from_the_centres(
    data_dir, postcode_table, world
):
    world.whole_register["gcc"] = False
    first = run_refresh(data_dir, world, postcode_table, registers=("gcc",), max_pages=2)
    assert first["registers"]["gcc"]["walk"] == "centres"
    asked = len(world.requests_for("gcc"))

    second = run_refresh(data_dir, world, postcode_table, resume=True)

    report = second["registers"]["gcc"]
    assert (second["state"], report["walk"], report["practices"]["added"]) == (
        "finished", "centres", GCC_CHIROPRACTORS,
    )  # fmt: skip
    # The resumed run asked no whole-register page again.
    assert all(r.query for r in world.requests_for("gcc")[asked:])


def test_an_outage_in_a_whole_walk_waits_and_asks_for_the_same_page_again(
    data_dir, postcode_table, world
):
    run_refresh(data_dir, world, postcode_table, registers=("gcc",))
    world.gcc.remove(world.gcc[-1])  # gone: the complete walk retires them
    pages = []

    def outage_after_two_pages(update) -> None:
        if update.pages == 2 and not pages:
            pages.append(update)
            world.fault("500", register="gcc", times=4)  # every attempt at one page

    summary = run_refresh(
        data_dir, world, postcode_table, registers=("gcc",), progress=outage_after_two_pages
    )

    report = summary["registers"]["gcc"]
    assert (report["state"], report["practitioners"]["retired"]) == ("done", 1)
    # The outage made good is still in the summary (and so a non-zero exit): never a clean run.
    assert [(e["where"], e["message"].split(" (")[0]) for e in report["errors"]] == [
        ("whole register page 3", "register unavailable: HTTP 500 after 4 attempts")
    ]
    offsets = [r.path for r in world.requests_for("gcc")][-(GCC_CHIROPRACTORS // 10 + 4) :]
    assert offsets.count("/search/chiro_results/P20") == 5  # 4 failed attempts, then read


def test_a_whole_walk_cut_off_by_its_page_cap_retires_nothing(
    data_dir, postcode_table, world, monkeypatch
):
    run_refresh(data_dir, world, postcode_table, registers=("gosc",))
    before = directory_tables(db.open_main(data_dir))
    world.gosc_practices.remove(world.gosc_practices[-1])
    monkeypatch.setattr(paging, "MAX_PAGES_WHOLE_REGISTER", 3)

    summary = run_refresh(data_dir, world, postcode_table, registers=("gosc",))

    report = summary["registers"]["gosc"]
    assert (report["state"], report["practices"]["retired"]) == ("done_with_errors", 0)
    assert [e["where"] for e in report["errors"]] == ["whole register page 3"]
    assert directory_tables(db.open_main(data_dir)) == before


@pytest.mark.parametrize("register", ["gosc", "gcc"])
def test_search_centres_reach_every_postcode_within_the_radius(postcode_table, register):
    points = centres.located_postcodes(postcode_table)
    radius_km = centres.RADIUS_MILES[register] * KM_PER_MILE
    plan = centres.plan_for(postcode_table, register)

    # Measured here without the planner's own code: each postcode's nearest centre, by the
    # haversine formula, then the farthest of those by geopy.
    lat = np.radians([p[1] for p in points])
    lon = np.radians([p[2] for p in points])
    centre_lat = np.radians([c.latitude for c in plan])
    centre_lon = np.radians([c.longitude for c in plan])
    nearest = np.full(len(points), np.inf)
    for start in range(0, len(plan), 50):
        a, b = centre_lat[start : start + 50], centre_lon[start : start + 50]
        h = (
            np.sin((lat[:, None] - a) / 2) ** 2
            + np.cos(lat[:, None]) * np.cos(a) * np.sin((lon[:, None] - b) / 2) ** 2
        )
        nearest = np.minimum(nearest, (2 * 6371.009 * np.arcsin(np.sqrt(h))).min(axis=1))
    worst = int(nearest.argmax())
    postcode, y, x = points[worst]
    assert min(distance_km(y, x, c.latitude, c.longitude) for c in plan) <= radius_km, postcode

    # The test table holds the sparse districts where district centres alone left gaps.
    districts_only = centres.plan(
        centres.districts(postcode_table), centres.spacing_km(centres.RADIUS_MILES[register])
    )
    gaps = centres.uncovered(districts_only, points, radius_km)
    assert gaps and {points[i][0].split()[0] for i in gaps} & {"ZE2", "BT92", "KW17", "IV27"}
