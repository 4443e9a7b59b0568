"""Reader nodes (FINDER_ROLE=reader): answers from a copy restored from a file replica, writes
sent to the writer, the copy swapped for a newer one under running requests, lag on /healthz."""

from __future__ import annotations

import subprocess
import time

import pytest

from finder import create_app, replication
from finder import db as database
from finder.directory import demo
from finder.registrations import apikeys
from finder.replication import litestream


@pytest.fixture
def writer(tmp_path, postcode_db_path):
    """A writer's folder with the sample directory, and a way to push it to the replica."""
    config = {
        "DATA_DIR": str(tmp_path / "writer"),
        "REPLICA_URL": (tmp_path / "replica").as_uri(),
        "REPLICA_SYNC_INTERVAL": 0.2,
        "READER_REFRESH": 0.1,
    }
    db = database.open_main(config["DATA_DIR"])
    demo.load_sample(db, postcode_db_path, size=40, seed=7)
    config_file = tmp_path / "litestream.yml"
    config_file.write_text(
        replication.config_yaml(database.main_db_path(config["DATA_DIR"]), config)
    )

    def push(now: float | None = None) -> None:
        replication.beat(db, now)
        command = [litestream.binary(), "replicate", "-once", "-config", str(config_file)]
        subprocess.run(command, check=True, capture_output=True)

    push()
    yield db, config, push
    db.close()


@pytest.fixture
def reader_app(writer, data_dir):
    _, config, _ = writer
    replication.refresh_copy(config, data_dir)

    def make(**settings):
        return create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "test",
                "DATA_DIR": str(data_dir),
                "ROLE": "reader",
                "WRITER_URL": "https://write.finder.example",
                "READER_MAX_LAG": 60.0,
                **settings,
            }
        )

    return make


def test_a_reader_answers_searches_from_its_copy(reader_app):
    client = reader_app().test_client()
    body = client.get("/api/v1/search?postcode=LS6+2AB&radius_km=100").get_json()
    assert body["total"] > 0
    assert client.get("/api/v1/postcodes/LS6%202AB").status_code == 200
    assert client.get("/self-referral?postcode=LS6+2AB").status_code == 200
    assert client.get("/").status_code == 200


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/check?register=hcpc&number=PH123456"),
        ("get", "/api/v1/registrations/hcpc/PH123456"),
        ("get", "/api/v1/registrations/hcpc/PH123456/history"),
        ("post", "/api/v1/registrations/bulk"),
        ("post", "/check/bulk"),
        ("get", "/api/v1/watchlists"),
        ("post", "/api/v1/watchlists"),
        ("get", "/api/v1/watchlists/1/events?after=3"),
        ("put", "/api/v1/watchlists/1/entries"),
        ("delete", "/api/v1/watchlists/1/entries/2"),
    ],
)
def test_a_reader_sends_checks_to_the_writer_keeping_method_and_query(reader_app, method, path):
    answer = getattr(reader_app().test_client(), method)(path)
    assert answer.status_code == 307  # the browser or client repeats the same request there
    assert answer.headers["Location"] == "https://write.finder.example" + path


def test_without_a_writer_address_a_check_is_a_503_saying_where_checks_go(reader_app):
    answer = reader_app(WRITER_URL="").test_client().get("/api/v1/registrations/hcpc/PH123456")
    assert answer.status_code == 503
    error = answer.get_json()["error"]
    assert error["code"] == "read_only_node"
    assert "FINDER_WRITER_URL" in error["message"]


def test_a_newer_copy_shows_in_the_next_request_of_a_running_reader(writer, reader_app, data_dir):
    db, config, push = writer
    client = reader_app().test_client()
    searched = client.get("/api/v1/search?postcode=LS6+2AB&radius_km=100").get_json()["total"]
    db.execute("update practices set retired_at = '2026-12-07T00:00:00Z'")
    db.conn.commit()
    push()
    replication.refresh_copy(config, data_dir)
    time.sleep(1.1)  # a thread looks at the copy's inode at most once a second
    after = client.get("/api/v1/search?postcode=LS6+2AB&radius_km=100").get_json()
    assert (searched > 0, after["total"]) == (True, 0)


def test_healthz_shows_the_lag_and_fails_past_the_limit(writer, reader_app, data_dir):
    _, config, push = writer
    healthy = reader_app().test_client().get("/healthz")
    assert healthy.status_code == 200
    assert 0 <= healthy.get_json()["replication"]["lag_seconds"] < 30
    push(now=time.time() - 120)  # the writer's last heartbeat, two minutes ago
    replication.refresh_copy(config, data_dir)
    stale = reader_app().test_client().get("/healthz")
    assert stale.status_code == 503
    assert stale.get_json()["checks"]["replication"].startswith("error: the copy trails the writer")
    assert stale.get_json()["replication"]["lag_seconds"] >= 120


def test_a_reader_never_replaces_a_writers_database(writer, tmp_path):
    _, config, _ = writer
    with pytest.raises(replication.NotACopy, match="is a writer's database"):
        replication.refresh_copy(config, config["DATA_DIR"])


def test_a_reader_without_a_copy_says_how_to_get_one(tmp_path):
    app = create_app({"TESTING": True, "DATA_DIR": str(tmp_path / "empty"), "ROLE": "reader"})
    answer = app.test_client().get("/api/v1/search?postcode=LS6+2AB")
    assert answer.status_code == 503
    assert "finder restore --follow" in answer.get_json()["error"]["message"]
    assert app.test_client().get("/healthz").status_code == 503
    page = app.test_client().get("/search?postcode=LS6+2AB")
    assert (page.status_code, b"finder restore --follow" in page.data) == (503, True)


def test_a_role_that_is_neither_writer_nor_reader_is_refused(tmp_path):
    with pytest.raises(ValueError, match="FINDER_ROLE='leader' is not valid"):
        create_app({"DATA_DIR": str(tmp_path), "ROLE": "leader"})


@pytest.mark.parametrize("url", ["write.finder.example", "ftp://write.finder.example", "/"])
def test_a_writer_address_that_is_no_web_address_is_refused_at_start(reader_app, url):
    """A relative Location would send every check back to a reader: a redirect loop."""
    with pytest.raises(ValueError, match="FINDER_WRITER_URL=.* is not valid"):
        reader_app(WRITER_URL=url)


def test_an_api_key_made_on_the_writer_works_on_the_reader(writer, reader_app, data_dir):
    db, config, push = writer
    key = apikeys.create(db, "Example Insurance")
    push()
    replication.refresh_copy(config, data_dir)
    answer = (
        reader_app()
        .test_client()
        .get("/api/v1/search?postcode=LS6+2AB", headers={"Authorization": f"Bearer {key}"})
    )
    assert answer.status_code == 200
