"""The OpenAPI document served at /api/v1/openapi.json.

Each module of this package describes one area's paths (OPENAPI_PATHS) and schemas (SCHEMAS),
beside the routes in finder.web; spec() joins them. Enums and limits come from the library and
finder.vocabulary, never typed again here. tests/test_openapi.py checks every route is described.
"""

from __future__ import annotations

import importlib

from finder import times

# The modules that describe paths; imported when the document is built, as they import
# error_responses from here.
PATH_MODULES = [
    "finder.web.openapi.postcodes",
    "finder.web.openapi.selfref",
    "finder.web.openapi.search",
    "finder.web.openapi.registrations",
    "finder.web.openapi.watchlists",
]

DESCRIPTIONS = {
    400: "Bad input; the message says what is wrong",
    401: "Missing or bad API key",
    404: "Not found, or a place this service does not cover",
    409: "Already exists",
    413: "Too large",
    415: "Unsupported Content-Type",
    422: "Rows that cannot be used; the message names them",
    429: "Too many requests",
    503: "Data not loaded yet",
}

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
        }
    },
}


def timestamp(*, nullable: bool = False) -> dict:
    """A time as every answer gives it: UTC to the second, with a Z (finder.times)."""
    return {
        "type": ["string", "null"] if nullable else "string",
        "format": "date-time",
        "pattern": times.PATTERN,
        "examples": ["2026-12-07T14:05:09Z"],
    }


def error_responses(*statuses: int) -> dict:
    return {
        str(status): {
            "description": DESCRIPTIONS.get(status, "Error"),
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
        for status in statuses
    }


def spec() -> dict:
    paths: dict = {}
    schemas: dict = {"Error": ERROR_SCHEMA}
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
