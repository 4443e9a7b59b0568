"""Shared fixtures. The network guard is pytest-socket (`--allow-hosts` in pyproject.toml):
any connection to a host other than this machine fails the test."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from finder import create_app, db

# Postcode areas the test table holds: a spread over all four nations plus the places the
from finder.places import postcodes

# service does not cover. Building only these takes seconds instead of half a minute.
TEST_AREAS = {
    "AB",
    "B",
    "BD",
    "BR",
    "BT",
    "CF",
    "DE",
    "EH",
    "G",
    "GY",
    "IM",
    "IV",
    "JE",
    "KT",
    "KW",
    "LL",
    "LS",
    "M",
    "NE",
    "S",
    "SA",
    "SE",
    "SW",
    "ZE",
}


@pytest.fixture(scope="session")
def postcode_db_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("postcodes") / "postcodes.db"
    postcodes.build(path, areas_only=TEST_AREAS)
    return path


@pytest.fixture
def postcode_table(postcode_db_path):
    table = postcodes.PostcodeTable(postcode_db_path)
    yield table
    table.close()


@pytest.fixture
def data_dir(tmp_path, postcode_db_path):
    """A fresh data folder whose postcode table is the shared test build."""
    folder = tmp_path / "data"
    folder.mkdir()
    db.postcodes_db_path(folder).symlink_to(postcode_db_path)
    return folder


@pytest.fixture
def app(data_dir):
    return create_app({"TESTING": True, "DATA_DIR": str(data_dir), "SECRET_KEY": "test"})


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(data_dir, monkeypatch):
    """Runs `finder` commands against the test data folder."""
    monkeypatch.setenv("FINDER_DATA_DIR", str(data_dir))
    return CliRunner()


@pytest.fixture
def main_db(data_dir):
    database = db.open_main(data_dir)
    yield database
    database.close()


from browser import browser, live_server  # noqa: E402, F401  (fixtures for the browser tests)
from refresh_world import world  # noqa: E402, F401  (the fake registers over Leeds)
