"""The OpenAPI document served at /api/v1/openapi.json.

Each API module keeps the description of its own paths beside its routes, in a dict named
OPENAPI_PATHS; this module joins them. tests/test_openapi.py checks every route is described.
"""

from __future__ import annotations

import importlib

# Modules that describe their paths in OPENAPI_PATHS.
PATH_MODULES = [
    "finder.web.openapi",
    "finder.web.selfref",
    "finder.web.search",
    "finder.web.registrations_api",
]


def error_responses(*statuses: int) -> dict:
    return {
        str(status): {
            "description": DESCRIPTIONS.get(status, "Error"),
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
        for status in statuses
    }


DESCRIPTIONS = {
    400: "Bad input; the message says what is wrong",
    401: "Missing or bad API key",
    404: "Not found, or a place this service does not cover",
    413: "Too large",
    429: "Too many requests",
    503: "Data not loaded yet",
}

OPENAPI_PATHS = {
    "/postcodes/{postcode}": {
        "get": {
            "summary": "Look up a full UK postcode or the centre of an outward code",
            "parameters": [
                {
                    "name": "postcode",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "string"},
                    "example": "LS6 2AB",
                }
            ],
            "responses": {
                "200": {
                    "description": "Where the postcode is",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Location"}}
                    },
                },
                **error_responses(400, 404, 503),
            },
        }
    },
}

SCHEMAS = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
            }
        },
    },
    "Location": {
        "type": "object",
        "required": ["postcode", "precision", "latitude", "longitude", "lad", "nation"],
        "properties": {
            "postcode": {"type": "string"},
            "precision": {"type": "string", "enum": ["postcode", "outcode"]},
            "latitude": {"type": "number"},
            "longitude": {"type": "number"},
            "lad": {
                "type": "object",
                "properties": {"code": {"type": "string"}, "name": {"type": "string"}},
            },
            "nation": {
                "type": "string",
                "enum": ["england", "scotland", "wales", "northern_ireland"],
            },
            "note": {"type": "string"},
        },
    },
}


def spec() -> dict:
    paths: dict = {}
    schemas: dict = {}
    for name in PATH_MODULES:
        module = importlib.import_module(name)
        paths.update(module.OPENAPI_PATHS)
        schemas.update(getattr(module, "SCHEMAS", {}))
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "finder API",
            "version": "1",
            "description": "Find UK physiotherapists, osteopaths and chiropractors near a "
            "postcode and check their registration. Errors are JSON: "
            '{"error": {"code": ..., "message": ...}}.',
        },
        "servers": [{"url": "/api/v1"}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "apiKey": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An insurer's API key, made with `finder keys create NAME`.",
                }
            },
        },
    }
