"""Registration checks: the cache of what each register said, with evidence and history.

Tables (owned here):
- registration_checks: every check ever made (append-only evidence);
- registrations: the current state per (register, registration_number), i.e. the latest
  good check, which search results join to.
"""

from __future__ import annotations

from sqlite_utils import Migrations

MIGRATIONS = Migrations("finder.registrations")

OUTCOMES = ("registered", "restricted", "inactive", "not_found", "unknown")


@MIGRATIONS()
def create_registration_tables(db) -> None:
    db["registration_checks"].create(
        {
            "id": int,
            "register": str,
            "registration_number": str,
            "checked_at": str,  # ISO 8601 UTC
            "outcome": str,
            "status_raw": str,
            "name_on_register": str,
            "profession": str,
            "source_url": str,
            "evidence_sha256": str,
            "reason": str,
            "changed": int,
            "details": str,  # JSON: period, entitlements, practices, data valid on...
        },
        pk="id",
        not_null={"register", "registration_number", "checked_at", "outcome"},
    )
    db["registration_checks"].create_index(["register", "registration_number", "checked_at"])
    db["registrations"].create(
        {
            "register": str,
            "registration_number": str,
            "outcome": str,
            "status_raw": str,
            "name_on_register": str,
            "profession": str,
            "checked_at": str,
            "source_url": str,
            "evidence_sha256": str,
            "last_check_id": int,
        },
        pk=("register", "registration_number"),
        not_null={"outcome", "checked_at"},
    )
