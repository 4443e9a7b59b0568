"""Write docs/schema.md from a freshly migrated finder.db (run after adding a migration).

.venv/bin/python scripts/make_schema_doc.py
"""

import sys
import tempfile
from pathlib import Path

from finder import db

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    with tempfile.TemporaryDirectory() as scratch, db.open_main(scratch) as fresh:
        text = db.schema_markdown(fresh)
    (ROOT / "docs" / "schema.md").write_text(text)
    print("wrote docs/schema.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
