"""OpenAPI: the registration checks (routes in finder.web.registrations_api)."""

from __future__ import annotations

from finder.registrations import DEFAULT_MAX_AGE, MAX_BULK_ROWS, NUMBER_FORMATS
from finder.registrations.namematch import EXACT, MISMATCH, PROBABLE
from finder.vocabulary import OUTCOMES, REASON_CODES, REGISTER, REGISTERS
from finder.web.openapi import error_responses, timestamp
from finder.web.registrations_api import MAX_AGE_DAYS

# "HCPC: PH and 1 to 6 digits (PH123456); ...", from the rules normalise_number applies.
_NUMBER_FORMATS = "; ".join(
    f"{REGISTER[code].short_name}: {NUMBER_FORMATS[code]} ({REGISTER[code].number_example})"
    for code in REGISTERS
)
_DEFAULT_DAYS = f"{DEFAULT_MAX_AGE.days} days"

_REGISTER_PARAM = {
    "name": "register",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "enum": list(REGISTERS)},
    "example": REGISTERS[0],
}
_NUMBER_PARAM = {
    "name": "number",
    "in": "path",
    "required": True,
    "schema": {"type": "string"},
    "description": _NUMBER_FORMATS + ". Spaces are ignored.",
    "example": REGISTER[REGISTERS[0]].number_example,
}
_MAX_AGE_PARAM = {
    "name": "max_age_days",
    "in": "query",
    "required": False,
    "schema": {"type": "number", "minimum": 0, "maximum": MAX_AGE_DAYS},
    "description": "Answer from the cache only if it was checked this recently; 0 always asks "
    f"the register. Default: {_DEFAULT_DAYS} (shorter in renewal seasons). Below the default "
    "needs an API key (403 without one).",
}
_KEY_NEEDED = " Needs an API key: send 'Authorization: Bearer <key>'."
_CSV = {"text/csv": {"schema": {"type": "string"}}}


def _ok(description: str, schema: dict) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}, **_CSV}}


_RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds after which asking again is likely to be answered",
        "schema": {"type": "integer", "minimum": 1},
    }
}

_REGISTER_NOTICE = {
    "type": ["string", "null"],
    "description": "In plain words, when the register changed its pages and its answers are the "
    "last ones finder could read (GET /healthz has the times); null while they are understood",
}

SCHEMAS = {
    "RegistrationCheck": {
        "type": "object",
        "required": [
            "register",
            "registration_number",
            "outcome",
            "status_raw",
            "name_on_register",
            "name_match",
            "checked_at",
            "source_url",
            "evidence_sha256",
            "stale",
            "changed",
            "reason",
            "reason_code",
            "register_notice",
        ],  # fmt: skip
        "properties": {
            "register": {"type": "string", "enum": list(REGISTERS)},
            "registration_number": {"type": "string"},
            "outcome": {"type": "string", "enum": list(OUTCOMES)},
            "status_raw": {"type": ["string", "null"], "description": "The register's words"},
            "name_on_register": {"type": ["string", "null"]},
            "name_match": {
                "type": ["object", "null"],
                "description": "null when no name was given, or the register has none (not "
                "found, or unknown with nothing stored)",
                "properties": {
                    "verdict": {"type": "string", "enum": [EXACT, PROBABLE, MISMATCH]},
                    "score": {"type": "number", "minimum": 0, "maximum": 100},
                    "name_given": {"type": "string"},
                },
            },
            "checked_at": timestamp(nullable=True),
            "source_url": {"type": ["string", "null"], "description": "The register's page"},
            "evidence_sha256": {"type": ["string", "null"], "description": "Hash of that page"},
            "stale": {
                "type": "boolean",
                "description": "The last clear answer, given because the register could not "
                "answer now, or answered with a status nobody has mapped yet: see reason",
            },
            "changed": {"type": "boolean", "description": "Differs from the previous check"},
            "reason": {"type": ["string", "null"], "description": "Why unknown or stale"},
            "reason_code": {
                "type": ["string", "null"],
                "enum": [*REASON_CODES, "other", None],
                "description": "The reason as a stable code (null when there is none)",
            },
            "register_notice": _REGISTER_NOTICE,
        },
    },
    "CheckInProgress": {
        "type": "object",
        "required": ["register", "registration_number", "status", "retry_after", "message"],
        "properties": {
            "register": {"type": "string", "enum": list(REGISTERS)},
            "registration_number": {"type": "string"},
            "status": {"type": "string", "enum": ["checking"]},
            "retry_after": {"type": "integer", "minimum": 1, "description": "Seconds"},
            "message": {"type": "string"},
            "register_notice": _REGISTER_NOTICE,
        },
    },
    "RegistrationHistory": {
        "type": "object",
        "properties": {
            "register": {"type": "string", "enum": list(REGISTERS)},
            "registration_number": {"type": "string"},
            "checks": {
                "type": "array",
                "description": "Newest first",
                "items": {
                    "type": "object",
                    "properties": {
                        "checked_at": timestamp(),
                        "outcome": {"type": "string", "enum": list(OUTCOMES)},
                        "status_raw": {"type": ["string", "null"]},
                        "name_on_register": {"type": ["string", "null"]},
                        "source_url": {"type": ["string", "null"]},
                        "evidence_sha256": {"type": ["string", "null"]},
                        "changed": {"type": "boolean"},
                        "reason": {"type": ["string", "null"]},
                    },
                },
            },
        },
    },
    "BulkRow": {
        "type": "object",
        "required": ["register", "registration_number"],
        "description": "Any extra string fields are passed through to the result",
        "properties": {
            "register": {"type": "string"},
            "registration_number": {"type": "string"},
            "name": {"type": "string"},
        },
        "additionalProperties": {"type": "string"},
    },
    "BulkResult": {
        "type": "object",
        "properties": {
            "count": {"type": "integer"},
            "results": {
                "type": "array",
                "description": "One per input row, in order: the input fields, then the check "
                "(name_match as its verdict plus name_match_score), or `error` for a bad row",
                "items": {"type": "object"},
            },
        },
    },
}

OPENAPI_PATHS = {
    "/registrations/{register}/{number}": {
        "get": {
            "summary": "Check one registration (public; rate-limited per client without a key)",
            "description": "Answers from the cache when fresh enough, else asks the register, "
            "waiting a few seconds at most (FINDER_CHECK_WAIT): past that, the last good answer "
            "comes back with stale: true and reason_code 'checking' and a Retry-After header, "
            "or, with nothing stored, a 202 saying when to ask again; the check goes on and is "
            "stored. When the register cannot answer, the last good answer comes back with "
            "stale: true. "
            "Send 'Accept: text/csv' for CSV. With an API key the public rate limit does not "
            "apply; a key that is not valid is a 401.",
            "parameters": [
                _REGISTER_PARAM,
                _NUMBER_PARAM,
                {
                    "name": "name",
                    "in": "query",
                    "required": False,
                    "schema": {"type": "string"},
                    "description": "The name you hold, to match against the register's",
                },
                _MAX_AGE_PARAM,
            ],
            "responses": {
                "200": _ok("The check", {"$ref": "#/components/schemas/RegistrationCheck"}),
                "202": {
                    "description": "Being checked with the register now, never checked here "
                    "before: ask again after Retry-After seconds (JSON, whatever was asked for)",
                    "headers": _RETRY_AFTER,
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/CheckInProgress"}
                        }
                    },
                },
                **error_responses(400, 401, 403, 429, 503),
                "403": {
                    **error_responses(403)["403"],
                    "description": "max_age_days below the default without an API key",
                },
                "503": {
                    **error_responses(503)["503"],
                    "description": "Too many checks wait for this register, or the check could "
                    "not be completed here and nothing is stored: see Retry-After",
                    "headers": _RETRY_AFTER,
                },
            },
        }
    },
    "/registrations/{register}/{number}/history": {
        "get": {
            "summary": "Every check made of one registration, newest first (API key)",
            "description": "Send 'Accept: text/csv' for CSV." + _KEY_NEEDED,
            "security": [{"apiKey": []}],
            "parameters": [_REGISTER_PARAM, _NUMBER_PARAM],
            "responses": {
                "200": _ok("The checks", {"$ref": "#/components/schemas/RegistrationHistory"}),
                **error_responses(400, 401, 404),
            },
        }
    },
    "/registrations/bulk": {
        "post": {
            "summary": f"Check up to {MAX_BULK_ROWS:,} registrations at once (API key)",
            "security": [{"apiKey": []}],
            "description": "Body: a JSON list of rows, or a CSV file (columns register, "
            "registration_number, optional name, any others kept) with Content-Type text/csv. "
            "A bad row gets its own error and never stops the batch. 'Accept: text/csv' "
            "returns CSV." + _KEY_NEEDED,
            "parameters": [_MAX_AGE_PARAM],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "array",
                            "maxItems": MAX_BULK_ROWS,
                            "items": {"$ref": "#/components/schemas/BulkRow"},
                        }
                    },
                    **_CSV,
                },
            },
            "responses": {
                "200": _ok("One result per row", {"$ref": "#/components/schemas/BulkResult"}),
                "202": {
                    **_ok(
                        "One result per row; some rows are still with their register (their "
                        "error says so, or their stored answer is marked stale): send them "
                        "again after Retry-After seconds",
                        {"$ref": "#/components/schemas/BulkResult"},
                    ),
                    "headers": _RETRY_AFTER,
                },
                **error_responses(400, 401, 413, 415, 422, 503),
            },
        }
    },
}
