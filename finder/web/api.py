"""The JSON API under /api/v1. Each feature adds its routes to `bp` and its OpenAPI paths."""

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
