"""The record gate: the one function every training record passes before it is stored.

Whatever made a record (distil, a votes file, the arena, a person's correction, a
trainer's own generations), :func:`admit` is the only way into a dataset. It

a. derives the record's check text from the contents of its messages, per kind
   (:func:`fairclimb.data._records.record_text`);
b. applies the terms gate to **every** model whose output the record contains: a model
   whose terms ``forbid`` training is refused unless the dataset has a recorded
   override with a reason; ``unknown`` terms pass with a warning. When the provider
   reported a served model that is not the registered one, the gate says so and applies
   the stricter terms of the two, unless the admin mapped that served model to a
   registered model (``aliases``);
c. drops preference pairs whose chosen and rejected answers are the same text;
d. stores what passed and curates the dataset (dedup and decontamination);
e. writes its decision into each record's provenance (``provenance["gate"]``, with a
   ``schema_version``), which the store requires of every record it keeps.

Refused records are never stored; they are counted by a :class:`DropReason`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from fairclimb.data._curate import FINAL_STATUSES, CurationOutcome, curate, recorded_params
from fairclimb.data._decontam import DecontamOptions, known_tasks
from fairclimb.data._dedup import DedupParams
from fairclimb.data._records import (
    MemberStatus,
    Origin,
    RecordKind,
    TrainingRecord,
    content_hash,
    message_texts,
    record_text,
)
from fairclimb.errors import UserInputError
from fairclimb.executor import ExecutorChoice
from fairclimb.models import ModelSpec, Terms
from fairclimb.store import GATE_SCHEMA_VERSION, DataRepository, MemberRow, Offer, Store
from fairclimb.suites import Task

__all__ = ["GATE_SCHEMA_VERSION", "Candidate", "DropReason", "GateOutcome", "ModelOutput",
           "TermsPolicy", "admit", "readmit", "record_alias", "unknown_terms_warning"]

_STRICTNESS = {Terms.ALLOW: 0, Terms.UNKNOWN: 1, Terms.FORBID: 2}


class DropReason(StrEnum):
    """Why the gate refused a record (it is then not stored at all)."""

    TERMS_FORBID = "terms_forbid"  # a model whose terms forbid training wrote part of it
    IDENTICAL_PAIR = "identical_pair"  # chosen and rejected are the same text


@dataclass(frozen=True, slots=True)
class ModelOutput:
    """A model whose text is in a record: which part, and the model the provider said
    served the call (``served_model``, from the response), when known."""

    model: str
    part: str  # answer, chosen, rejected, corrected (the parent of a correction)
    served_model: str | None = None


@dataclass(frozen=True, slots=True)
class Candidate:
    """A record offered to a dataset, keyed by where it came from (a rerun offers the
    same key and adds nothing), with every model output it contains."""

    source_key: str
    record: TrainingRecord
    outputs: tuple[ModelOutput, ...]
    status: MemberStatus = MemberStatus.KEPT
    reason: str = ""


@dataclass(frozen=True, slots=True)
class TermsPolicy:
    """What the gate knows about terms: the registry, the dataset's overrides (model ->
    reason) and the admin's served-model aliases (served model -> registered name)."""

    registry: Mapping[str, ModelSpec]
    overrides: Mapping[str, str] = field(default_factory=dict)
    aliases: Mapping[str, str] = field(default_factory=dict)

    def decide(self, output: ModelOutput) -> dict[str, Any]:
        spec = self.registry.get(output.model)
        terms = spec.terms if spec is not None else Terms.UNKNOWN
        effective, mismatch = terms, None
        served = output.served_model
        if spec is not None and served and served not in (spec.model_id, spec.name):
            mapped = self.registry.get(self.aliases.get(served, ""))
            if mapped is not None:
                effective = mapped.terms
            else:
                other = next((s for s in self.registry.values()
                              if served in (s.model_id, s.name)), None)
                other_terms = other.terms if other is not None else Terms.UNKNOWN
                effective = max(terms, other_terms, key=_STRICTNESS.__getitem__)
                mismatch = (f"the provider reported served model {served!r}, not "
                            f"{spec.model_id!r}: the stricter terms ({effective.value}) "
                            "apply until an alias maps it to a registered model")
        override = self.overrides.get(output.model) or (
            self.overrides.get(served) if served else None)
        warning = unknown_terms_warning(output.model) if terms is Terms.UNKNOWN else None
        return {"model": output.model, "part": output.part, "served_model": served,
                "terms": terms.value, "effective_terms": effective.value,
                "override": override, "warning": warning, "served_mismatch": mismatch,
                "refused": effective is Terms.FORBID and not override}


@dataclass(frozen=True, slots=True)
class GateOutcome:
    dataset: str
    offered: int  # records made by the path
    added: int  # offers new to the dataset (0 on a rerun)
    kept: int  # rows of the dataset kept after curation
    refused: dict[str, int]  # DropReason value -> records refused by the gate
    warnings: list[str]
    curation: CurationOutcome


def unknown_terms_warning(model: str) -> str:
    return (f"the terms of model {model!r} are unknown: check whether they allow training "
            "on its outputs before using this data")


def record_alias(store: Store, dataset: str, served: str, name: str) -> dict[str, str]:
    """Record in *dataset*'s notes that the served model *served* (as a provider reports
    it) is the registered model *name*: the gate then applies *name*'s terms to it.
    Returns the dataset's aliases."""
    served, name, dataset = served.strip(), name.strip(), dataset.strip()
    if not served or not dataset:
        raise UserInputError("give the dataset and the served model name the provider "
                             "reports")
    store.require_model(name)
    repo = DataRepository(store)
    info = repo.get_dataset(dataset)
    aliases = {**(info.notes.get("served_aliases", {}) if info else {}), served: name}
    repo.add_offers(dataset, [], {"served_aliases": aliases})
    return aliases


def _identical(record: TrainingRecord) -> bool:
    if record.kind is not RecordKind.PREFERENCE:
        return False
    chosen = [t.strip() for t in message_texts(record.content.get("chosen"))]
    rejected = [t.strip() for t in message_texts(record.content.get("rejected"))]
    return chosen == rejected


def _needs_outputs(record: TrainingRecord) -> bool:
    """Whether a model wrote part of the record, so the gate must know which."""
    return record.origin is not Origin.HUMAN or record.kind is not RecordKind.SFT


def _stamp(record: TrainingRecord, decisions: list[dict[str, Any]]) -> TrainingRecord:
    gate = {"schema_version": GATE_SCHEMA_VERSION,
            "checked_at": datetime.now(UTC).isoformat(),
            "check_text_sha256": content_hash(record_text(record.kind, record.content)),
            "models": [{k: v for k, v in d.items() if k != "refused"} for d in decisions],
            "warnings": sorted({d["warning"] for d in decisions if d["warning"]}
                               | {d["served_mismatch"] for d in decisions
                                  if d["served_mismatch"]})}
    return replace(record, provenance={**record.provenance, "gate": gate})


def _policy(store: Store, repo: DataRepository, dataset: str, overrides: Mapping[str, str],
            aliases: Mapping[str, str]) -> TermsPolicy:
    info = repo.get_dataset(dataset)
    notes = info.notes if info is not None else {}
    recorded = {str(o.get("model") or o.get("teacher")): str(o["reason"])
                for o in notes.get("overrides", []) if o.get("reason")}
    for model, reason in overrides.items():
        if not reason.strip():
            raise UserInputError(f"the override for {model!r} needs a reason saying why "
                                 "training on its outputs is allowed despite its terms")
    return TermsPolicy({s.name: s for s in store.list_models()},
                       {**recorded, **overrides},
                       {**notes.get("served_aliases", {}), **aliases})


def admit(store: Store, dataset: str, candidates: Sequence[Candidate], *, source: str,
          notes: Mapping[str, Any] | None = None, overrides: Mapping[str, str] | None = None,
          aliases: Mapping[str, str] | None = None, extra_tasks: Sequence[Task] = (),
          dedup: DedupParams | None = None,
          decontam: DecontamOptions | None = None,
          executor: ExecutorChoice | None = None) -> GateOutcome:
    """Gate *candidates* into *dataset*, then curate it. *overrides* (model -> reason)
    and *aliases* (served -> registered) are recorded in the dataset's notes and apply
    to later imports into it too. *executor*: where curation signs texts (a Ray
    cluster's nodes, say); it changes no result."""
    dataset = dataset.strip()
    if not dataset:
        raise UserInputError("--dataset must name the dataset to add the records to")
    repo = DataRepository(store)
    policy = _policy(store, repo, dataset, overrides or {}, aliases or {})
    offers: list[Offer] = []
    refused: Counter[str] = Counter()
    used: dict[str, dict[str, Any]] = {}
    for candidate in candidates:
        record = candidate.record
        if _needs_outputs(record) and not candidate.outputs:
            raise RuntimeError(f"a {record.kind} record from {source} names no model "
                               "output; the gate cannot check its terms")
        if _identical(record):
            refused[DropReason.IDENTICAL_PAIR.value] += 1
            continue
        decisions = [policy.decide(output) for output in candidate.outputs]
        if any(d["refused"] for d in decisions):
            refused[DropReason.TERMS_FORBID.value] += 1
            continue
        for d in decisions:
            used.setdefault(d["model"], d)
        offers.append(Offer(candidate.source_key, _stamp(record, decisions).stored(),
                            candidate.status, candidate.reason))
    warnings = sorted({w for d in used.values()
                       for w in (d["warning"], d["served_mismatch"]) if w})
    added = repo.add_offers(dataset, offers,
                            _notes(notes or {}, policy, used, refused, source, warnings))
    info = repo.get_dataset(dataset)
    recorded = recorded_params(info.notes if info is not None else {})
    params, options = dedup or recorded[0], decontam or recorded[1]
    if executor is not None:
        params, options = replace(params, executor=executor), replace(options, executor=executor)
    curated = curate(repo, dataset, known_tasks(extra_tasks, store), params, options)
    kept = sum(1 for status, _ in curated.statuses.values() if status == MemberStatus.KEPT)
    return GateOutcome(dataset, len(candidates), added, kept, dict(refused), warnings,
                       curated)


def _notes(notes: Mapping[str, Any], policy: TermsPolicy, used: Mapping[str, dict[str, Any]],
           refused: Counter[str], source: str, warnings: list[str]) -> dict[str, Any]:
    today = datetime.now(UTC).date().isoformat()
    merged: dict[str, Any] = dict(notes)
    overrides = [{"model": d["model"], "terms": d["effective_terms"], "reason": d["override"],
                  "at": today} for d in used.values() if d["override"]]
    if overrides:
        merged["overrides"] = [*merged.get("overrides", []), *overrides]
    if warnings:
        merged["warnings"] = list(dict.fromkeys([*merged.get("warnings", []), *warnings]))
    if policy.aliases:
        merged["served_aliases"] = dict(policy.aliases)
    if refused:
        merged["gate_refusals"] = [{"source": source, **dict(sorted(refused.items()))}]
    return merged


def readmit(store: Store, dataset: str, members: Sequence[tuple[str, MemberRow]], *,
            notes: Mapping[str, Any], dedup: DedupParams | None = None,
            decontam: DecontamOptions | None = None) -> GateOutcome:
    """Offer records already stored in other datasets to *dataset* (``data merge`` and
    ``data split``), each under a new source key. Their gate decision stands: it is in
    their provenance, made when they first passed, with the source datasets' overrides
    carried in *notes*; final statuses (failed execution, excluded) stay, and the new
    dataset is curated over the union, so a record in two sources is kept once."""
    repo = DataRepository(store)
    offers = [Offer(key, member.record, member.status, member.reason)
              if member.status in FINAL_STATUSES
              else Offer(key, member.record, MemberStatus.KEPT.value)  # curated afresh below
              for key, member in members]
    added = repo.add_offers(dataset, offers, notes)
    info = repo.get_dataset(dataset)
    recorded = recorded_params(info.notes if info is not None else {})
    curated = curate(repo, dataset, known_tasks((), store), dedup or recorded[0],
                     decontam or recorded[1])
    kept = sum(1 for status, _ in curated.statuses.values() if status == MemberStatus.KEPT)
    return GateOutcome(dataset, len(offers), added, kept, {}, [], curated)

