"""The API's shared routes under /api/v1: postcode look-ups and the OpenAPI document.

The features' API routes are in their own blueprints (finder.web.search's api_bp,
finder.web.registrations_api, finder.web.selfref); their OpenAPI descriptions are in
finder.web.openapi.
"""

from __future__ import annotations

from flask import Blueprint, jsonify

from finder.web.openapi import spec
from finder.web.requests_db import reader_postcodes

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.get("/postcodes/<path:postcode>")
def postcode(postcode: str):
    return jsonify(reader_postcodes().lookup(postcode).to_dict())


@bp.get("/openapi.json")
def openapi():
    return jsonify(spec())
