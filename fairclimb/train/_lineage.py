"""Lineage: what a trained model grew from, kept next to its checkpoint.

A finished run writes ``DIR/fairclimb-train.json`` (:class:`Lineage`: the base
checkpoint and its hash, the datasets with a hash of their record ids, their teachers
with their terms and their raters, the suites and splits trained on, the trainer and
every hyperparameter, seeds, library versions, device, wall time) and registers
``DIR`` in the model registry with ``--backend hf``. The registry points at the
checkpoint and the lineage travels with the checkpoint, so no table is needed.

:func:`lineage_graph` follows the registry from a model back through its bases and
the teachers of its data (any teacher that is itself a trained model is followed in
turn) and reports cycles: a model trained on outputs of a model that was trained on
its own outputs. :func:`trained_on` says which (suite, split) a model, or a base it
grew from, was trained on, so that scores on them can say so.

Interface used by the trainers: ``Lineage``, ``write_lineage(out_dir, lineage)``,
``register_trained(store, name, out_dir, lineage)``, ``lineage_graph(store, name)``.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from fairclimb.errors import UserInputError
from fairclimb.models import ModelSpec, Terms
from fairclimb.store import DataRepository, Store

__all__ = [
    "LINEAGE_FILE",
    "DatasetLineage",
    "Lineage",
    "LineageGraph",
    "lineage_graph",
    "read_lineage",
    "register_trained",
    "trained_on",
    "write_lineage",
]

LINEAGE_FILE = "fairclimb-train.json"
SCHEMA_VERSION = 1


class _Open(BaseModel):
    # Later versions and the trainers may add keys; they are kept, never dropped.
    model_config = ConfigDict(extra="allow")


class BaseCheckpoint(_Open):
    path: str
    sha256: str = ""
    registered_as: str | None = None


class SuiteSplit(_Open):
    suite: str
    split: str


class DatasetLineage(_Open):
    """One dataset as trained on: :meth:`fairclimb.train._data.TrainingData.lineage_entry`."""

    name: str
    kind: str = ""
    records: int = 0
    record_ids_sha256: str = ""
    teachers: list[dict[str, Any]] = Field(default_factory=list)  # name, model, terms…
    raters: list[str] = Field(default_factory=list)
    suites: list[SuiteSplit] = Field(default_factory=list)
    overrides: list[dict[str, Any]] = Field(default_factory=list)
    left_out: dict[str, int] = Field(default_factory=dict)


class Lineage(_Open):
    """The content of ``fairclimb-train.json``."""

    schema_version: int = SCHEMA_VERSION
    name: str
    trainer: str
    base: BaseCheckpoint
    datasets: list[DatasetLineage] = Field(default_factory=list)
    suites: list[SuiteSplit] = Field(default_factory=list)  # prompts trained on (GRPO)
    hyperparameters: dict[str, Any] = Field(default_factory=dict)
    seeds: dict[str, Any] = Field(default_factory=dict)
    libraries: dict[str, str] = Field(default_factory=dict)
    device: str = ""
    wall_s: float = 0.0
    reward_models: list[str] = Field(default_factory=list)

    def trained_on(self) -> set[tuple[str, str]]:
        """(suite, split) of every task this run's prompts or records came from."""
        pairs = {(s.suite, s.split) for s in self.suites}
        for dataset in self.datasets:
            pairs |= {(s.suite, s.split) for s in dataset.suites}
        return pairs


def write_lineage(out_dir: Path, lineage: Lineage) -> Path:
    """Write ``out_dir/fairclimb-train.json`` atomically (a crash leaves the old file
    or none, never half of one); returns its path."""
    path = out_dir / LINEAGE_FILE
    temporary = out_dir / f".{LINEAGE_FILE}.{os.getpid()}.tmp"
    try:
        temporary.write_text(json.dumps(lineage.model_dump(mode="json"), indent=2,
                                        sort_keys=True) + "\n", encoding="utf-8")
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return path


def read_lineage(out_dir: Path) -> Lineage | None:
    """The lineage written in *out_dir*, or None when there is none."""
    path = out_dir / LINEAGE_FILE
    if not path.is_file():
        return None
    try:
        return Lineage.model_validate_json(path.read_text(encoding="utf-8"))
    except (ValidationError, OSError, UnicodeDecodeError) as exc:
        raise UserInputError(f"{path} is not a fairclimb lineage: "
                             f"{str(exc).splitlines()[0]}") from None


def register_trained(store: Store, name: str, out_dir: Path, lineage: Lineage) -> ModelSpec:
    """Write the lineage into *out_dir* and register *out_dir* as model *name*
    (backend ``hf``). Its terms are the most restrictive of its teachers' and its
    base's: a model trained on outputs that may not train others may not either.
    Registering the same directory again is a no-op."""
    out = out_dir.resolve()
    write_lineage(out, lineage)
    existing = store.get_model(name)
    if existing is not None:
        if existing.backend == "hf" and Path(existing.model_id).resolve() == out:
            return existing
        raise UserInputError(f"a model named {name!r} is already registered for "
                             f"{existing.model_id}; choose another --name or remove it first "
                             f"with: fairclimb models remove {name}")
    spec = ModelSpec(name=name, base_url="", model_id=str(out), backend="hf",
                     terms=_inherited_terms(store, lineage))
    store.add_model(spec)
    return spec


def _inherited_terms(store: Store, lineage: Lineage) -> Terms:
    terms = [str(t.get("terms") or "unknown") for d in lineage.datasets for t in d.teachers
             if t.get("role", "teacher") == "teacher"]
    base = store.get_model(lineage.base.registered_as) if lineage.base.registered_as else None
    terms.append(base.terms.value if base is not None else Terms.UNKNOWN.value)
    if Terms.FORBID.value in terms:
        return Terms.FORBID
    return Terms.ALLOW if all(t == Terms.ALLOW.value for t in terms) else Terms.UNKNOWN


@dataclass(slots=True)
class LineageGraph:
    """A model's lineage back to the people and models behind it."""

    model: str
    base: dict[str, Any] | None = None
    datasets: list[dict[str, Any]] = field(default_factory=list)
    teachers: list[dict[str, Any]] = field(default_factory=list)
    raters: list[str] = field(default_factory=list)
    runs: list[dict[str, Any]] = field(default_factory=list)
    suites: list[dict[str, str]] = field(default_factory=list)
    cycles: list[list[str]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"model": self.model, "base": self.base, "datasets": self.datasets,
                "teachers": self.teachers, "raters": self.raters, "runs": self.runs,
                "suites": self.suites, "cycles": self.cycles}

    def lines(self) -> list[str]:
        """The graph as text, one fact a line, for people."""
        if not self.runs:
            return [f"{self.model}: not trained by fairclimb (no lineage)"]
        out = []
        for run in self.runs:
            base = run["base"]
            grew = base["name"] or base["path"]
            out.append(f"{run['model']}: {run['trainer']} on {grew} "
                       f"(sha256 {str(base['sha256'])[:12]}), {run['device'] or '?'} device, "
                       f"{run['wall_s']:.0f} s")
            for dataset in (d for d in self.datasets if d["trained"] == run["model"]):
                out.append(f"  dataset {dataset['name']}: {dataset['records']} "
                           f"{dataset['kind']} records (ids sha256 "
                           f"{str(dataset['record_ids_sha256'])[:12]})")
                for override in dataset["overrides"]:
                    out.append(f"    override ({override.get('kind')}): "
                               f"{override.get('reason')}")
            for teacher in (t for t in self.teachers if t["taught"] == run["model"]):
                reason = teacher["override_reason"]
                out.append(f"  {teacher['role']} {teacher['name']} ({teacher['model'] or '?'})"
                           f": terms {teacher['terms']}"
                           + (f", overridden: {reason}" if reason else ""))
            for suite in (s for s in self.suites if s["trained"] == run["model"]):
                out.append(f"  trained on suite {suite['suite']}, {suite['split']} split")
        if self.raters:
            out.append(f"raters: {', '.join(self.raters)}")
        for cycle in self.cycles:
            out.append("cycle: " + " -> ".join(cycle)
                       + (" (trained on its own outputs)" if len(set(cycle)) == 1 else ""))
        return out


def lineage_of(store: Store, name: str) -> Lineage | None:
    """The lineage of registered model *name*, or None (not trained by fairclimb)."""
    spec = store.get_model(name)
    if spec is None or spec.backend != "hf":
        return None
    return read_lineage(Path(spec.model_id))


def lineage_graph(store: Store, name: str) -> LineageGraph:
    """Walk from *name* through bases and teachers; raises UnknownModelError for a name
    the registry does not know."""
    store.require_model(name)
    graph = LineageGraph(model=name)
    _Walker(store, graph).visit(name, [])
    graph.raters = sorted(set(graph.raters))
    return graph


class _Walker:
    def __init__(self, store: Store, graph: LineageGraph) -> None:
        self.store = store
        self.graph = graph
        self.done: set[str] = set()
        self.teachers: dict[tuple[str, str], dict[str, Any]] = {}

    def visit(self, name: str, path: list[str]) -> None:
        if name in path:  # back to a model on the way here: a cycle
            cycle = [*path[path.index(name):], name]
            if cycle not in self.graph.cycles:
                self.graph.cycles.append(cycle)
            return
        if name in self.done:
            return
        self.done.add(name)
        lineage = lineage_of(self.store, name)
        if lineage is None:
            return
        here = [*path, name]
        self._record(name, lineage)
        if lineage.base.registered_as:
            self.visit(lineage.base.registered_as, here)
        for dataset in lineage.datasets:
            for teacher in _teachers_of(self.store, dataset):
                self.visit(str(teacher.get("name")), here)

    def _record(self, name: str, lineage: Lineage) -> None:
        graph = self.graph
        base = {"name": lineage.base.registered_as, "path": lineage.base.path,
                "sha256": lineage.base.sha256}
        if name == graph.model:
            graph.base = base
        for dataset in lineage.datasets:
            graph.datasets.append({"name": dataset.name, "records": dataset.records,
                                   "record_ids_sha256": dataset.record_ids_sha256,
                                   "kind": dataset.kind, "trained": name,
                                   "overrides": dataset.overrides})
            graph.raters.extend(dataset.raters)
            for teacher in _teachers_of(self.store, dataset):
                key = (str(teacher.get("name")), name)
                if key not in self.teachers:
                    entry = {"name": key[0], "model": teacher.get("model", ""),
                             "terms": teacher.get("terms", "unknown"),
                             "terms_url": teacher.get("terms_url"),
                             "override_reason": teacher.get("override_reason"),
                             "role": teacher.get("role", "teacher"), "taught": name,
                             "dataset": dataset.name}
                    self.teachers[key] = entry
                    graph.teachers.append(entry)
        for suite, split in sorted(lineage.trained_on()):
            entry = {"suite": suite, "split": split, "trained": name}
            graph.suites.append(entry)
        graph.runs.append({"model": name, "trainer": lineage.trainer, "base": base,
                           "datasets": [d.name for d in lineage.datasets],
                           "suites": [s.model_dump() for s in lineage.suites],
                           "hyperparameters": lineage.hyperparameters,
                           "seeds": lineage.seeds, "device": lineage.device,
                           "wall_s": lineage.wall_s, "libraries": lineage.libraries})


def _teachers_of(store: Store, dataset: DatasetLineage) -> list[dict[str, Any]]:
    """The dataset's teachers as the lineage recorded them; for a lineage that did not
    record them, the dataset's notes in the store (what it says now)."""
    if dataset.teachers:
        return dataset.teachers
    info = DataRepository(store).get_dataset(dataset.name)
    if info is None:
        return []
    return [{"name": t.get("name"), "model": t.get("model_id", ""),
             "terms": t.get("terms", "unknown"), "terms_url": t.get("terms_url")}
            for t in info.notes.get("teachers") or [] if isinstance(t, dict)]


def trained_on(store: Store, model_name: str) -> set[tuple[str, str]]:
    """Every (suite, split) *model_name*, or a base it grew from, was trained on; empty
    for a model fairclimb did not train. Scores on these are not held-out scores."""
    pairs: set[tuple[str, str]] = set()
    seen: set[str] = set()
    name: str | None = model_name
    while name is not None and name not in seen:
        seen.add(name)
        lineage = lineage_of(store, name)
        if lineage is None:
            break
        pairs |= lineage.trained_on()
        name = lineage.base.registered_as
    return pairs
