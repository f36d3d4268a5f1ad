"""The output directory of an evaluation: results in input order, resumable.

``results.jsonl`` holds one line per sample, in input order, each line the sample's
own keys plus ``passed``, ``status`` and ``detail`` (and the cost keys, the fix
distance where they apply). Lines are appended (and flushed) as soon as every earlier
sample has its result, so a killed run keeps everything it wrote. A rerun takes the
store's results as the truth (lines of the file the store lacks are added to it
first), rewrites the file whole from them and only checks what is missing.
``run.json`` ties the directory to one samples file and one ``--include-private``
choice, so a rerun with another file cannot mix results.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, TextIO

from fairclimb.errors import UserInputError
from fairclimb.evaluate._records import Result, Sample, Status, Verdict

__all__ = ["Manifest", "ResultsFile", "prepare_dir", "read_existing", "refuse_changed_tasks",
           "refuse_other_private", "write_json_atomic"]

RESULTS = "results.jsonl"
SUMMARY = "summary.json"
MANIFEST = "run.json"


@dataclass(frozen=True, slots=True)
class Manifest:
    suite: str
    samples_path: str
    samples_sha256: str
    run_id: str | None
    include_private: bool | None = None  # None: written before the choice was kept
    #: the hash of the tasks the samples answer (None: written before it was kept)
    tasks_sha256: str | None = None

    @classmethod
    def read(cls, out_dir: Path) -> Manifest | None:
        path = out_dir / MANIFEST
        if not path.exists():
            return None
        try:
            data = json.loads(path.read_text())
            private = data.get("include_private")
            tasks = data.get("tasks_sha256")
            return cls(data["suite"], data["samples_path"], data["samples_sha256"],
                       data.get("run_id"), None if private is None else bool(private),
                       None if tasks is None else str(tasks))
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
            "include_private": self.include_private,
            "tasks_sha256": self.tasks_sha256,
        })

    def check_matches(self, other: Manifest, out_dir: Path) -> None:
        if (self.suite, self.samples_sha256) != (other.suite, other.samples_sha256):
            raise UserInputError(
                f"{str(out_dir)!r} holds results of another samples file or suite "
                f"({self.samples_path}, {self.suite}); choose another --out or delete it"
            )
        if None not in (self.tasks_sha256, other.tasks_sha256):
            refuse_changed_tasks(str(self.tasks_sha256), str(other.tasks_sha256),
                                 self.suite, out_dir)
        if None not in (self.include_private, other.include_private):
            refuse_other_private(bool(self.include_private), bool(other.include_private),
                                 out_dir)


def refuse_other_private(first: bool, now: bool, out_dir: Path) -> None:
    """A resumed run writes details as its first attempt did, or not at all: mixing
    would leave some private details withheld and others written."""
    if first != now:
        was = "with" if first else "without"
        raise UserInputError(
            f"{str(out_dir)!r} was first evaluated {was} --include-private; rerun {was} "
            "it, or choose another --out")


def refuse_changed_tasks(first: str, now: str, suite: str, out_dir: Path) -> None:
    """A run resumes only over the tasks it started with: verdicts of a rebuilt suite's
    old tasks would be mixed with (or stand for) checks of its new ones."""
    if first != now:
        raise UserInputError(
            f"the suite {suite} has changed since {str(out_dir)!r} was first evaluated "
            "(its tasks were rebuilt); choose a new --out, or delete it to start again")


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


def read_existing(out_dir: Path, samples: list[Sample]) -> dict[int, Result]:
    """Results already written to ``results.jsonl``: its complete prefix (a torn or
    damaged line ends it). A line for another task than the sample's is refused."""
    path = out_dir / RESULTS
    if not path.exists():
        return {}
    done: dict[int, Result] = {}
    with path.open("rb") as handle:
        for index, line in enumerate(handle):
            result = _parse_result(line, samples, index)
            if result is None:
                break
            done[index] = result
    return done


def _parse_result(line: bytes, samples: list[Sample], index: int) -> Result | None:
    if not line.endswith(b"\n") or index >= len(samples):
        return None
    try:
        row = json.loads(line)
        status = Status(row["status"])
        detail = str(row.get("detail", ""))
        cost = _optional_float(row.get("cost"))
        speed = _optional_float(row.get("speed_score"))
        distance = row.get("fix_distance")
        distance = None if distance is None else int(distance)
    except (ValueError, KeyError, TypeError):
        return None
    if row.get("task_id") != samples[index].task_id:
        raise UserInputError(
            f"line {index + 1} of the existing {RESULTS} is for {row.get('task_id')!r}, "
            f"not {samples[index].task_id!r}; choose another --out or delete it"
        )
    verdict = Verdict(status=status, detail=detail, cost=cost,
                      cost_measure=str(row.get("cost_measure", "")), speed_score=speed)
    return Result(index, samples[index].task_id, verdict, fix_distance=distance)


def _optional_float(value: Any) -> float | None:
    return None if value is None else float(value)


class ResultsFile:
    """``results.jsonl``, one line per sample in input order, whatever order results
    arrive in.

    Opening it rewrites the file whole from the results already known (a temporary
    file, then an atomic rename), so it never disagrees with them: a deleted directory
    is rebuilt, and results known past a gap wait for the gap instead of shifting into
    it. Then each line is appended (and flushed) as soon as every earlier one is
    written, so a killed run keeps everything it wrote.
    """

    def __init__(self, out_dir: Path,
                 known: Iterable[tuple[Sample, Result]] = ()) -> None:
        self._ready: dict[int, tuple[Sample, Result]] = {
            result.sample_index: (sample, result) for sample, result in known}
        self._next = 0
        path = out_dir / RESULTS
        temporary = path.with_name(path.name + ".tmp")
        with temporary.open("w", encoding="utf-8") as handle:
            self._write_ready(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
        self._handle: TextIO = path.open("a", encoding="utf-8")

    def __enter__(self) -> ResultsFile:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self._handle.close()

    def add(self, sample: Sample, result: Result) -> None:
        self._ready[sample.index] = (sample, result)
        if self._write_ready(self._handle):
            self._handle.flush()

    def _write_ready(self, handle: TextIO) -> bool:
        wrote = False
        while self._next in self._ready:
            sample, result = self._ready.pop(self._next)
            handle.write(_result_line(sample, result))
            self._next += 1
            wrote = True
        return wrote


def _result_line(sample: Sample, result: Result) -> str:
    row = dict(sample.raw)
    row.update(result.fields())
    return json.dumps(row, ensure_ascii=False) + "\n"
