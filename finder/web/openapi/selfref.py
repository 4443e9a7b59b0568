"""OpenAPI: GET /self-referral (routes in finder.web.selfref)."""

from __future__ import annotations

from finder import selfref
from finder.web.openapi import error_responses

_SERVICE = {
    "type": "object",
    "required": ["id", "name", "provider", "status", "source_url", "last_verified", "stale"],
    "properties": {
        "id": {"type": "string"},
        "name": {"type": "string"},
        "provider": {"type": "string"},
        "status": {"type": "string", "enum": list(selfref.STATUSES)},
        "covers_part_of_area": {"type": "boolean"},
        "methods": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "code": {"type": "string", "enum": list(selfref.METHODS)},
                    "text": {"type": "string"},
                },
            },
        },
        "url": {"type": ["string", "null"]},
        "phone": {"type": ["string", "null"]},
        "min_age": {"type": ["integer", "null"]},
        "needs_local_gp": {"type": "string", "enum": ["yes", "no", "unknown"]},
        "eligibility": {"type": "string"},
        "source_url": {"type": "string"},
        "last_verified": {"type": "string", "format": "date"},
        "verified_from": {"type": "string", "enum": list(selfref.VERIFIED_FROM)},
        "stale": {
            "type": "boolean",
            "description": f"last_verified is more than {selfref.STALE_AFTER_DAYS} days ago",
        },
        "notes": {"type": ["string", "null"]},
    },
}

SCHEMAS = {
    "SelfReferralService": _SERVICE,
    "SelfReferral": {
        "type": "object",
        "required": [
            "postcode",
            "area",
            "self_referral",
            "headline",
            "services",
            "fallback",
            "gp_practice_caveat",
            "red_flags",
        ],  # fmt: skip
        "properties": {
            "postcode": {"$ref": "#/components/schemas/Location"},
            "area": {
                "type": "object",
                "properties": {
                    "lad": {
                        "type": "object",
                        "properties": {"code": {"type": "string"}, "name": {"type": "string"}},
                    },
                    "nation": {"type": "string"},
                    "nation_name": {"type": "string"},
                    "nhs_areas": {
                        "type": "array",
                        "description": "NHS board (Scotland), local health board (Wales) or "
                        "HSC trust(s) (Northern Ireland); empty for England",
                        "items": {
                            "type": "object",
                            "properties": {
                                "type": {
                                    "type": "string",
                                    "enum": ["health_board", "local_health_board", "hsc_trust"],
                                },
                                "type_name": {"type": "string"},
                                "code": {"type": ["string", "null"]},
                                "name": {"type": "string"},
                                "partial": {"type": "boolean"},
                            },
                        },
                    },
                    "split_between_nhs_areas": {"type": "boolean"},
                },
            },
            "self_referral": {"type": "string", "enum": list(selfref.STATUSES)},
            "headline": {"type": "string"},
            "services": {
                "type": "array",
                "items": {"$ref": "#/components/schemas/SelfReferralService"},
            },
            "fallback": {"$ref": "#/components/schemas/SelfReferralService"},
            "gp_practice_caveat": {"type": "string"},
            "red_flags": {
                "type": "object",
                "properties": {
                    "symptoms": {"type": "array", "items": {"type": "string"}},
                    "action": {"type": "string"},
                    "see_gp_first": {"type": "array", "items": {"type": "string"}},
                },
            },
        },
    },
}

OPENAPI_PATHS = {
    "/self-referral": {
        "get": {
            "summary": "Can I refer myself to NHS physiotherapy near this postcode?",
            "description": "The NHS area, the self-referral services covering it (with source "
            "and last-verified date), the nation's fallback advice, the GP-practice caveat and "
            "red-flag advice. Eligibility usually follows the GP practice, not the address.",
            "parameters": [
                {
                    "name": "postcode",
                    "in": "query",
                    "required": True,
                    "schema": {"type": "string"},
                    "example": "G1 1AB",
                }
            ],
            "responses": {
                "200": {
                    "description": "The self-referral answer",
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/SelfReferral"}
                        }
                    },
                },
                **error_responses(400, 404, 503),
            },
        }
    },
}
