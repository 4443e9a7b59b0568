"""Processes that open a new data folder at the same moment (the service and `finder
replicate` started together by systemd) all get the schema, none an error."""

from __future__ import annotations

import multiprocessing

from finder import db

PROCESSES = 4


def test_processes_opening_a_new_folder_together_all_get_the_schema(tmp_path):
    expected = _schema_of(tmp_path / "alone")
    context = multiprocessing.get_context("fork")
    for attempt in range(10):
        folder = tmp_path / f"together-{attempt}"
        start = context.Barrier(PROCESSES)
        workers = [
            context.Process(target=_open_at_once, args=(folder, start)) for _ in range(PROCESSES)
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=60)
        assert [worker.exitcode for worker in workers] == [0] * PROCESSES
        assert _schema_of(folder) == expected


def _open_at_once(folder, start) -> None:
    start.wait()
    db.open_main(folder).close()


def _schema_of(folder) -> list:
    database = db.open_main(folder)
    try:
        return db.schema(database)
    finally:
        database.close()
