"""Text made well-formed once, where it enters: from the sandbox and from input rows.

A sample controls text that reaches every writer of a run: its exception messages, its
output, its samples row. Python strings may hold lone surrogates (``"\\ud800"`` from a
JSON escape or ``str`` of an exception), which no strict UTF-8 writer accepts, and NUL,
which PostgreSQL refuses in ``text`` columns. Both are replaced by U+FFFD here, so that
the results file, SQLite and PostgreSQL take whatever the reader took.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

__all__ = ["path_text", "well_formed", "well_formed_data"]

REPLACEMENT = "\ufffd"
# A lone surrogate can only come from escapes; a pair of them stands for one character
# in no Python string (str holds code points), so every surrogate is lone here.
_ILL_FORMED = re.compile("[\ud800-\udfff\x00]")


def well_formed(text: str) -> str:
    """*text* with every lone surrogate and NUL replaced by U+FFFD."""
    return _ILL_FORMED.sub(REPLACEMENT, text)


def path_text(path: Path) -> str:
    """*path*, absolute, as well-formed text for the store and the output directory.

    A file name need not be UTF-8 (``s\\xff.jsonl``); Python holds its bytes as lone
    surrogates, which no writer takes. They are written as ``\\xff`` escapes rather
    than U+FFFD, so that two different paths never become one text (an output
    directory's text is what a rerun is resumed by).
    """
    raw = os.fsencode(path.resolve())
    return well_formed(raw.decode("utf-8", "backslashreplace"))


def well_formed_data(value: Any) -> Any:
    """*value* (JSON-decoded data) with :func:`well_formed` applied to every string in
    it, keys included; anything else is kept as it is."""
    if isinstance(value, str):
        return well_formed(value)
    if isinstance(value, list):
        return [well_formed_data(item) for item in value]
    if isinstance(value, dict):
        return {well_formed(str(key)): well_formed_data(item) for key, item in value.items()}
    return value
