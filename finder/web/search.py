"""Patient search pages: the results page (with its filters and map) and the practice page.

Thin: finder.search does the work, finder.web.cards what each practice card says; the API's
search is in finder.web.api. The pages take distances in miles (what people in the UK think
in). Everything is a GET link or a GET form, so it works without JavaScript and every page of
results has its own address; the map (static/map.js) only adds to the list.
"""

from __future__ import annotations

import functools
import time
from urllib.parse import urlencode

from flask import Blueprint, abort, current_app, render_template, request
from markupsafe import Markup

from finder import search, selfref
from finder.directory import listings
from finder.errors import InvalidInput, NotCovered, NotFound
from finder.vocabulary import KM_PER_MILE, PROFESSION_LABELS, PROFESSIONS
from finder.web import cards
from finder.web.presenters import fixed_url, request_base_urls
from finder.web.requests_db import reader_db, reader_handles, reader_postcodes

bp = Blueprint("search", __name__)

MILES = (1, 3, 5, 10, 25, 50)  # the distance choices on the form
DEFAULT_MILES = 10


@bp.app_context_processor
def search_form_context() -> dict:
    """What the search form needs on any page (the home page shows it too)."""
    return {
        "miles_choices": MILES,
        "profession_labels": PROFESSION_LABELS,
        "language_options": language_options,
        "search_defaults": {
            "postcode": "",
            "profession": "",
            "miles": DEFAULT_MILES,
            "filters": search.SearchFilters(),
        },
    }


def language_options(selected: str | None) -> Markup:
    """The language select's options: any, then the languages some practice speaks (asked of
    the directory at most once every LANGUAGES_KEPT_SECONDS: every results page has them)."""
    folder = current_app.config["DATA_DIR"]
    kept_at, offered = _languages.get(folder, (None, ()))
    if kept_at is None or time.monotonic() - kept_at > LANGUAGES_KEPT_SECONDS:
        offered = tuple(search.languages_offered(reader_db()))
        _languages[folder] = (time.monotonic(), offered)
    return _options(offered, selected or "")


LANGUAGES_KEPT_SECONDS = 60.0  # a language new to the directory reaches the form this late
_languages: dict[str, tuple[float, tuple]] = {}  # by data folder: (when asked, the languages)


@functools.lru_cache(maxsize=256)
def _options(choices: tuple[tuple[str, str], ...], selected: str) -> Markup:
    """Made once for each list and choice: forty options cost a search form more than the
    rest of it."""
    options = [Markup('<option value="">Any language</option>')]
    for code, name in choices:
        chosen = Markup(" selected") if code == selected else ""
        options.append(Markup('<option value="{}"{}>{}</option>').format(code, chosen, name))
    return Markup("\n").join(options)


class FieldError(InvalidInput):
    """Bad input in one form field other than the postcode; the error summary links to it."""

    def __init__(self, message: str, field: str):
        super().__init__(message, code="invalid_parameter")
        self.field = field


def whole_number(text: str | None) -> int | None:
    """A plain ASCII whole number ("12"), else None: "²" and "٣" pass str.isdigit() but are
    not what anyone typed into a search, and a very long number is a hand-edit, not a page."""
    if text and text.isascii() and text.isdecimal() and len(text) <= 9:
        return int(text)
    return None


def form_values(args) -> dict:
    """What the user chose, as the form shows it back (kept even when it is wrong)."""
    profession = args.get("profession", "")
    miles = whole_number(args.get("miles"))
    return {
        "postcode": args.get("postcode", ""),
        "profession": profession if profession in PROFESSIONS else "",
        "miles": miles if miles in MILES else DEFAULT_MILES,
        "filters": read_filters(args)[0],
    }


FILTERS = ("home_visits", "wheelchair_access", "language", "registered_only")


def read_filters(args) -> tuple[search.SearchFilters, FieldError | None]:
    """The filters as the form shows them back (each one that is right), and the first that
    is wrong (only a hand-edited address has one: the form cannot send it)."""
    chosen, wrong = {}, None
    for name in FILTERS:
        try:
            chosen[name] = getattr(search.SearchFilters.from_params({name: args.get(name)}), name)
        except InvalidInput as error:
            wrong = wrong or FieldError(error.message, name)
    return search.SearchFilters(**chosen), wrong


def _check_choices(args) -> None:
    """A profession or distance that is not one of the choices, or a page that is not a
    number (all hand-edited addresses: the form cannot send them): 400."""
    if args.get("profession", "") not in ("", *PROFESSIONS):
        raise FieldError("Choose who you want to see from the list.", "profession")
    if "miles" in args and whole_number(args["miles"]) not in MILES:
        choices = ", ".join(str(m) for m in MILES[:-1])
        raise FieldError(
            f"Choose a distance from the list: {choices} or {MILES[-1]} miles.", "miles"
        )
    if args.get("page") and whole_number(args["page"]) is None:
        raise FieldError("The page number must be a whole number, such as 2.", "page")
    wrong = read_filters(args)[1]
    if wrong:
        raise wrong


@bp.get("/search")
def results():
    values = form_values(request.args)
    context = {"values": values}
    if "postcode" not in request.args:
        return render_template("search_results.html", error=None, found=None, **context)
    try:
        _check_choices(request.args)
        query = search.Query.from_params(
            values["postcode"],
            [values["profession"]] if values["profession"] else [],
            values["miles"] * KM_PER_MILE,
            _page_number(request.args.get("page")),
            filters=values["filters"],
        )
        found = search.search_postcode(*reader_handles(), query)
    except (InvalidInput, NotFound, NotCovered) as error:
        field = getattr(error, "field", None) or "postcode"
        return render_template(
            "search_results.html", error=error.message, error_field=field, found=None, **context
        ), error.status
    # The practice pages' address with the search's query, so each can link back; built once
    # a page, not once a card (url_for costs more than the rest of a card's link).
    query_string = urlencode(_search_args(values, found.results.page))
    link = fixed_url("search.practice", practice_id=0).removesuffix("0") + "{id}?" + query_string
    base_urls, clock = request_base_urls(), cards.make_clock()
    first = (found.results.page - 1) * found.results.per_page + 1  # the list's first number
    return render_template(
        "search_results.html",
        error=None,
        found=found,
        location=found.location,
        selfref=_selfref_answer(found),
        page_url=lambda page: _results_url(values, page),
        cards=cards.cards_html(found.results.hits, link, base_urls, first, clock=clock),
        nearest_cards=cards.cards_html(
            found.nearest_outside, link, base_urls, heading="h3", clock=clock
        ),
        map_tiles=current_app.config["MAP_TILES"],
        **context,
    )


def _page_number(text: str | None) -> int:
    """A hand-edited page number out of range shows the nearest page, not an error."""
    page = whole_number(text) or 1
    return min(max(page, 1), search.MAX_PAGE)


def _search_args(values: dict, page: int) -> dict:
    """The query of a results page: every choice the user made (1 mile included), and the
    page from 2 on. A practice page carries them too, for its link back."""
    args = {name: values[name] for name in ("postcode", "profession", "miles") if values[name]}
    args.update(values["filters"].to_params())
    if page > 1:
        args["page"] = page
    return args


def _results_url(values: dict, page: int) -> str:
    return f"{fixed_url('search.results')}?{urlencode(_search_args(values, page))}"


def _selfref_answer(found: search.PostcodeSearch) -> dict | None:
    """The NHS self-referral panel (finder.selfref), beside physiotherapy results only."""
    if found.query.professions and "physiotherapist" not in found.query.professions:
        return None
    return selfref.answer(found.location)


@bp.get("/practices/<int(max=9223372036854775807):practice_id>")  # SQLite's largest id
def practice(practice_id: int):
    hit = listings.get_practice(reader_db(), practice_id)
    if hit is None:
        abort(404)
    values = form_values(request.args)
    distance = origin = None
    if values["postcode"]:
        try:
            here = reader_postcodes().lookup(values["postcode"])
            distance = search.distance_km(
                here.latitude, here.longitude, hit.practice.latitude, hit.practice.longitude
            )
            origin = here.postcode
        except (InvalidInput, NotFound, NotCovered, TypeError):
            distance = None  # a bad postcode in the link only costs the distance line
    page = _page_number(request.args.get("page"))
    back = _results_url(values, page) if values["postcode"] else None
    people = cards.people_html(hit.practitioner_rows, request_base_urls(), cards.make_clock())
    return render_template(
        "practice.html",
        hit=hit,
        people=people,
        features=cards.features_text(hit.practice.features),
        distance=distance,
        origin=origin,
        back=back,
    )
