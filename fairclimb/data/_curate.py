"""Curation: after records are added, decide which of a dataset's offers are kept.

Statuses, strongest first: ``failed_execution`` and ``excluded`` (decided when the
offer was made, never revisited), ``contaminated`` (matches a benchmark task),
``duplicate`` (the same record, or a near-duplicate of one, came earlier), ``kept``.
The contamination report is replaced by the one computed here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from fairclimb.data._decontam import DecontamOptions, RecordText, decontaminate
from fairclimb.data._dedup import DedupParams, near_duplicates
from fairclimb.data._records import MemberStatus, message_texts, record_text
from fairclimb.errors import UserInputError
from fairclimb.store import ContaminationRow, DataRepository, MemberRow
from fairclimb.suites import Task

__all__ = ["FINAL_STATUSES", "CurationOutcome", "curate", "curation_params", "prompt_of",
           "record_texts", "recorded_params"]

# Decided when the offer was made, never revisited by curation.
FINAL_STATUSES = {MemberStatus.FAILED_EXECUTION.value, MemberStatus.EXCLUDED.value}


@dataclass(frozen=True, slots=True)
class CurationOutcome:
    statuses: dict[str, tuple[str, str]]  # source key -> (status, reason)
    report: list[ContaminationRow]


def prompt_of(kind: str, content: dict[str, Any]) -> str:
    """What a record asks: its first user message, or its prompt."""
    if kind == "sft":
        users = [m for m in content.get("messages", []) if m.get("role") == "user"]
        return str(users[0]["content"]) if users else ""
    return "\n".join(message_texts(content.get("prompt")))


def record_texts(members: Sequence[MemberRow]) -> list[RecordText]:
    seen: dict[str, RecordText] = {}
    for member in members:
        record = member.record
        if record.record_id not in seen:
            seen[record.record_id] = RecordText(record.record_id,
                                                record_text(record.kind, record.content),
                                                prompt_of(record.kind, record.content))
    return list(seen.values())


def judge(members: Sequence[MemberRow], tasks: Sequence[Task], dedup: DedupParams,
          decontam: DecontamOptions) -> CurationOutcome:
    """The status every offer should have, and the contamination report."""
    live = [m for m in members if m.status not in FINAL_STATUSES]
    report = decontaminate(record_texts(live), tasks, decontam)
    tainted: dict[str, list[str]] = {}
    for row in report:
        tainted.setdefault(row.record_id, []).append(f"{row.task_id} ({row.method})")
    statuses = {m.source_key: (m.status, m.reason) for m in members if m.status in FINAL_STATUSES}
    first_of: dict[str, MemberRow] = {}
    unique: list[MemberRow] = []
    for member in live:
        rid = member.record.record_id
        if rid in tainted:
            statuses[member.source_key] = (MemberStatus.CONTAMINATED.value,
                                           "matches " + ", ".join(sorted(set(tainted[rid]))))
        elif rid in first_of:
            statuses[member.source_key] = (MemberStatus.DUPLICATE.value,
                                           f"exact duplicate of record {rid[:12]}")
        else:
            first_of[rid] = member
            unique.append(member)
    by_kind: dict[str, list[MemberRow]] = {}
    for member in unique:
        by_kind.setdefault(member.record.kind, []).append(member)
    for group in by_kind.values():
        texts = [record_text(m.record.kind, m.record.content) for m in group]
        near = near_duplicates(texts, dedup).duplicate_of
        for index, member in enumerate(group):
            if index in near:
                other = group[near[index]].record.record_id
                statuses[member.source_key] = (MemberStatus.DUPLICATE.value,
                                               f"near duplicate of record {other[:12]}")
            else:
                statuses[member.source_key] = (MemberStatus.KEPT.value, "")
    return CurationOutcome(statuses, report)


def curate(repo: DataRepository, dataset: str, tasks: Sequence[Task],
           dedup: DedupParams | None = None,
           decontam: DecontamOptions | None = None) -> CurationOutcome:
    """Recompute and store the statuses of every offer to *dataset*."""
    dedup = dedup or DedupParams()
    decontam = decontam or DecontamOptions()
    outcome = judge(repo.members(dataset), tasks, dedup, decontam)
    repo.save_curation(dataset, outcome.statuses, outcome.report,
                       {"dedup": dedup.as_dict(), "decontamination": decontam.as_dict(),
                        "checked_tasks": len(tasks)})
    return outcome


def curation_params(dedup_threshold: float | None = None, ngram_threshold: float | None = None,
                    minhash_threshold: float | None = None
                    ) -> tuple[DedupParams | None, DecontamOptions | None]:
    """The dedup and decontamination settings a person asked for (None: not asked, so
    the dataset's recorded settings, or the defaults, apply)."""
    for option, value in (("--dedup-threshold", dedup_threshold),
                          ("--ngram-threshold", ngram_threshold),
                          ("--minhash-threshold", minhash_threshold)):
        if value is not None and not 0.0 < value <= 1.0:
            raise UserInputError(f"{option} is a similarity in (0, 1], not {value}")
    dedup = None if dedup_threshold is None else DedupParams(threshold=dedup_threshold)
    if ngram_threshold is None and minhash_threshold is None:
        return dedup, None
    default = DecontamOptions()
    return dedup, replace(default, ngram_threshold=ngram_threshold or default.ngram_threshold,
                          minhash_threshold=minhash_threshold or default.minhash_threshold)


def recorded_params(notes: Mapping[str, Any]) -> tuple[DedupParams, DecontamOptions]:
    """The settings a dataset was last curated with (its notes), so that adding records
    later keeps the thresholds its owner chose."""
    dedup, decontam = notes.get("dedup") or {}, notes.get("decontamination") or {}
    return (DedupParams(**{k: dedup[k] for k in ("shingle", "num_perm", "threshold", "seed")
                           if k in dedup}),
            DecontamOptions(**{k: decontam[k] for k in (
                "ngram", "ngram_threshold", "minhash_threshold", "min_substring",
                "embeddings", "embedding_threshold", "num_perm") if k in decontam}))
