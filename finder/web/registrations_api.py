"""Registration checks over JSON (or CSV): thin routes over finder.registrations.

- GET  /api/v1/registrations/{register}/{number}          public, rate-limited per client IP
- GET  /api/v1/registrations/{register}/{number}/history  API key
- POST /api/v1/registrations/bulk                          API key; JSON list or text/csv body
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from flask import Blueprint, Response, abort, current_app, jsonify, request
from flask.blueprints import BlueprintSetupState

from finder import db as database
from finder import registrations
from finder.errors import InvalidInput
from finder.registrations import apikeys
from finder.registrations.bulk import BadRow
from finder.web.openapi import error_responses
from finder.web.ratelimit import RateLimiter
from finder.web.requests_db import get_db

bp = Blueprint("registrations_api", __name__, url_prefix="/api/v1")

LIMITER_KEY = "public_rate_limiter"
CLIENTS_KEY = "register_clients"


@bp.record_once
def _make_limiter(state: BlueprintSetupState) -> None:
    # Shared by the API and the check page; tests may swap in one with a fake clock.
    limit = int(state.app.config.get("PUBLIC_RATE_LIMIT", 60))
    state.app.extensions.setdefault(LIMITER_KEY, RateLimiter(limit, 60.0))


# -- helpers shared with the pages ------------------------------------------------------------


def register_clients():
    return current_app.extensions[CLIENTS_KEY]


def retry_after_if_limited() -> int | None:
    """Count a public check from this client; the whole seconds to wait if over the limit."""
    wait = current_app.extensions[LIMITER_KEY].hit(request.remote_addr or "unknown")
    return None if wait is None else max(1, int(wait + 0.999))


def parse_max_age_days(value: str | None) -> timedelta | None:
    """`max_age_days` as a timedelta (None: the library's default freshness)."""
    if value is None or value.strip() == "":
        return None
    try:
        days = float(value)
    except ValueError:
        days = -1.0
    if not 0 <= days <= 3650:
        raise InvalidInput(
            f"max_age_days must be a number of days from 0 to 3650, like 7 (0 always asks the "
            f"register), not {value!r}.",
            code="invalid_max_age",
        )
    return timedelta(days=days)


def json_error(status: int, code: str, message: str, headers: dict | None = None):
    """Stop the request with our JSON error shape and extra headers (Retry-After, ...)."""
    response = jsonify({"error": {"code": code, "message": message}})
    response.status_code = status
    response.headers.update(headers or {})
    abort(response)


def require_api_key() -> str:
    """The key's name, or a 401 saying how to get and send a key."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    challenge = {"WWW-Authenticate": 'Bearer realm="finder"'}
    if scheme.lower() != "bearer" or not token.strip():
        json_error(
            401,
            "api_key_required",
            "This needs an API key: send it as the header 'Authorization: Bearer <key>'. "
            "The service's operator makes keys with `finder keys create NAME`.",
            challenge,
        )
    name = apikeys.verify(get_db(), token.strip())
    if name is None:
        json_error(
            401,
            "invalid_api_key",
            "That API key is not valid, or has been revoked. Ask the service's operator for "
            "a new one.",
            challenge,
        )
    return name


def optional_api_key() -> str | None:
    """The key's name when a Bearer key was sent, None when none was. A key that was sent but
    is not valid is the same 401 as where a key is required: an insurer whose key was revoked
    must be told, not quietly served as the public. Other Authorization schemes (a proxy's
    Basic credentials, say) are not ours, and are ignored."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return require_api_key()


def limit_public_max_age(
    register: str, number: str, max_age: timedelta | None, key: str | None
) -> None:
    """Only an API key may ask for answers newer than the cache policy: anyone else could make
    every check go to the register (and hold it for everybody) with max_age_days=0."""
    if max_age is None:
        return
    register = registrations.normalise_register(register)
    number = registrations.normalise_number(register, number)
    policy = registrations.cache_max_age(register, number, datetime.now(UTC))
    if max_age >= policy or key is not None:
        return
    days = policy / timedelta(days=1)
    json_error(
        403,
        "api_key_required_for_fresh_check",
        f"max_age_days below {days:g} (a fresher answer than the cache keeps) needs an API key "
        "to force a fresh check: send 'Authorization: Bearer <key>', or leave max_age_days out "
        "(the answer says when it was checked).",
    )


def busy_error(error: registrations.RegisterBusy):
    json_error(503, error.code, error.message, {"Retry-After": str(error.retry_after)})


def wants_csv() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/csv"])
    return best == "text/csv"


def csv_response(rows: list[dict], filename: str) -> Response:
    return Response(
        registrations.write_csv(rows),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


# -- routes -----------------------------------------------------------------------------------


@bp.get("/registrations/<register>/<number>")
def check(register: str, number: str):
    key = optional_api_key()
    wait = None if key else retry_after_if_limited()  # the limit is for checks without a key
    if wait is not None:
        json_error(
            429,
            "rate_limited",
            f"Too many checks from your address: wait {wait} seconds and try again. For many "
            "checks at once, ask for an API key and use POST /api/v1/registrations/bulk.",
            {"Retry-After": str(wait)},
        )
    max_age = parse_max_age_days(request.args.get("max_age_days"))
    limit_public_max_age(register, number, max_age, key)
    try:
        result = registrations.check(
            get_db(),
            register,
            number,
            request.args.get("name") or None,
            clients=register_clients(),
            max_age=max_age,
        )
    except registrations.RegisterBusy as error:
        busy_error(error)
    body = result.to_dict()
    if wants_csv():
        return csv_response(
            [flatten(body)], f"{body['register']}-{body['registration_number']}.csv"
        )
    return jsonify(body)


@bp.get("/registrations/<register>/<number>/history")
def history(register: str, number: str):
    require_api_key()
    normalised = registrations.normalise_number(register, number)
    checks = registrations.history(get_db(), register.strip().lower(), normalised)
    if wants_csv():
        return csv_response(checks, f"{register.strip().lower()}-{normalised}-history.csv")
    return jsonify(
        {"register": register.strip().lower(), "registration_number": normalised, "checks": checks}
    )


@bp.post("/registrations/bulk")
def bulk():
    require_api_key()
    max_age = parse_max_age_days(request.args.get("max_age_days"))
    rows = bulk_rows()
    db_path = database.main_db_path(current_app.config["DATA_DIR"])
    needing = registrations.count_needing_register(db_path, rows, max_age=max_age)
    if needing > registrations.MAX_WEB_FETCHES:
        raise registrations.too_many_fetches(needing)
    results = registrations.check_many(
        database.main_db_path(current_app.config["DATA_DIR"]),
        rows,
        clients=register_clients(),
        max_age=max_age,
    )
    if wants_csv():
        return csv_response(results, "registration-checks.csv")
    return jsonify({"count": len(results), "results": results})


def bulk_rows() -> list[dict]:
    """The request body as rows: a CSV file (text/csv) or a JSON list of objects."""
    mimetype = request.mimetype
    if mimetype == "text/csv":
        return registrations.read_csv(request.get_data())
    if mimetype != "application/json":
        json_error(
            415,
            "unsupported_media_type",
            "Send the rows as CSV with 'Content-Type: text/csv', or as a JSON list of objects "
            f"with 'Content-Type: application/json' (got {mimetype or 'no Content-Type'!r}).",
        )
    return json_rows(request.get_data())


def json_rows(data: bytes) -> list[dict]:
    example = '[{"register": "hcpc", "registration_number": "PH123456", "name": "Ellis Example"}]'
    if not data.strip():
        raise InvalidInput(
            f"The body is empty: send a JSON list of rows, like {example}.", code="empty_body"
        )
    try:
        rows = json.loads(data)
    except (ValueError, UnicodeDecodeError) as error:
        raise InvalidInput(
            f"The body is not valid JSON ({error}): send a list of rows, like {example}.",
            code="invalid_json",
        ) from None
    if not isinstance(rows, list) or not rows:
        raise InvalidInput(
            f"Send a non-empty JSON list of rows, like {example}.", code="invalid_json"
        )
    if len(rows) > registrations.MAX_BULK_ROWS:
        raise InvalidInput(
            f"That is {len(rows):,} rows; one request takes at most "
            f"{registrations.MAX_BULK_ROWS:,}. Split the rows into several requests.",
            code="too_many_rows",
            status=413,
        )
    return [as_text_row(index, row) for index, row in enumerate(rows, start=1)]


def as_text_row(index: int, row: object) -> object:
    """A row's values as text, the way read_csv gives them. A row that is not an object, or
    has a list or object as a value, gets its own error from check_many without stopping the
    batch."""
    if not isinstance(row, dict):
        return row
    out = {}
    problems = []
    for key, value in row.items():
        if isinstance(value, (dict, list)):
            problems.append(f'{key} must be text, like "04567", not a list or an object')
        # json.dumps keeps numbers as written (4567 -> "4567"); GCC numbers get their zeros back.
        out[key] = value if value is None or isinstance(value, str) else json.dumps(value)
    if problems:
        return BadRow(out, f"Row {index}: " + "; ".join(problems) + ".")
    return out


def flatten(result: dict) -> dict:
    """A CheckResult dict as one CSV row: name_match as its verdict plus name_match_score."""
    row = {key: value for key, value in result.items() if key != "name_match"}
    match = result.get("name_match") or {}
    row["name_match"] = match.get("verdict")
    row["name_match_score"] = match.get("score")
    return row


# -- OpenAPI ----------------------------------------------------------------------------------

_REGISTER_PARAM = {
    "name": "register",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "enum": ["hcpc", "gosc", "gcc"]},
    "example": "hcpc",
}
_NUMBER_PARAM = {
    "name": "number",
    "in": "path",
    "required": True,
    "schema": {"type": "string"},
    "description": "HCPC: PH and up to 6 digits (PH123456); GOsC: 3-5 digits (9123); "
    "GCC: 5 digits with leading zeros (04567).",
    "example": "PH123456",
}
_MAX_AGE_PARAM = {
    "name": "max_age_days",
    "in": "query",
    "required": False,
    "schema": {"type": "number", "minimum": 0, "maximum": 3650},
    "description": "Answer from the cache only if it was checked this recently; 0 always asks "
    "the register. Default: 7 days (shorter in renewal seasons). Below the default needs an "
    "API key (403 without one).",
}
_KEY_NEEDED = " Needs an API key: send 'Authorization: Bearer <key>'."
_CSV = {"text/csv": {"schema": {"type": "string"}}}


def _ok(description: str, schema: dict) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}, **_CSV}}


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
        ],  # fmt: skip
        "properties": {
            "register": {"type": "string", "enum": ["hcpc", "gosc", "gcc"]},
            "registration_number": {"type": "string"},
            "outcome": {
                "type": "string",
                "enum": ["registered", "restricted", "inactive", "not_found", "unknown"],
            },
            "status_raw": {"type": ["string", "null"], "description": "The register's words"},
            "name_on_register": {"type": ["string", "null"]},
            "name_match": {
                "type": ["object", "null"],
                "description": "null when no name was given, or the register has none (not "
                "found, or unknown with nothing stored)",
                "properties": {
                    "verdict": {"type": "string", "enum": ["exact", "probable", "mismatch"]},
                    "score": {"type": "number", "minimum": 0, "maximum": 100},
                    "name_given": {"type": "string"},
                },
            },
            "checked_at": {"type": ["string", "null"], "format": "date-time"},
            "source_url": {"type": ["string", "null"], "description": "The register's page"},
            "evidence_sha256": {"type": ["string", "null"], "description": "Hash of that page"},
            "stale": {
                "type": "boolean",
                "description": "The last clear answer, given because the register could not "
                "answer now, or answered with a status nobody has mapped yet: see reason",
            },
            "changed": {"type": "boolean", "description": "Differs from the previous check"},
            "reason": {"type": ["string", "null"], "description": "Why unknown or stale"},
        },
    },
    "RegistrationHistory": {
        "type": "object",
        "properties": {
            "register": {"type": "string"},
            "registration_number": {"type": "string"},
            "checks": {
                "type": "array",
                "description": "Newest first",
                "items": {
                    "type": "object",
                    "properties": {
                        "checked_at": {"type": "string", "format": "date-time"},
                        "outcome": {"type": "string"},
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
            "description": "Answers from the cache when fresh enough, else asks the register. "
            "When the register cannot answer, the last good answer comes back with stale: true. "
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
                **error_responses(400, 401, 403, 429, 503),
                "403": {
                    **error_responses(403)["403"],
                    "description": "max_age_days below the default without an API key",
                },
                "503": {
                    **error_responses(503)["503"],
                    "description": "The register is busy and nothing is cached: see Retry-After",
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
            "summary": "Check up to 10,000 registrations at once (API key)",
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
                            "maxItems": 10_000,
                            "items": {"$ref": "#/components/schemas/BulkRow"},
                        }
                    },
                    **_CSV,
                },
            },
            "responses": {
                "200": _ok("One result per row", {"$ref": "#/components/schemas/BulkResult"}),
                **error_responses(400, 401, 413, 415, 422),
            },
        }
    },
}
