"""Build tests/files/finder-72194d5.db: a finder.db made by the code of commit 72194d5.

That commit is the last one with the flat layout (finder/registrations.py, finder/directory.py,
...). tests/test_schema.py opens this database with today's code, migrates it and checks that
it ends with the schema of a fresh database and keeps its rows. The rows are made up (no real
person or number) and written through the old code's own functions, so the timestamps and
columns are what that code wrote.

Run from the repository root (needs git and the project's virtualenv):
    .venv/bin/python scripts/make_old_database.py
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

COMMIT = "72194d5"
ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "files" / f"finder-{COMMIT}.db"

# Runs inside the old code (PYTHONPATH points at its files).
BUILD = r"""
import sys
from datetime import UTC, datetime

import scrapers
from finder import apikeys, db, directory, importer, refresh_runs, registrations

path = sys.argv[1]
main = db.connect(path)
db.migrate(main)
directory.upsert_practitioners(main, [
    {"register": "hcpc", "registration_number": "PH900001", "name": "Alex Example",
     "profession": "physiotherapist", "source": "import"},
    {"register": "gosc", "registration_number": "9001", "name": "Sam Sample",
     "profession": "osteopath", "source": "import"},
    {"register": "gcc", "registration_number": "09002", "name": "Jo Placeholder",
     "profession": "chiropractor", "source": "import"},
])
directory.upsert_practice(main, {
    "key": "import:example-clinic", "name": "Example Clinic", "address": ["1 Test Street"],
    "postcode": "LS6 2AB", "latitude": 53.8196, "longitude": -1.5755, "phone": "0113 000 0000",
    "features": {"home_visits": True}, "source": "import",
}, [("hcpc", "PH900001"), ("gosc", "9001")])
directory.upsert_practice(main, {
    "key": "import:sample-spine", "name": "Sample Spine Centre", "address": ["2 Test Road"],
    "postcode": "EH1 1AA", "latitude": 55.95, "longitude": -3.19, "source": "import",
}, [("gcc", "09002")])


class Answers:
    def lookup(self, register, number):
        return scrapers.Registration(
            register=register, registration_number=number, name="Alex Example",
            profession="physiotherapist", status_raw="Registered", outcome="registered",
            outcome_reason=None, source_url=f"https://register.example/{number}",
            page_sha256="0" * 64,
        )


when = datetime(2026, 11, 30, 9, 30, tzinfo=UTC)
registrations.check(main, "hcpc", "PH900001", clients=Answers(), now=when)
with main.conn:
    importer.queue_check(main, "gosc", "9001", "Sam Sample", "imported")
apikeys.create(main, "example-insurer")
refresh_runs.start_run(main, ["gosc"])
main.close()
"""


def main() -> int:
    with tempfile.TemporaryDirectory() as scratch:
        old = Path(scratch) / "old"
        old.mkdir()
        archive = subprocess.run(
            ["git", "archive", COMMIT, "finder", "scrapers"],
            cwd=ROOT,
            check=True,
            capture_output=True,
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(old)], input=archive, check=True)
        built = Path(scratch) / "finder.db"
        subprocess.run(
            [sys.executable, "-c", BUILD, str(built)],
            cwd=scratch,
            env={"PYTHONPATH": str(old), "PATH": "/usr/bin:/bin"},
            check=True,
        )
        # One file, no WAL beside it: fold the log back in before copying.
        subprocess.run([sys.executable, "-c", CHECKPOINT, str(built)], check=True, cwd=scratch)
        OUT.write_bytes(built.read_bytes())
    print(f"wrote {OUT.relative_to(ROOT)}")
    return 0


CHECKPOINT = r"""
import sqlite3, sys
connection = sqlite3.connect(sys.argv[1])
connection.execute("pragma wal_checkpoint(truncate)")
connection.execute("pragma journal_mode = delete")
connection.execute("vacuum")
connection.close()
"""

if __name__ == "__main__":
    sys.exit(main())
