"""New datasets from stored ones: ``data merge`` (the union of several) and ``data split``
(a train and a validation set). Records are never copied or re-made: the new dataset
offers the same content-addressed records, through the record gate's ``readmit``."""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from fairclimb.data._curate import prompt_of
from fairclimb.data._datasets import require_dataset
from fairclimb.data._gate import readmit
from fairclimb.data._records import MemberStatus
from fairclimb.errors import UserInputError
from fairclimb.store import DataRepository, MemberRow, Store

__all__ = ["ReshapeOutcome", "merge_datasets", "split_dataset"]

# Notes that describe where rows came from, carried from the source datasets so that the
# new dataset's card names the same teachers, overrides and imports. Curation settings
# are not: the new dataset is curated afresh and records its own.
_CARRIED = ("teachers", "overrides", "warnings", "sources", "feedback_imports",
            "gate_refusals", "served_aliases")


@dataclass(frozen=True, slots=True)
class ReshapeOutcome:
    dataset: str
    offered: int
    added: int
    kept: int

    def to_json(self) -> dict[str, Any]:
        return {"dataset": self.dataset, "offered": self.offered, "added": self.added,
                "kept": self.kept}


def merge_datasets(store: Store, sources: Sequence[str], into: str) -> ReshapeOutcome:
    """A new dataset *into* holding every offer of *sources* (statuses recomputed over the
    union: a record in two sources is kept once). Rerunning the same merge adds nothing."""
    into = into.strip()
    if len(sources) < 2 or len(set(sources)) < len(sources):
        raise UserInputError("data merge needs at least two different datasets to merge")
    if not into or into in sources:
        raise UserInputError("--into must name a new dataset, not one of those merged")
    repo = DataRepository(store)
    infos = [require_dataset(repo, name) for name in sources]
    _refuse_other_target(repo, into, {"merged_from": list(sources)})
    members = [(f"{name}/{m.source_key}", m) for name in sources for m in repo.members(name)]
    notes: dict[str, Any] = {"merged_from": list(sources)}
    for info in infos:
        notes = _carry(notes, info.notes)
    outcome = readmit(store, into, members, notes=notes)
    return ReshapeOutcome(into, outcome.offered, outcome.added, outcome.kept)


def split_dataset(store: Store, name: str, validation: float, seed: int,
                  names: tuple[str, str] | None = None) -> tuple[ReshapeOutcome, ReshapeOutcome]:
    """Split the kept rows of *name* into ``NAME-train`` and ``NAME-validation``. Rows
    that ask the same prompt go to the same side (a validation prompt seen in training
    would flatter the validation loss); the draw is seeded, so the split reproduces."""
    if not 0.0 < validation < 1.0:
        raise UserInputError(f"--validation is the share of rows held out, between 0 and 1 "
                             f"(e.g. 0.1), not {validation}")
    train_name, validation_name = names or (f"{name}-train", f"{name}-validation")
    repo = DataRepository(store)
    info = require_dataset(repo, name)
    kept = [m for m in repo.members(name) if m.status == MemberStatus.KEPT]
    groups = _by_prompt(kept)
    if len(groups) < 2:
        raise UserInputError(f"dataset {name!r} has {len(kept)} kept row(s) asking "
                             f"{len(groups)} prompt(s); a split needs at least two prompts")
    held = _draw(groups, validation, seed)
    recipe = {"split_from": name, "validation": validation, "seed": seed}
    for target in (train_name, validation_name):
        _refuse_other_target(repo, target, {"split_of": recipe})
    outcomes = []
    for target, side in ((train_name, False), (validation_name, True)):
        members = [(f"{name}/{m.source_key}", m) for key in sorted(groups)
                   if (key in held) == side for m in groups[key]]
        notes = _carry({"split_of": {**recipe, "side": "validation" if side else "train"}},
                       info.notes)
        outcome = readmit(store, target, members, notes=notes)
        outcomes.append(ReshapeOutcome(target, outcome.offered, outcome.added, outcome.kept))
    return outcomes[0], outcomes[1]


def _by_prompt(members: Sequence[MemberRow]) -> dict[str, list[MemberRow]]:
    groups: dict[str, list[MemberRow]] = {}
    for member in members:
        prompt = prompt_of(member.record.kind, member.record.content)
        key = hashlib.sha256(prompt.encode("utf-8")).hexdigest()
        groups.setdefault(key, []).append(member)
    return groups


def _draw(groups: dict[str, list[MemberRow]], share: float, seed: int) -> set[str]:
    """Whole prompt groups for validation, in a seeded order, until the share is met
    (at least one group, and never all of them)."""
    order = sorted(groups)
    random.Random(seed).shuffle(order)
    wanted = math.ceil(share * sum(len(g) for g in groups.values()))
    held: set[str] = set()
    rows = 0
    for key in order[:-1]:
        if rows >= wanted:
            break
        held.add(key)
        rows += len(groups[key])
    return held


def _refuse_other_target(repo: DataRepository, name: str, recipe: dict[str, Any]) -> None:
    """A target that exists must be this very recipe's earlier (perhaps interrupted) run."""
    info = repo.get_dataset(name)
    if info is None:
        return
    key, value = next(iter(recipe.items()))
    earlier = info.notes.get(key)
    if isinstance(earlier, dict):
        earlier = {k: v for k, v in earlier.items() if k != "side"}
    if earlier != value:
        made_by = key.split("_")[0]  # merge or split
        raise UserInputError(f"dataset {name!r} exists and was not made by this {made_by}; "
                             "choose another name")


def _carry(notes: dict[str, Any], source: dict[str, Any]) -> dict[str, Any]:
    merged = dict(notes)
    for key in _CARRIED:
        value = source.get(key)
        if isinstance(value, list):
            merged[key] = [*merged.get(key, []), *(v for v in value
                                                   if v not in merged.get(key, []))]
        elif isinstance(value, dict):
            merged[key] = {**merged.get(key, {}), **value}
    return merged
