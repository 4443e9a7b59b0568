"""The API's shared routes under /api/v1: patient search, postcode look-ups and the OpenAPI
document.

The other features' API routes are in their own blueprints (finder.web.registrations_api,
finder.web.selfref); their OpenAPI descriptions are in finder.web.openapi.
"""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from finder import search
from finder.errors import InvalidInput
from finder.web.openapi import spec
from finder.web.presenters import request_base_urls
from finder.web.requests_db import reader_handles, reader_postcodes

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.get("/search")
def search_near_postcode():
    """Practices near a postcode (finder.search), with the filters of finder.search.filters."""
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
        filters=search.SearchFilters.from_params(args),
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


@bp.get("/postcodes/<path:postcode>")
def postcode(postcode: str):
    return jsonify(reader_postcodes().lookup(postcode).to_dict())


@bp.get("/openapi.json")
def openapi():
    return jsonify(spec())
