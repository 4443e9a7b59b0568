"""Patient search: the results page, the practice page and GET /api/v1/search.

Thin: finder.search does the work, finder.web.presenters the badges and distances on the
cards. The pages take distances in miles (what people in the UK think in), the API in km.
Everything is a GET link or a GET form, so it works without JavaScript and every page of
results has its own address.
"""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, render_template, request, url_for

from finder import search, selfref
from finder.directory import listings
from finder.errors import InvalidInput, NotCovered, NotFound
from finder.vocabulary import KM_PER_MILE, PROFESSION_LABELS, PROFESSIONS
from finder.web.presenters import request_base_urls
from finder.web.requests_db import reader_db, reader_handles, reader_postcodes

bp = Blueprint("search", __name__)
api_bp = Blueprint("search_api", __name__, url_prefix="/api/v1")

MILES = (1, 3, 5, 10, 25, 50)  # the distance choices on the form
DEFAULT_MILES = 10


# --- the pages -----------------------------------------------------------------------------


@bp.app_context_processor
def search_form_context() -> dict:
    """What the search form needs on any page (the home page shows it too)."""
    return {
        "miles_choices": MILES,
        "profession_labels": PROFESSION_LABELS,
        "search_defaults": {"postcode": "", "profession": "", "miles": DEFAULT_MILES},
    }


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
    }


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
        )
        found = search.search_postcode(*reader_handles(), query)
    except (InvalidInput, NotFound, NotCovered) as error:
        field = getattr(error, "field", None) or "postcode"
        return render_template(
            "search_results.html", error=error.message, error_field=field, found=None, **context
        ), error.status
    return render_template(
        "search_results.html",
        error=None,
        found=found,
        location=found.location,
        selfref=_selfref_answer(found),
        page_url=lambda page: _results_url(values, page),
        link_args=_search_args(values, found.results.page),
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
    if page > 1:
        args["page"] = page
    return args


def _results_url(values: dict, page: int) -> str:
    return url_for("search.results", **_search_args(values, page))


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
    return render_template("practice.html", hit=hit, distance=distance, origin=origin, back=back)


# --- the API -------------------------------------------------------------------------------


@api_bp.get("/search")
def api_search():
    args = request.args
    if not args.get("postcode", "").strip():
        raise InvalidInput(
            "postcode is required, for example ?postcode=LS6+2AB.", code="invalid_parameter"
        )
    query = search.Query.from_params(
        args.get("postcode"),
        args.getlist("profession"),
        _api_number(args, "radius_km", search.MAX_RADIUS_KM),
        _api_number(args, "page", search.MAX_PAGE),
        _api_number(args, "per_page", search.MAX_PER_PAGE),
    )
    found = search.search_postcode(*reader_handles(), query)
    return jsonify(found.to_dict(request_base_urls()))


def _api_number(args, name: str, most) -> str | None:
    """A numeric parameter as sent, for Query.from_params to range-check, once it is plain
    ASCII of a sane length: "²" or a 400-digit page is a 400 naming it, never a 500."""
    raw = args.get(name)
    if raw is None or not raw.strip():
        return raw
    if not raw.isascii() or len(raw.strip()) > 20:
        kind = "number from more than 0" if name == "radius_km" else "whole number from 1"
        raise InvalidInput(f"{name} must be a {kind} to {most:g}.", code="invalid_parameter")
    return raw
