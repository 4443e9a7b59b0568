"""Every error becomes a response here, in one place: JSON under /api/, a page elsewhere."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from finder.errors import FinderError

log = logging.getLogger(__name__)

MESSAGES = {
    404: "There is no page at this address.",
    405: "This address does not accept that kind of request.",
    413: "That upload is too large.",
    429: "Too many requests: wait a minute and try again.",
}


def describe_size(size: int) -> str:
    """A byte count for people: '5 MB', '1.5 MB', '512 KB' (below 1 MB), '900 bytes'."""
    if size >= 1024 * 1024:
        return f"{round(size / (1024 * 1024), 1):g} MB"
    if size >= 1024:
        return f"{round(size / 1024, 1):g} KB"
    return f"{size} bytes"


def wants_json() -> bool:
    return request.path.startswith("/api/")


def error_response(status: int, code: str, message: str, headers: dict[str, str] | None = None):
    if wants_json():
        return jsonify({"error": {"code": code, "message": message}}), status, headers or {}
    return render_template("error.html", status=status, message=message), status, headers or {}


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(FinderError)
    def finder_error(error: FinderError):
        return error_response(error.status, error.code, error.message, error.headers)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        status = error.code or 500
        code = (error.name or "error").lower().replace(" ", "_")
        message = MESSAGES.get(status) or error.description or error.name
        if status == 413:
            limit = app.config["MAX_CONTENT_LENGTH"]
            message = f"That upload is too large: the limit is {describe_size(limit)}."
        return error_response(status, code, message, _own_headers(error))

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(
            500, "internal_error", "Something went wrong on our side. Please try again later."
        )


def _own_headers(error: HTTPException) -> dict[str, str]:
    """The headers the error itself carries, without its HTML body's Content-Type: `Allow`
    on a 405 (RFC 9110 requires it), `Retry-After` or `WWW-Authenticate` where given."""
    return {name: value for name, value in error.get_headers() if name.lower() != "content-type"}
