"""The "Check a registration" page and the insurers' CSV upload page.

Thin layers over finder.registrations, like the API. Both work without JavaScript: the check is
a GET form (so a result has a shareable address), the upload a POST form with a CSRF token that
answers with a CSV file to download.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, current_app, render_template, request
from werkzeug.exceptions import RequestEntityTooLarge

from finder import db as database
from finder import registrations
from finder.errors import InvalidInput
from finder.registrations import apikeys, health
from finder.registrations.background import QueueFull, check_rows_within, check_within
from finder.vocabulary import NUMBER_EXAMPLES, REGISTER, plain_reason
from finder.web.auth import (
    background_checks,
    check_wait,
    retry_after_if_limited,
)
from finder.web.csrf import CsrfError, csrf_token, verify_csrf
from finder.web.errors import describe_size
from finder.web.presenters import csv_download, register_info
from finder.web.requests_db import get_db

bp = Blueprint("check_pages", __name__)


@bp.app_context_processor
def check_context() -> dict:
    return {"csrf_token": csrf_token, "plain_reason": plain_reason}


def form_errors(register: str, number: str) -> dict[str, str]:
    errors = {}
    if register not in REGISTER:
        errors["register"] = "Choose the register: HCPC, GOsC or GCC."
    if not number.strip():
        example = NUMBER_EXAMPLES.get(register, "PH123456")
        errors["number"] = f"Enter a registration number, for example {example}."
    return errors


@bp.get("/check")
def check():
    if not request.args:
        return render_template("check.html", form={}, errors={})
    form = {
        "register": request.args.get("register", "").strip().lower(),
        "number": request.args.get("number", ""),
        "name": request.args.get("name", ""),
    }
    errors = form_errors(form["register"], form["number"])
    if errors:
        return render_template("check.html", form=form, errors=errors), 400
    wait = retry_after_if_limited()
    if wait is not None:
        errors = {"number": f"You have made many checks in a short time: wait {wait} seconds "
                  "and try again."}  # fmt: skip
        return (
            render_template("check.html", form=form, errors=errors),
            429,
            {"Retry-After": str(wait)},
        )
    try:
        answer = check_within(
            get_db(),
            background_checks(),
            form["register"],
            form["number"],
            form["name"].strip() or None,
            deadline=check_wait(),
        )
    except InvalidInput as error:
        field = "register" if error.code == "invalid_register" else "number"
        return render_template("check.html", form=form, errors={field: error.message}), 400
    except (registrations.RegisterBusy, QueueFull) as error:
        return (
            render_template("check.html", form=form, errors={"number": error.message}),
            503,
            error.headers,
        )
    register = register_info(form["register"])
    waiting = {"Retry-After": str(answer.retry_after)} if answer.retry_after else {}
    if answer.result is None:
        page = render_template(
            "check_pending.html",
            form=form,
            errors={},
            register=register,
            number=registrations.normalise_number(form["register"], form["number"]),
            retry_after=answer.retry_after,
            notice=health.notice(get_db(), register["code"]),
        )
        return page, 202, waiting
    body = answer.result.to_dict()
    notice = health.notice(get_db(), register["code"])
    page = render_template(
        "check_result.html", form=form, errors={}, result=body, register=register, notice=notice
    )
    return page, 200, waiting


@bp.get("/check/bulk")
def bulk():
    return upload_page({}, 200)


@bp.post("/check/bulk")
def bulk_upload():
    try:
        verify_csrf()
        upload = request.files.get("file")
        api_key = request.form.get("api_key", "").strip()
    except RequestEntityTooLarge:
        limit = describe_size(current_app.config["MAX_CONTENT_LENGTH"])
        message = f"The file is larger than the {limit} limit: split it into smaller files."
        return upload_page({"file": message}, 413)
    except CsrfError as error:
        return upload_page({"form": error.message}, 400)
    errors = {}
    if not api_key:
        errors["api_key"] = "Enter your API key. The service's operator gives insurers one."
    elif apikeys.verify(get_db(), api_key) is None:
        errors["api_key"] = "That API key is not valid, or has been revoked."
    if upload is None or not upload.filename:
        errors["file"] = "Choose a CSV file to check."
    if errors:
        return upload_page(errors, 401 if "api_key" in errors else 400)
    try:
        results, later = check_rows_within(
            database.main_db_path(current_app.config["DATA_DIR"]),
            registrations.read_csv(upload.read()),
            background_checks(),
            deadline=check_wait(),
            max_fetches=registrations.MAX_WEB_FETCHES,
        )
    except InvalidInput as error:
        return upload_page({"file": error.message}, error.status)
    except QueueFull as error:
        page, status = upload_page({"file": error.message}, 503)
        return page, status, error.headers
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    response = csv_download(results, f"registration-checks-{stamp}.csv")
    if later:  # rows still with their register say so; the same file later gets them all
        response.headers["Retry-After"] = str(later)
    return response


def upload_page(errors: dict[str, str], status: int):
    return render_template(
        "bulk_upload.html",
        errors=errors,
        # The page says "{max_mb} MB": a fraction below 1 MB, never "0 MB".
        max_mb=f"{round(current_app.config['MAX_CONTENT_LENGTH'] / (1024 * 1024), 2):g}",
        max_rows=registrations.MAX_BULK_ROWS,
        max_fetches=registrations.MAX_WEB_FETCHES,
    ), status
