"""Registration checks over JSON (or CSV): routes over finder.registrations.

- GET  /api/v1/registrations/{register}/{number}          public, rate-limited per client IP
- GET  /api/v1/registrations/{register}/{number}/history  API key
- POST /api/v1/registrations/bulk                          API key; JSON list or text/csv body

Auth and the rate limit are in finder.web.auth, the OpenAPI description in
finder.web.openapi.registrations.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, current_app, jsonify, request

from finder import db as database
from finder import registrations
from finder.errors import FinderError, InvalidInput
from finder.registrations import health
from finder.registrations.background import check_rows_within, check_within
from finder.vocabulary import REGISTER_NAMES, seconds
from finder.web.auth import (
    background_checks,
    check_wait,
    optional_api_key,
    require_api_key,
    retry_after_if_limited,
)
from finder.web.presenters import csv_download
from finder.web.requests_db import get_db

bp = Blueprint("registrations_api", __name__, url_prefix="/api/v1")

MAX_AGE_DAYS = 3650  # the most max_age_days may be


@bp.get("/registrations/<register>/<number>")
def check(register: str, number: str):
    key = optional_api_key()
    wait = None if key else retry_after_if_limited()  # the limit is for checks without a key
    if wait is not None:
        raise FinderError(
            f"Too many checks from your address: wait {wait} seconds and try again. For many "
            "checks at once, ask for an API key and use POST /api/v1/registrations/bulk.",
            code="rate_limited",
            status=429,
            headers={"Retry-After": str(wait)},
        )
    max_age = max_age_param()
    registrations.limit_public_max_age(register, number, max_age, has_key=key is not None)
    answer = check_within(
        get_db(),
        background_checks(),
        register,
        number,
        request.args.get("name") or None,
        deadline=check_wait(),
        max_age=max_age,
    )
    waiting = {"Retry-After": str(answer.retry_after)} if answer.retry_after else {}
    if answer.result is None:
        return still_checking(register, number, answer.retry_after)
    result = answer.result
    if wants_csv():
        filename = f"{result.register}-{result.registration_number}.csv"
        response = csv_download([registrations.flat_result(result)], filename)
        response.headers.update(waiting)
        return response
    body = {**result.to_dict(), "register_notice": health.notice(get_db(), result.register)}
    return jsonify(body), 200, waiting


def still_checking(register: str, number: str, retry_after: int):
    """202: the register is being asked and nothing is stored yet; ask again after a while."""
    register = registrations.normalise_register(register)
    number = registrations.normalise_number(register, number)
    body = {
        "register": register,
        "registration_number": number,
        "status": "checking",
        "retry_after": retry_after,
        "message": (
            f"This registration is being checked with the {REGISTER_NAMES[register]} register "
            f"now and has not been checked here before: ask again in {seconds(retry_after)}."
        ),
        "register_notice": health.notice(get_db(), register),
    }
    return jsonify(body), 202, {"Retry-After": str(retry_after)}


@bp.get("/registrations/<register>/<number>/history")
def history(register: str, number: str):
    require_api_key()
    register = register.strip().lower()
    number = registrations.normalise_number(register, number)
    checks = registrations.history(get_db(), register, number)
    if wants_csv():
        return csv_download(checks, f"{register}-{number}-history.csv")
    return jsonify({"register": register, "registration_number": number, "checks": checks})


@bp.post("/registrations/bulk")
def bulk():
    require_api_key()
    max_age = max_age_param()
    results, later = check_rows_within(
        database.main_db_path(current_app.config["DATA_DIR"]),
        body_rows(),
        background_checks(),
        deadline=check_wait(),
        max_age=max_age,
        max_fetches=registrations.MAX_WEB_FETCHES,
    )
    # 202 while some rows are still with their register: send the same rows again after
    # Retry-After, and those come from the cache.
    status, waiting = (202, {"Retry-After": str(later)}) if later else (200, {})
    if wants_csv():
        response = csv_download(results, "registration-checks.csv")
        response.status_code = status
        response.headers.update(waiting)
        return response
    return jsonify({"count": len(results), "results": results}), status, waiting


def max_age_param() -> timedelta | None:
    """`max_age_days` as a timedelta (None: the library's default freshness)."""
    value = request.args.get("max_age_days")
    if value is None or value.strip() == "":
        return None
    try:
        days = float(value)
    except ValueError:
        days = -1.0
    if not 0 <= days <= MAX_AGE_DAYS:
        raise InvalidInput(
            f"max_age_days must be a number of days from 0 to {MAX_AGE_DAYS}, like 7 (0 always "
            f"asks the register), not {value!r}.",
            code="invalid_max_age",
        )
    return timedelta(days=days)


def body_rows() -> list[dict]:
    """The request body as rows: a CSV file (text/csv) or a JSON list of objects."""
    if request.mimetype == "text/csv":
        return registrations.read_csv(request.get_data())
    if request.mimetype == "application/json":
        return registrations.read_json_rows(request.get_data())
    raise FinderError(
        "Send the rows as CSV with 'Content-Type: text/csv', or as a JSON list of objects "
        f"with 'Content-Type: application/json' (got {request.mimetype or 'no Content-Type'!r}).",
        code="unsupported_media_type",
        status=415,
    )


def wants_csv() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/csv"])
    return best == "text/csv"
