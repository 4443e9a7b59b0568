"""API keys for the insurer endpoints (bulk checks, history, watchlists).

A key is shown once when made; only its SHA-256 is stored, so a copy of the database does not
give anyone access. Keys are revoked, never deleted, so the record of who had access stays.
Each key has an owner (the organisation holding it): what one key makes, such as a watchlist,
every current key of the same owner sees and no other does. A key made without an owner is
its own owner (its name), as every key made before owners existed became.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlite_utils import Database, Migrations

from finder import times
from finder.errors import InvalidInput, NotFound

MIGRATIONS = Migrations("finder.apikeys")
KEY_PREFIX = "fk_"  # makes a leaked key easy to recognise (and to search for)


@MIGRATIONS()
def create_api_keys_table(db) -> None:
    db["api_keys"].create(
        {"id": int, "name": str, "key_sha256": str, "created_at": str, "revoked_at": str},
        pk="id",
        not_null={"name", "key_sha256", "created_at"},
    )
    db["api_keys"].create_index(["name"], unique=True)
    db["api_keys"].create_index(["key_sha256"], unique=True)


@MIGRATIONS()
def reuse_names_of_revoked_keys(db) -> None:
    # A name is unique among current keys only: a revoked key's name can be given to a new one.
    db.execute("drop index if exists idx_api_keys_name")
    db.execute(
        "create unique index idx_api_keys_active_name on api_keys (name) where revoked_at is null"
    )


@MIGRATIONS()
def use_one_timestamp_format(db) -> None:
    # Keys were stamped '...+00:00' while the rest of the database said '...Z' (finder.times).
    for column in ("created_at", "revoked_at"):
        db.execute(
            f"update api_keys set {column} = substr({column}, 1, 19) || 'Z' "
            f"where {column} like '%+00:00'"
        )


@MIGRATIONS()
def add_owner(db) -> None:
    # Watchlists belong to a key's holder, not to one key: a key can be replaced (revoked and
    # made again) without its holder losing its lists. Keys made before owners own themselves.
    db.execute("alter table api_keys add column owner text")
    db.execute("update api_keys set owner = name where owner is null")


@dataclass(frozen=True)
class KeyHolder:
    name: str  # the key's own name
    owner: str  # the organisation it was given to; owns what the key makes


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create(db: Database, name: str, owner: str | None = None) -> str:
    """Make a key called `name` (e.g. the insurer's name) for `owner` (the organisation; the
    name when None); return the key, shown only now."""
    name = (name or "").strip()
    if not name:
        raise InvalidInput("A key needs a name, such as the insurer it is for.", code="invalid")
    owner = name if owner is None else owner.strip()
    if not owner:
        raise InvalidInput("A key's owner needs a name, such as the insurer.", code="invalid")
    if db["api_keys"].count_where("name = ? and revoked_at is null", [name]):
        raise InvalidInput(
            f"There is already a key called '{name}': revoke it or choose another name.",
            code="key_exists",
        )
    token = KEY_PREFIX + secrets.token_urlsafe(32)
    with db.conn:
        db["api_keys"].insert(
            {
                "name": name,
                "key_sha256": _digest(token),
                "created_at": times.now_iso(),
                "owner": owner,
            }
        )
    return token


def verify(db: Database, token: str | None) -> str | None:
    """The key's name when `token` is a current (not revoked) key, else None."""
    found = holder(db, token)
    return None if found is None else found.name


def holder(db: Database, token: str | None) -> KeyHolder | None:
    """Who holds `token` when it is a current (not revoked) key, else None."""
    if not token:
        return None
    digest = _digest(token.strip())
    rows = db.execute(
        "select name, owner, key_sha256 from api_keys where key_sha256 = ? and revoked_at is null",
        [digest],
    ).fetchall()
    for name, owner, stored in rows:
        if hmac.compare_digest(stored, digest):
            return KeyHolder(name, owner or name)
    return None


def revoke(db: Database, name: str) -> None:
    """Stop a key working at once. NotFound if there is no current key of that name."""
    rows = db.execute(
        "select id, revoked_at from api_keys where name = ? order by revoked_at is not null",
        [name],
    ).fetchall()
    if not rows:
        raise NotFound(f"There is no API key called '{name}'.")
    if rows[0][1] is not None:
        return  # already revoked: revoking twice is harmless
    with db.conn:
        db["api_keys"].update(rows[0][0], {"revoked_at": times.now_iso()})


def list_keys(db: Database) -> list[dict]:
    """Every key ever made, oldest first: name, owner, created_at, revoked_at (never the key)."""
    return list(db.query("select name, owner, created_at, revoked_at from api_keys order by id"))
