"""OpenAPI: GET /self-referral (routes in finder.web.selfref)."""

from __future__ import annotations

from finder import selfref
from finder.places import nhs_areas
from finder.web.openapi import error_responses

_SERVICE = {
    "type": "object",
    "required": [
        "id",
        "name",
        "provider",
        "status",
        "source_url",
        "source_date",
        "read_on",
        "stale",
    ],  # fmt: skip
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
        "source_date": {
            "type": "string",
            "description": "the source page's own date (YYYY, YYYY-MM or YYYY-MM-DD) or 'undated'",
        },
        "source_date_text": {"type": ["string", "null"], "example": "16 May 2024"},
        "source_strength": {
            "type": "string",
            "enum": ["recent", "older", "old", "undated"],
            "description": f"recent: within {selfref.evidence.RECENT_YEARS} years; old: more "
            f"than {selfref.evidence.OLD_YEARS} years",
        },
        "source_older_than_3_years": {"type": "boolean"},
        "read_on": {"type": "string", "format": "date", "description": "when it was read"},
        "last_verified": {"type": "string", "format": "date", "description": "= read_on"},
        "verified_from": {"type": "string", "enum": list(selfref.VERIFIED_FROM)},
        "evidence_quote": {
            "type": ["string", "null"],
            "description": "at most 25 words quoted from the source",
        },
        "stale": {
            "type": "boolean",
            "description": f"read more than {selfref.STALE_AFTER_DAYS} days ago, or the source "
            f"is more than {selfref.evidence.RECENT_YEARS} years old",
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
                        "description": "Integrated care board(s) (England), NHS board "
                        "(Scotland), local health board (Wales) or HSC trust(s) (Northern "
                        "Ireland), then any community MSK service area covering part of it",
                        "items": {
                            "type": "object",
                            "properties": {
                                "type": {
                                    "type": "string",
                                    "enum": list(nhs_areas.TYPE_NAMES),
                                },
                                "type_name": {"type": "string"},
                                "code": {"type": ["string", "null"]},
                                "name": {"type": "string"},
                                "partial": {"type": "boolean"},
                            },
                        },
                    },
                    "split_between_nhs_areas": {"type": "boolean"},
                    "postcode_district_rule": {
                        "type": ["object", "null"],
                        "description": "set when the postcode district settles which NHS "
                        "area of a split council serves it (e.g. BT34: Southern Trust)",
                    },
                },
            },
            "self_referral": {"type": "string", "enum": list(selfref.STATUSES)},
            "headline": {
                "type": "string",
                "description": "'Yes' only on a recent dated source; 'Probably: a 2024 page "
                "says…' on an older or undated one; 'Not known' without one",
            },
            "headline_source": {"type": ["string", "null"], "description": "a service id"},
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
            "description": "The NHS area, the self-referral services covering it (with source, "
            "the source's own date, the day it was read and a short quote), the nation's "
            "fallback advice, the GP-practice caveat and "
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
