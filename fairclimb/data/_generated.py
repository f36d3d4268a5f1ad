"""A trainer's own generations as training records, through the record gate.

A trainer that samples a model (its own policy, a teacher, a reward model's
candidates) and wants to keep answers as training data calls
:func:`admit_generations`: each answer becomes an SFT record, origin ``synthetic``,
and passes the same gate as every other record (terms of the model that wrote it,
served-model check, dedup, decontamination).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from fairclimb.data._gate import Candidate, GateOutcome, ModelOutput, admit
from fairclimb.data._records import (
    MemberStatus,
    Origin,
    RecordKind,
    TrainingRecord,
    content_hash,
    transformation,
)
from fairclimb.store import Store

__all__ = ["GeneratedAnswer", "admit_generations"]


@dataclass(frozen=True, slots=True)
class GeneratedAnswer:
    prompt: str
    answer: str
    model: str  # the registered model that wrote it
    served_model: str | None = None  # what the provider said served the call
    task_id: str | None = None
    passed: bool | None = None  # the execution verdict, when the trainer checked it


def admit_generations(store: Store, dataset: str, answers: Sequence[GeneratedAnswer], *,
                      source: str, overrides: Mapping[str, str] | None = None,
                      licence: str = "") -> GateOutcome:
    """Gate *answers* into *dataset* as SFT records (an answer that failed its tests is
    stored as ``failed_execution``, never kept)."""
    candidates = []
    for item in answers:
        messages = [{"role": "user", "content": item.prompt},
                    {"role": "assistant", "content": item.answer}]
        provenance = {
            "generation": {"model": item.model, "served_model": item.served_model},
            "human": None, "task": {"task_id": item.task_id} if item.task_id else None,
            "checks": {"execution": "unverified" if item.passed is None
                       else ("passed" if item.passed else "failed")},
            "transformations": [transformation("trainer_generation", source=source)],
            "parents": []}
        record = TrainingRecord(RecordKind.SFT, Origin.SYNTHETIC, {"messages": messages},
                                provenance, licence)
        status = MemberStatus.FAILED_EXECUTION if item.passed is False else MemberStatus.KEPT
        key = content_hash({"source": source, "model": item.model, "messages": messages})
        candidates.append(Candidate(key, record,
                                    (ModelOutput(item.model, "answer", item.served_model),),
                                    status, "failed its tests" if item.passed is False else ""))
    return admit(store, dataset, candidates, source=source, overrides=overrides,
                 notes={"sources": [source]})
