"""A JSON request body as bulk rows: a list of objects, their values as text like a CSV's.

The standard library parses it (it keeps a 30-digit number exactly as written). A body is
refused with a 400, before any row is checked, when it is nested deeper than rows can be
(past about 1,000 levels the parser fails with RecursionError; an answer echoing such a row
could not be written back either) or holds a lone surrogate escape like "\\ud800": half a
character, which no UTF-8 answer, JSON or CSV, can hold.
"""

from __future__ import annotations

import json
import re

from finder.errors import InvalidInput
from finder.registrations.bulk import MAX_BULK_ROWS, BadRow, too_many_rows

# A list of rows, each an object of text: 2 levels. A value that is a list or an object is
# that row's error, and kept in its answer; this leaves room for that and no more.
MAX_DEPTH = 8
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_JSON_EXAMPLE = '[{"register": "hcpc", "registration_number": "PH123456", "name": "Ellis Example"}]'


def read_json_rows(data: bytes) -> list[dict]:
    """Rows of a JSON request body (a list of objects), their values as text like read_csv's.

    A row that is not an object, or has a list or an object as a value, is a BadRow: it gets
    its own error from check_many without stopping the batch.
    """
    if not data.strip():
        raise InvalidInput(
            f"The body is empty: send a JSON list of rows, like {_JSON_EXAMPLE}.",
            code="empty_body",
        )
    try:
        rows = json.loads(data)
    except RecursionError:
        raise too_deep() from None
    except (ValueError, UnicodeDecodeError) as error:
        raise InvalidInput(
            f"The body is not valid JSON ({error}): send a list of rows, like {_JSON_EXAMPLE}.",
            code="invalid_json",
        ) from None
    if not isinstance(rows, list) or not rows:
        raise InvalidInput(
            f"Send a non-empty JSON list of rows, like {_JSON_EXAMPLE}.", code="invalid_json"
        )
    if len(rows) > MAX_BULK_ROWS:
        raise too_many_rows(len(rows), in_file=False)
    _check_depth_and_text(rows)
    return [_as_text_row(index, row) for index, row in enumerate(rows, start=1)]


def too_deep() -> InvalidInput:
    return InvalidInput(
        f"The body is nested more than {MAX_DEPTH} levels deep: send a list of rows, each "
        f"an object of text, like {_JSON_EXAMPLE}.",
        code="invalid_json",
    )


def _check_depth_and_text(rows: list) -> None:
    """Walk the parsed body without recursion: every container within MAX_DEPTH, every key
    and text whole characters."""
    pending: list[tuple[object, int]] = [(rows, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, str):
            lone = _LONE_SURROGATE.search(value)
            if lone:
                raise InvalidInput(
                    f"The body holds the escape \\u{ord(lone.group()):04x}, half of a "
                    "character (a lone surrogate): send the text itself as UTF-8, or escape "
                    "both halves of the character.",
                    code="invalid_json",
                )
        elif isinstance(value, (list, dict)):
            if depth > MAX_DEPTH:
                raise too_deep()
            if isinstance(value, dict):
                pending.extend((key, depth) for key in value)
                value = value.values()
            pending.extend((item, depth + 1) for item in value)


def _as_text_row(index: int, row: object) -> object:
    if not isinstance(row, dict):
        return row  # check_many says what a row must be
    out = {}
    problems = []
    for key, value in row.items():
        if isinstance(value, (dict, list)):
            problems.append(f'{key} must be text, like "04567", not a list or an object')
        # json.dumps keeps numbers as written (4567 -> "4567"); GCC numbers get their zeros back.
        out[key] = value if value is None or isinstance(value, str) else json.dumps(value)
    if problems:
        return BadRow(out, f"Row {index}: " + "; ".join(problems) + ".")
    return out
