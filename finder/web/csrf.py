"""CSRF protection for our few POST forms: a signed token tied to the visitor's session.

The session (a signed cookie) holds a random secret; a form carries that secret signed with a
timestamp. A POST is accepted only when the token is valid, recent and matches the session's
secret, so another site cannot submit the form on a visitor's behalf. No extra dependency:
itsdangerous ships with Flask.
"""

from __future__ import annotations

import hmac
import secrets

from flask import current_app, request, session
from itsdangerous import BadData, URLSafeTimedSerializer

FIELD = "csrf_token"
SESSION_KEY = "csrf_secret"
MAX_AGE_SECONDS = 4 * 60 * 60  # long enough to find and pick a file, short enough to expire


class CsrfError(Exception):
    """The form's token is missing, expired or not this visitor's."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="finder-csrf")


def csrf_token() -> str:
    """The token to put in a form's hidden `csrf_token` field (a Jinja global)."""
    if SESSION_KEY not in session:
        session[SESSION_KEY] = secrets.token_urlsafe(32)
    return _serializer().dumps(session[SESSION_KEY])


def verify_csrf() -> None:
    """Raise CsrfError unless the submitted form carries this session's token."""
    token = request.form.get(FIELD, "")
    expected = session.get(SESSION_KEY)
    if not token or not expected:
        raise CsrfError(
            "This form could not be sent: it has no security token, or your browser did not "
            "keep our cookie. Open the form again (cookies must be allowed) and send it."
        )
    try:
        secret = _serializer().loads(token, max_age=MAX_AGE_SECONDS)
    except BadData:
        raise CsrfError(
            "This form has expired or was not made by this site. Open the form again and send it."
        ) from None
    if not hmac.compare_digest(str(secret), str(expected)):
        raise CsrfError(
            "This form was not made for you by this site. Open the form again and send it."
        )
