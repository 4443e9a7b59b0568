"""OpenAPI: GET /search (routes in finder.web.search)."""

from __future__ import annotations

from finder import search
from finder.vocabulary import LANGUAGES, OUTCOMES, PROFESSIONS, REGISTERS
from finder.web.openapi import error_responses, timestamp

_NULLABLE_STRING = {"type": ["string", "null"]}
_FLAG = {"type": "string", "enum": ["1", "0", "true", "false"], "default": "0"}
CONFIRMED = (
    "A registration is confirmed when our latest good check of the register said `registered` "
    "or `restricted` (registered with conditions, shown with them), that check is at most "
    f"{search.CONFIRMED_WITHIN_DAYS} days old, and no later check has cast doubt on it "
    "(`registration.reason` is null). Never checked, `unknown`, older or doubted: not confirmed."
)
_FILTERS = [
    {
        "name": "home_visits",
        "in": "query",
        "required": False,
        "schema": _FLAG,
        "description": "1: only practices that visit patients at home",
    },
    {
        "name": "wheelchair_access",
        "in": "query",
        "required": False,
        "schema": _FLAG,
        "description": "1: only practices with wheelchair access",
    },
    {
        "name": "language",
        "in": "query",
        "required": False,
        "schema": {"type": "string", "enum": list(LANGUAGES)},
        "example": "cy",
        "description": "Only practices where this language is spoken, by its code (ISO 639-1, "
        "or bfi for British Sign Language): "
        + ", ".join(f"{code} {name}" for code, name in LANGUAGES.items()),
    },
    {
        "name": "registered_only",
        "in": "query",
        "required": False,
        "schema": _FLAG,
        "description": "1: only practitioners whose registration is confirmed, and only "
        "practices with one of the chosen professions who is. " + CONFIRMED,
    },
]
OPENAPI_PATHS = {
    "/search": {
        "get": {
            "summary": "Practices near a postcode, nearest first, with each practitioner's "
            "registration state",
            "description": "When nothing is within the radius, `total` is 0, `message` says "
            "so and `nearest_outside_radius` lists the nearest practices beyond it. The filters "
            "(home_visits, wheelchair_access, language, registered_only) narrow `total`, the "
            "pages and `nearest_outside_radius` alike. Patients are shown only practitioners "
            "who may practise: not those the register's latest answer calls `inactive` "
            "(lapsed, suspended, removed, not practising) or `not_found`; a practice appears "
            "for a profession only when it has such a practitioner of it.",
            "parameters": [
                {
                    "name": "postcode",
                    "in": "query",
                    "required": True,
                    "schema": {"type": "string"},
                    "example": "LS6 2AB",
                    "description": "A full postcode, or an outward code such as LS6 (then "
                    "distances are from its centre)",
                },
                {
                    "name": "profession",
                    "in": "query",
                    "required": False,
                    "schema": {
                        "type": "array",
                        "items": {"type": "string", "enum": list(PROFESSIONS)},
                    },
                    "style": "form",
                    "explode": True,
                    "description": "Repeat for more than one; none means all three",
                },
                {
                    "name": "radius_km",
                    "in": "query",
                    "required": False,
                    "schema": {
                        "type": "number",
                        "exclusiveMinimum": 0,
                        "maximum": search.MAX_RADIUS_KM,
                        "default": search.DEFAULT_RADIUS_KM,
                    },
                },
                {
                    "name": "page",
                    "in": "query",
                    "required": False,
                    "schema": {
                        "type": "integer",
                        "minimum": 1,
                        "maximum": search.MAX_PAGE,
                        "default": 1,
                    },
                },
                {
                    "name": "per_page",
                    "in": "query",
                    "required": False,
                    "schema": {
                        "type": "integer",
                        "minimum": 1,
                        "maximum": search.MAX_PER_PAGE,
                        "default": search.DEFAULT_PER_PAGE,
                    },
                },
                *_FILTERS,
            ],
            "responses": {
                "200": {
                    "description": "A page of results",
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/SearchResults"}
                        }
                    },
                },
                **error_responses(400, 404, 503),
            },
        }
    },
}

_REGISTRATION = {
    "type": "object",
    "description": "The latest check of the register; all null when never checked",
    "properties": {
        "outcome": {
            "type": ["string", "null"],
            "enum": [*OUTCOMES, None],
        },
        "status_raw": _NULLABLE_STRING,
        "checked_at": timestamp(nullable=True),
        "source_url": _NULLABLE_STRING,
        "reason": {
            "type": ["string", "null"],
            "description": "Why a later check casts doubt on this state (the register's page "
            "could not be read, or said something new); null: no doubt",
        },
    },
}
_HIT = {
    "type": "object",
    "properties": {
        "distance_km": {"type": "number"},
        "distance_miles": {"type": "number"},
        "practice": {
            "type": "object",
            "properties": {
                "name": {"type": "string"},
                "address": {
                    "type": "array",
                    "items": {"type": "string"},
                    "description": "Address lines, without the postcode",
                },
                "postcode": _NULLABLE_STRING,
                "latitude": {"type": "number"},
                "longitude": {"type": "number"},
                "phone": _NULLABLE_STRING,
                "email": _NULLABLE_STRING,
                "website": _NULLABLE_STRING,
                "features": {
                    "type": "object",
                    "description": "home_visits, wheelchair_access (booleans), languages (list)",
                },
                "sample_data": {
                    "type": "boolean",
                    "description": "True for the fictional practices of `finder demo`: their "
                    "people and registrations are made up",
                },
            },
        },
        "practitioners": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "name": {"type": "string"},
                    "profession": {"type": "string", "enum": list(PROFESSIONS)},
                    "register": {"type": "string", "enum": list(REGISTERS)},
                    "registration_number": {"type": "string"},
                    "registration": _REGISTRATION,
                    "register_url": {
                        "type": "string",
                        "description": "The register's own page for this number",
                    },
                },
            },
        },
    },
}
SCHEMAS = {
    "SearchResults": {
        "type": "object",
        "required": ["query", "total", "page", "per_page", "results"],
        "properties": {
            "query": {
                "type": "object",
                "properties": {
                    "postcode": {"type": "string"},
                    "precision": {"type": "string", "enum": ["postcode", "outcode"]},
                    "latitude": {"type": "number"},
                    "longitude": {"type": "number"},
                    "radius_km": {"type": "number"},
                    "professions": {"type": "array", "items": {"type": "string"}},
                    "filters": {
                        "type": "object",
                        "properties": {
                            "home_visits": {"type": "boolean"},
                            "wheelchair_access": {"type": "boolean"},
                            "language": {"type": ["string", "null"]},
                            "registered_only": {"type": "boolean"},
                        },
                    },
                },
            },
            "total": {"type": "integer"},
            "page": {"type": "integer"},
            "per_page": {"type": "integer"},
            "pages": {"type": "integer"},
            "results": {"type": "array", "items": _HIT},
            "nearest_outside_radius": {"type": "array", "items": _HIT},
            "message": _NULLABLE_STRING,
        },
    },
}
