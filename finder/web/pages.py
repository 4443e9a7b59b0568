"""HTML pages. Feature pages live in their own blueprints; this one holds the shared ones."""

from __future__ import annotations

import sqlite3

from flask import Blueprint, current_app, jsonify, render_template, send_from_directory

from finder.errors import DataMissing
from finder.registrations import health
from finder.web import reader_role
from finder.web.requests_db import get_db, get_postcodes, reader_db

bp = Blueprint("pages", __name__)

# (endpoint, label) of the links in every page's header.
NAV_LINKS = [
    ("pages.home", "Find a practitioner"),
    ("selfref.page", "NHS physio self-referral"),
    ("check_pages.check", "Check a registration"),
    ("pages.about", "About"),
]


@bp.app_context_processor
def layout_context() -> dict:
    return {"nav_links": NAV_LINKS, "sample_data": _sample_data()}


def _sample_data() -> bool:
    """Whether the directory lists sample (fictional) practices: every page then says so."""
    from finder.directory import has_sample_data

    try:
        return has_sample_data(reader_db())
    except (sqlite3.Error, DataMissing):  # an error page must render without the database
        return False


@bp.get("/")
def home():
    return render_template("home.html")


@bp.get("/about")
def about():
    return render_template("about.html")


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico whatever the page links (and bookmarks keep it)."""
    return send_from_directory(
        current_app.static_folder, "favicon.ico", mimetype="image/vnd.microsoft.icon"
    )


@bp.get("/healthz")
def healthz():
    """Process up, main database readable, postcode table present; and, per register, whether
    its pages are still understood (informational: a redesigned register leaves the service
    up, answering with the last known states)."""
    checks = {}
    registers = {}
    try:
        db = get_db()
        db.execute("select 1").fetchone()
        checks["database"] = "ok"
        registers = health.states(db)
    except Exception as error:  # noqa: BLE001 - reported, not raised: this is the health page
        checks["database"] = f"error: {error}"
    try:
        checks["postcodes"] = f"ok ({get_postcodes().count()} postcodes)"
    except Exception as error:  # noqa: BLE001
        checks["postcodes"] = f"error: {getattr(error, 'message', error)}"
    if reader_role.is_reader():
        try:
            checks["replication"], replication = reader_role.health(get_db())
        except Exception as error:  # noqa: BLE001
            checks["replication"], replication = f"error: {error}", {"role": "reader"}
    healthy = all(value.startswith("ok") for value in checks.values())
    answer = {"status": "ok" if healthy else "error", "checks": checks, "registers": registers}
    if reader_role.is_reader():
        answer["replication"] = replication
    return jsonify(answer), (200 if healthy else 503)
