"""The output directory of an evaluation: results in input order, resumable.

``results.jsonl`` holds one line per sample, in input order, each line the sample's
own keys plus ``passed``, ``status`` and ``detail``. Lines are appended (and flushed)
as soon as every earlier sample has its verdict, so a killed run keeps everything it
wrote; a rerun reads the file back and only checks what is missing. ``run.json`` ties
the directory to one samples file, so a rerun with another file cannot mix results.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, TextIO

from fairclimb.errors import UserInputError
from fairclimb.evaluate._records import Sample, Status, Verdict

__all__ = ["Manifest", "ResultsFile", "prepare_dir", "write_json_atomic"]

RESULTS = "results.jsonl"
SUMMARY = "summary.json"
MANIFEST = "run.json"


@dataclass(frozen=True, slots=True)
class Manifest:
    suite: str
    samples_path: str
    samples_sha256: str
    run_id: str | None

    @classmethod
    def read(cls, out_dir: Path) -> Manifest | None:
        path = out_dir / MANIFEST
        if not path.exists():
            return None
        try:
            data = json.loads(path.read_text())
            return cls(data["suite"], data["samples_path"], data["samples_sha256"],
                       data.get("run_id"))
        except (ValueError, KeyError, TypeError):
            raise UserInputError(
                f"{path} is damaged; delete the directory {str(out_dir)!r} or choose another --out"
            ) from None

    def write(self, out_dir: Path) -> None:
        write_json_atomic(out_dir / MANIFEST, {
            "suite": self.suite,
            "samples_path": self.samples_path,
            "samples_sha256": self.samples_sha256,
            "run_id": self.run_id,
        })

    def check_matches(self, other: Manifest, out_dir: Path) -> None:
        if (self.suite, self.samples_sha256) != (other.suite, other.samples_sha256):
            raise UserInputError(
                f"{str(out_dir)!r} holds results of another samples file or suite "
                f"({self.samples_path}, {self.suite}); choose another --out or delete it"
            )


def prepare_dir(out_dir: Path) -> None:
    """Create an output directory, or say in one sentence why it cannot be."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserInputError(f"cannot create output directory {str(out_dir)!r}: "
                             f"{exc.strerror}") from None


def write_json_atomic(path: Path, data: Any) -> None:
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(data, indent=2) + "\n")
    os.replace(temporary, path)


def read_existing(out_dir: Path, samples: list[Sample]) -> dict[int, Verdict]:
    """Verdicts already written to ``results.jsonl``; a torn last line is dropped."""
    path = out_dir / RESULTS
    if not path.exists():
        return {}
    done: dict[int, Verdict] = {}
    keep_bytes = 0
    with path.open("rb") as handle:
        for index, line in enumerate(handle):
            verdict = _parse_result(line, samples, index)
            if verdict is None:
                break
            done[index] = verdict
            keep_bytes += len(line)
    with path.open("r+b") as handle:
        handle.truncate(keep_bytes)
    return done


def _parse_result(line: bytes, samples: list[Sample], index: int) -> Verdict | None:
    if not line.endswith(b"\n") or index >= len(samples):
        return None
    try:
        row = json.loads(line)
        status = Status(row["status"])
        detail = str(row.get("detail", ""))
        cost = _optional_float(row.get("cost"))
        speed = _optional_float(row.get("speed_score"))
    except (ValueError, KeyError, TypeError):
        return None
    if row.get("task_id") != samples[index].task_id:
        raise UserInputError(
            f"line {index + 1} of the existing {RESULTS} is for {row.get('task_id')!r}, "
            f"not {samples[index].task_id!r}; choose another --out or delete it"
        )
    return Verdict(status=status, detail=detail, cost=cost,
                   cost_measure=str(row.get("cost_measure", "")), speed_score=speed)


def _optional_float(value: Any) -> float | None:
    return None if value is None else float(value)


class ResultsFile:
    """Appends verdicts to ``results.jsonl`` in input order as they become available."""

    def __init__(self, out_dir: Path, samples: Mapping[int, Sample],
                 done: dict[int, Verdict],
                 extras: Callable[[int], dict[str, Any]] | None = None) -> None:
        self._samples = samples
        self._extras = extras  # more keys for a sample's line (say, a debug fix's size)
        self._ready: dict[int, Verdict] = {}
        self._next = len(done)  # read_existing only keeps a complete prefix
        self._handle: TextIO = (out_dir / RESULTS).open("a", encoding="utf-8")

    def __enter__(self) -> ResultsFile:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self._handle.close()

    def add(self, index: int, verdict: Verdict) -> None:
        self._ready[index] = verdict
        wrote = False
        while self._next in self._ready:
            verdict = self._ready.pop(self._next)
            extra = self._extras(self._next) if self._extras is not None else {}
            self._handle.write(_result_line(self._samples[self._next], verdict, extra))
            self._next += 1
            wrote = True
        if wrote:
            self._handle.flush()


def _result_line(sample: Sample, verdict: Verdict, extra: dict[str, Any]) -> str:
    row = dict(sample.raw)
    row.update(passed=verdict.passed, status=verdict.status.value, detail=verdict.detail)
    if verdict.cost is not None:  # optimize tasks
        row.update(cost=verdict.cost, cost_measure=verdict.cost_measure,
                   speed_score=verdict.speed_score)
    row.update(extra)
    return json.dumps(row, ensure_ascii=False) + "\n"
