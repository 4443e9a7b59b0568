"""The Flask application factory: settings, logging, security headers, error handlers,
blueprints, the rate limiter and the register clients."""

from __future__ import annotations

import secrets
from pathlib import Path

from flask import Flask

from finder import config as settings
from finder import db as database
from finder.logs import configure_logging
from finder.registrations import clients_from_config
from finder.web import (
    api,
    auth,
    check_pages,
    errors,
    pages,
    presenters,
    reader_role,
    registrations_api,
    requests_db,
    security,
    watchlists,
)
from finder.web import search as search_web
from finder.web import selfref as selfref_web
from finder.web.json_provider import OrjsonProvider
from finder.web.ratelimit import RateLimiter

ROOT = Path(__file__).resolve().parent.parent.parent


def create_app(config: dict | None = None) -> Flask:
    """Build the Flask app. Settings: FINDER_* environment variables, then `config` on top."""
    configure_logging()  # here, so gunicorn and waitress-serve log like `finder serve`
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.update(settings.from_environment())
    app.config.update(config or {})
    app.config["SECRET_KEY"] = app.config["SECRET_KEY"] or secrets.token_hex(32)
    app.config["MAX_CONTENT_LENGTH"] = app.config["MAX_UPLOAD_BYTES"]
    app.json = OrjsonProvider(app)

    app.config["ROLE"] = reader_role.role(app.config)
    if app.config["ROLE"] == "reader":
        reader_role.init_app(app)  # its copy of finder.db is read-only, and migrated already
    else:
        # Apply migrations once at start-up, not on every request.
        database.open_main(app.config["DATA_DIR"]).close()

    security.init_app(app)
    requests_db.init_app(app)
    errors.register_error_handlers(app)
    presenters.init_app(app)
    app.register_blueprint(pages.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(selfref_web.bp)
    app.register_blueprint(search_web.bp)
    app.register_blueprint(registrations_api.bp)
    app.register_blueprint(check_pages.bp)
    app.register_blueprint(watchlists.bp)
    # Shared by every request (the API and the check page), so the limit and the registers'
    # politeness hold across threads; tests replace them.
    app.extensions[auth.LIMITER_KEY] = RateLimiter(int(app.config["PUBLIC_RATE_LIMIT"]), 60.0)
    app.extensions[auth.CLIENTS_KEY] = clients_from_config(
        app.config, deadline=float(app.config["WEB_FETCH_DEADLINE"])
    )
    return app
