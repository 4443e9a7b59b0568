"""OpenAPI: GET /postcodes/{postcode} (routes in finder.web.api)."""

from __future__ import annotations

from finder.places.areas import NATIONS
from finder.web.openapi import error_responses

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
            "nation": {"type": "string", "enum": list(NATIONS)},
            "note": {"type": "string"},
        },
    },
}
