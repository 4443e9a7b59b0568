"""NHS physiotherapy self-referral: the page "Can I refer myself to NHS physiotherapy?" and
GET /api/v1/self-referral?postcode=. Both are thin layers over finder.selfref.answer()."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template, request

from finder import selfref
from finder.errors import InvalidInput, NotCovered, NotFound
from finder.web.requests_db import reader_postcodes

bp = Blueprint("selfref", __name__)


@bp.get("/self-referral")
def page():
    text = request.args.get("postcode")
    if text is None:
        return render_template("selfref.html", postcode="", error=None, selfref=None)
    try:
        answer = selfref.answer(reader_postcodes().lookup(text))
    except (InvalidInput, NotFound, NotCovered) as error:
        return render_template(
            "selfref.html", postcode=text, error=error.message, selfref=None
        ), error.status
    return render_template("selfref.html", postcode=text, error=None, selfref=answer)


@bp.get("/api/v1/self-referral")
def api():
    location = reader_postcodes().lookup(request.args.get("postcode", ""))
    return jsonify(selfref.answer(location))
