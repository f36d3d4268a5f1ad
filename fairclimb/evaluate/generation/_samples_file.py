"""A generation run's ``samples.jsonl``: read back what an earlier run paid for, and keep
the file holding every known sample, in order, through crashes (appended as answers
arrive, rewritten whole and renamed at the end)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, TextIO

__all__ = ["SamplesWriter", "read_previous"]


def read_previous(path: Path) -> dict[str, dict[str, Any]]:
    """Complete lines of an earlier samples file, by cache key (torn lines skipped)."""
    rows: dict[str, dict[str, Any]] = {}
    if not path.exists():
        return rows
    with path.open(encoding="utf-8", errors="replace") as handle:
        for line in handle:
            try:
                row = json.loads(line)
                key = row["provenance"]["cache_key"]
            except (ValueError, KeyError, TypeError):
                continue
            if isinstance(key, str) and isinstance(row, dict):
                rows[key] = row
    return rows


class SamplesWriter:
    """Keeps ``samples.jsonl`` holding every known sample: appended, then put in order."""

    def __init__(self, path: Path, known: dict[int, dict[str, Any]]) -> None:
        self._path = path
        self._rows = dict(known)
        self._rewrite()
        self._handle: TextIO | None = path.open("a", encoding="utf-8")

    @property
    def count(self) -> int:
        return len(self._rows)

    def add(self, position: int, row: dict[str, Any]) -> None:
        self._rows[position] = row
        if self._handle is not None:
            self._handle.write(line_of(row))
            self._handle.flush()

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None
        self._rewrite()

    def _rewrite(self) -> None:
        temporary = self._path.with_name(self._path.name + ".tmp")
        with temporary.open("w", encoding="utf-8") as handle:
            handle.writelines(line_of(self._rows[p]) for p in sorted(self._rows))
        os.replace(temporary, self._path)


def line_of(row: dict[str, Any]) -> str:
    return json.dumps(row, ensure_ascii=False) + "\n"
