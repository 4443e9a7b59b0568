"""API keys: shown once, stored hashed, revocable."""

from __future__ import annotations

import hashlib
import sqlite3

import pytest

from finder.errors import InvalidInput, NotFound
from finder.registrations import apikeys


def test_a_new_key_verifies_as_its_name_and_only_its_hash_is_stored(main_db):
    key = apikeys.create(main_db, "Acme Insurance")
    assert apikeys.verify(main_db, key) == "Acme Insurance"
    stored = [row["key_sha256"] for row in main_db["api_keys"].rows]
    assert stored == [hashlib.sha256(key.encode()).hexdigest()]
    assert key not in str(list(main_db["api_keys"].rows))


@pytest.mark.parametrize("token", [None, "", "fk_not-a-key", "Bearer"])
def test_anything_else_does_not_verify(main_db, token):
    apikeys.create(main_db, "Acme Insurance")
    assert apikeys.verify(main_db, token) is None


def test_a_revoked_key_stops_working_and_stays_listed(main_db):
    key = apikeys.create(main_db, "Acme Insurance")
    other = apikeys.create(main_db, "Brill Cover")
    apikeys.revoke(main_db, "Acme Insurance")
    apikeys.revoke(main_db, "Acme Insurance")  # twice is harmless
    assert (apikeys.verify(main_db, key), apikeys.verify(main_db, other)) == (None, "Brill Cover")
    listed = apikeys.list_keys(main_db)
    assert [(k["name"], k["revoked_at"] is not None) for k in listed] == [
        ("Acme Insurance", True),
        ("Brill Cover", False),
    ]
    assert sorted(listed[0]) == ["created_at", "name", "owner", "revoked_at"]


def test_revoking_an_unknown_key_is_not_found(main_db):
    with pytest.raises(NotFound, match="There is no API key called 'Nobody'."):
        apikeys.revoke(main_db, "Nobody")


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("  ", "A key needs a name, such as the insurer it is for."),
        (
            "Acme Insurance",
            "There is already a key called 'Acme Insurance': revoke it or choose another name.",
        ),
    ],
)
def test_a_key_needs_a_new_name(main_db, name, message):
    apikeys.create(main_db, "Acme Insurance")
    with pytest.raises(InvalidInput) as caught:
        apikeys.create(main_db, name)
    assert caught.value.message == message


def test_a_revoked_keys_name_can_be_given_to_a_new_key(main_db):
    old = apikeys.create(main_db, "Acme Insurance")
    apikeys.revoke(main_db, "Acme Insurance")
    new = apikeys.create(main_db, "Acme Insurance")
    assert (apikeys.verify(main_db, old), apikeys.verify(main_db, new)) == (None, "Acme Insurance")
    with pytest.raises(InvalidInput, match="already a key called 'Acme Insurance'"):
        apikeys.create(main_db, "Acme Insurance")
    apikeys.revoke(main_db, "Acme Insurance")  # revokes the current one
    assert apikeys.verify(main_db, new) is None
    assert [k["revoked_at"] is not None for k in apikeys.list_keys(main_db)] == [True, True]


def test_two_current_keys_of_one_name_are_refused_by_the_database(main_db):
    apikeys.create(main_db, "Acme Insurance")
    with pytest.raises(sqlite3.IntegrityError):
        main_db["api_keys"].insert(
            {"name": "Acme Insurance", "key_sha256": "x" * 64, "created_at": "2026-01-01"}
        )
