"""finder: find a UK physiotherapist, osteopath or chiropractor and check their registration.

The library (places, directory, search, selfref, registrations, refresh) never needs Flask;
`create_app` loads the web layer only when it is called.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def create_app(config: dict | None = None) -> Flask:
    """Build the Flask app (finder.web.app.create_app). Settings: FINDER_* environment
    variables, then `config` on top."""
    from finder.web.app import create_app as build

    return build(config)
