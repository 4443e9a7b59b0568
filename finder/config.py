"""Settings: one registry that reads FINDER_* environment variables and documents itself.

Every setting lives in SETTINGS so the README table and `finder settings` can never drift from
the code (tests/test_docs.py checks the README lists each one).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Setting:
    name: str  # the Flask config key; the environment variable is FINDER_<name>
    default: object
    help: str
    blank_allowed: bool = False  # an empty FINDER_<name> means "none" rather than the default

    @property
    def env(self) -> str:
        return f"FINDER_{self.name}"


def default_data_dir() -> str:
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(Path.home(), ".local", "share")
    return os.path.join(base, "finder")


SETTINGS = [
    Setting("DATA_DIR", default_data_dir(), "Folder for the SQLite files (created on first use)."),
    Setting(
        "SECRET_KEY",
        "",
        "Signs session cookies and CSRF tokens. Set it in production (and with several web "
        "processes); when empty a random key is made at start-up (forms then expire on restart).",
    ),
    Setting(
        "CONTACT",
        "finder operator <finder@example.invalid>",
        "Contact address sent in the User-Agent to the registers: set your own.",
    ),
    Setting("HCPC_URL", "https://www.hcpc-uk.org", "Base URL of the HCPC register."),
    Setting("GOSC_URL", "https://www.osteopathy.org.uk", "Base URL of the GOsC register."),
    Setting("GCC_URL", "https://www.gcc-uk.org", "Base URL of the GCC register."),
    Setting("REQUEST_INTERVAL", 2.0, "Minimum seconds between two requests to one register."),
    Setting(
        "MAX_UPLOAD_BYTES", 5 * 1024 * 1024, "Largest upload accepted (CSV or API body), in bytes."
    ),
    Setting(
        "PUBLIC_RATE_LIMIT",
        60,
        "Single registration checks a client may make a minute without an API key (0: no limit).",
    ),
    Setting(
        "CHECK_WAIT",
        3.0,
        "Seconds a page or API request waits for a register before answering what is known "
        "(the check goes on in the background).",
    ),
    Setting(
        "CHECK_QUEUE_SIZE",
        200,
        "Checks that may wait for one register; past it web checks get 503 with Retry-After.",
    ),
    Setting(
        "WEB_FETCH_DEADLINE",
        20.0,
        "Seconds one register lookup made for the web may take in all (connect, read, retries).",
    ),
    Setting(
        "FETCH_DEADLINE",
        120.0,
        "The same limit for `finder check` and `finder refresh`.",
    ),
    Setting("HOST", "127.0.0.1", "Address `finder serve` listens on."),
    Setting("PORT", 5000, "Port `finder serve` listens on."),
    Setting("THREADS", 8, "Worker threads of waitress."),
    Setting(
        "HTTPS",
        False,
        "Set when visitors reach the service over HTTPS (directly or through a proxy): the "
        "session cookie is then sent only over HTTPS, and browsers are told to keep to HTTPS.",
    ),
    Setting(
        "PROXIES",
        0,
        "How many reverse proxies you run in front of the service (0: none). Each one's "
        "X-Forwarded-For and X-Forwarded-Proto are then trusted, so the rate limit counts the "
        "real visitor; never set it higher than the proxies you run, or visitors can forge it.",
    ),
    Setting(
        "CANARY_NUMBERS",
        "",
        "Registration numbers `finder registers selftest` asks each register about, as "
        "register:number pairs separated by commas (hcpc:PH…,gosc:…,gcc:0…): choose numbers "
        "you know are on the register.",
    ),
    # Replication (docs/operations.md): off unless FINDER_REPLICA_URL is set.
    Setting(
        "REPLICA_URL",
        "",
        "Where `finder replicate` streams finder.db with Litestream and where `finder restore` "
        "and reader nodes read it: file:///backups/finder, s3://bucket/finder, sftp://... "
        "(empty: no replication).",
    ),
    Setting(
        "REPLICA_SYNC_INTERVAL",
        1.0,
        "Seconds within which a committed write reaches the replica: the most a dead writer's "
        "machine can lose (plus the upload's own time).",
    ),
    Setting(
        "ROLE",
        "writer",
        "writer, or reader: a read node serves searches, pages, postcodes and self-referral "
        "from its copy of the replica and sends registration checks to FINDER_WRITER_URL.",
    ),
    Setting(
        "WRITER_URL",
        "",
        "A reader's writer, e.g. https://write.finder.example: checks are redirected there "
        "(empty: they get 503 saying a reader cannot answer them).",
    ),
    Setting(
        "READER_REFRESH",
        5.0,
        "Seconds between two refreshes of a reader's copy by `finder restore --follow`.",
    ),
    Setting(
        "READER_MAX_LAG",
        60.0,
        "Seconds a reader's copy may trail the writer before its /healthz answers 503, so a "
        "load balancer stops sending it visitors.",
    ),
    Setting(
        "WEBHOOK_KEY",
        "",
        "Service key each watchlist's webhook signing secret is derived from. When empty, a "
        "key file (webhook-signing.key) is made in the data folder on first use; changing or "
        "losing it changes every webhook's secret.",
    ),
    Setting(
        "WEBHOOK_ALLOW_HOSTS",
        "",
        "Webhook host names, IP addresses or networks (10.0.0.0/8) allowed although they are "
        "not public (loopback, private networks), separated by commas; a listed host may also "
        "use http. Empty: webhooks must reach public https addresses.",
    ),
    Setting(
        "WEBHOOK_TIMEOUT",
        10.0,
        "Seconds a webhook receiver has to answer one delivery before it counts as failed.",
    ),
    Setting(
        "WEBHOOK_RETRY_FIRST",
        30.0,
        "Seconds before a failed webhook delivery is tried again; each later wait doubles, up "
        "to an hour.",
    ),
    Setting(
        "WEBHOOK_RETRY_HOURS",
        24.0,
        "Hours after an event its webhook delivery is retried for; then it is given up (the "
        "event stays in the watchlist's feed).",
    ),
    Setting(
        "WATCH_RECHECK_HOURS",
        24.0,
        "Hours after its last check a watched registration is due again for `finder watch run` "
        "(0: every cycle checks every one).",
    ),
    Setting(
        "MAP_TILES",
        "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        "Map tiles for the results page's map, an https:// address with {z}, {x} and {y} "
        "(and {s} for a subdomain); the page's Content-Security-Policy allows images from its "
        "host only. Empty: no map.",
        blank_allowed=True,
    ),
    Setting(
        "MAP_ATTRIBUTION",
        '© <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
        "The credit the tiles' licence asks for, shown on the map (HTML, links allowed).",
    ),
]


def _coerce(value: str, like: object) -> object:
    if isinstance(like, bool):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(like, int):
        return int(value)
    if isinstance(like, float):
        return float(value)
    return value


def from_environment(environ: dict[str, str] | None = None) -> dict[str, object]:
    """Return every setting, taking FINDER_* environment variables over the defaults."""
    environ = os.environ if environ is None else environ
    config: dict[str, object] = {}
    for setting in SETTINGS:
        raw = environ.get(setting.env)
        if raw is None or (raw == "" and not setting.blank_allowed):
            config[setting.name] = setting.default
            continue
        try:
            config[setting.name] = _coerce(raw, setting.default)
        except ValueError:
            raise ValueError(
                f"{setting.env}={raw!r} is not valid: expected {type(setting.default).__name__}"
            ) from None
    return config
