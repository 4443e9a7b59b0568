"""What every answer carries for the browser's protection, and what the app trusts of a proxy.

- Security headers on every answer (pages, API, errors, static files): a strict
  Content-Security-Policy (our own files only, no inline script or style: the pages need
  neither; images also from the map tiles' host, FINDER_MAP_TILES), no MIME sniffing, no
  framing, a referrer that does not leak our URLs' queries
  (a searched postcode) to other sites.
- The session cookie (it holds the CSRF secret) is SameSite=Lax, HttpOnly, and Secure when
  FINDER_HTTPS says visitors come over HTTPS.
- Behind FINDER_PROXIES reverse proxies, their X-Forwarded-For and X-Forwarded-Proto are
  trusted (werkzeug's ProxyFix), so the rate limit counts the real visitor and links are https.
- An address longer than MAX_URL_LENGTH is a 414 in our error shape, before any view runs.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, current_app, request
from werkzeug.middleware.proxy_fix import ProxyFix

from finder.errors import FinderError


def content_security_policy(map_tiles: str = "") -> str:
    """The policy: our own files only, and images from the map tiles' host when there is a map."""
    images = " ".join(["img-src 'self' data:", tile_source(map_tiles)]).strip()
    return "; ".join(
        [
            "default-src 'self'",
            images,
            "style-src 'self'",
            "object-src 'none'",
            "frame-ancestors 'none'",
            "base-uri 'none'",
            "form-action 'self'",
        ]
    )


def tile_source(map_tiles: str) -> str:
    """The CSP source of a tile address: 'https://{s}.tile.example/{z}/{x}/{y}.png' ->
    'https://*.tile.example'; "" for no map. ValueError for an address that is not one."""
    if not map_tiles:
        return ""
    parts = urlsplit(map_tiles)
    host = parts.netloc.replace("{s}", "*")
    placeholders = all(name in map_tiles for name in ("{z}", "{x}", "{y}"))
    if parts.scheme not in ("https", "http") or not host or "{" in host or not placeholders:
        raise ValueError(
            f"FINDER_MAP_TILES={map_tiles!r} is not valid: expected an https:// address with "
            "{z}, {x} and {y} (http:// for a local tile server), or empty for no map"
        )
    return f"{parts.scheme}://{host}"


CONTENT_SECURITY_POLICY = content_security_policy()  # without a map
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",  # frame-ancestors' twin, for browsers that predate CSP 2
    "Referrer-Policy": "strict-origin-when-cross-origin",
}
# Sent only when FINDER_HTTPS is set: over plain HTTP it would be ignored, and a mistake
# in it locks visitors out of a site that is not (yet) on HTTPS. One year, the usual value.
STRICT_TRANSPORT_SECURITY = "max-age=31536000"
# Our longest addresses (a results page with every choice) are under 200 characters; browsers
# and proxies handle 2,000 everywhere. Longer ones are hand-made, and answered here in our
# error shape before the WSGI server's own limit (docs/operations.md) is reached.
MAX_URL_LENGTH = 2048


def init_app(app: Flask) -> None:
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SECURE"] = bool(app.config["HTTPS"])
    proxies = int(app.config["PROXIES"])
    if proxies < 0:
        raise ValueError(f"FINDER_PROXIES={proxies} is not valid: expected 0 or more")
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)
    app.config["CONTENT_SECURITY_POLICY"] = content_security_policy(app.config["MAP_TILES"])
    app.before_request(refuse_long_urls)
    app.after_request(add_security_headers)


def url_length(environ: dict) -> int:
    """The length of the address as the client sent it (path and query)."""
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if raw:
        return len(raw)
    query = environ.get("QUERY_STRING", "")
    path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
    return len(path) + (len(query) + 1 if query else 0)


def refuse_long_urls() -> None:
    if url_length(request.environ) > MAX_URL_LENGTH:
        raise FinderError(
            f"That address is too long: at most {MAX_URL_LENGTH:,} characters are accepted. "
            "Check the link, or send long input in a request body.",
            code="url_too_long",
            status=414,
        )


def add_security_headers(response: Response) -> Response:
    response.headers.setdefault(
        "Content-Security-Policy", current_app.config["CONTENT_SECURITY_POLICY"]
    )
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if current_app.config["HTTPS"]:
        response.headers.setdefault("Strict-Transport-Security", STRICT_TRANSPORT_SECURITY)
    return response
