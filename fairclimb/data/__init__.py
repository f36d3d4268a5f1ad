"""Data: training records with provenance, distillation, feedback, dedup,
decontamination, exports and dataset cards. It never trains.

Every record is content-addressed and knows its origin (human, synthetic, hybrid), the
model calls or the human work behind it, the checks it passed and its parents. A
dataset is a named set of records; its curation (execution, duplicates,
contamination) decides which are kept and exported.

The names below are loaded on first use (PEP 562): reading a battle file needs only the
vote types, not distillation, the evaluator and the store.
"""

import importlib as _importlib
import typing as _typing

if _typing.TYPE_CHECKING:
    from fairclimb.data._card import CardOutcome, write_card
    from fairclimb.data._curate import CurationOutcome, curate, curation_params, record_texts
    from fairclimb.data._datasets import (
        RecordView,
        dataset_records,
        dataset_stats,
        list_datasets,
        require_dataset,
        show_dataset,
    )
    from fairclimb.data._decontam import DecontamOptions, RecordText, decontaminate, known_tasks
    from fairclimb.data._dedup import (
        DedupParams,
        DedupResult,
        near_duplicates,
    )
    from fairclimb.data._distill import (
        DistillOutcome,
        DistillPlan,
        distill,
        plan_distill,
        read_prompts,
        terms_gate,
    )
    from fairclimb.data._export import FORMATS, ExportOutcome, export_dataset
    from fairclimb.data._feedback import (
        FeedbackOptions,
        FeedbackOutcome,
        Vote,
        import_feedback,
        read_votes,
        records_from_votes,
    )
    from fairclimb.data._gate import (
        GATE_SCHEMA_VERSION,
        Candidate,
        DropReason,
        GateOutcome,
        ModelOutput,
        TermsPolicy,
        admit,
        record_alias,
    )
    from fairclimb.data._generated import GeneratedAnswer, admit_generations
    from fairclimb.data._records import MemberStatus, Origin, RecordKind, TrainingRecord
    from fairclimb.data._reshape import ReshapeOutcome, merge_datasets, split_dataset
    from fairclimb.data._votes import Excluded, Exclusion, Winner, exclusion_text

_EXPORTS = {
    "CardOutcome": "_card",
    "write_card": "_card",
    "CurationOutcome": "_curate",
    "curate": "_curate",
    "curation_params": "_curate",
    "record_texts": "_curate",
    "RecordView": "_datasets",
    "dataset_records": "_datasets",
    "dataset_stats": "_datasets",
    "list_datasets": "_datasets",
    "require_dataset": "_datasets",
    "show_dataset": "_datasets",
    "DecontamOptions": "_decontam",
    "RecordText": "_decontam",
    "decontaminate": "_decontam",
    "known_tasks": "_decontam",
    "DedupParams": "_dedup",
    "DedupResult": "_dedup",
    "near_duplicates": "_dedup",
    "DistillOutcome": "_distill",
    "DistillPlan": "_distill",
    "distill": "_distill",
    "plan_distill": "_distill",
    "read_prompts": "_distill",
    "terms_gate": "_distill",
    "FORMATS": "_export",
    "ExportOutcome": "_export",
    "export_dataset": "_export",
    "FeedbackOptions": "_feedback",
    "FeedbackOutcome": "_feedback",
    "Vote": "_feedback",
    "import_feedback": "_feedback",
    "read_votes": "_feedback",
    "records_from_votes": "_feedback",
    "GATE_SCHEMA_VERSION": "_gate",
    "Candidate": "_gate",
    "DropReason": "_gate",
    "GateOutcome": "_gate",
    "ModelOutput": "_gate",
    "TermsPolicy": "_gate",
    "admit": "_gate",
    "record_alias": "_gate",
    "GeneratedAnswer": "_generated",
    "admit_generations": "_generated",
    "MemberStatus": "_records",
    "Origin": "_records",
    "RecordKind": "_records",
    "TrainingRecord": "_records",
    "ReshapeOutcome": "_reshape",
    "merge_datasets": "_reshape",
    "split_dataset": "_reshape",
    "Excluded": "_votes",
    "Exclusion": "_votes",
    "Winner": "_votes",
    "exclusion_text": "_votes",
}

__all__ = [
    "Candidate",
    "CardOutcome",
    "CurationOutcome",
    "DecontamOptions",
    "DedupParams",
    "DedupResult",
    "DistillOutcome",
    "DistillPlan",
    "DropReason",
    "Excluded",
    "Exclusion",
    "ExportOutcome",
    "FORMATS",
    "FeedbackOptions",
    "FeedbackOutcome",
    "GATE_SCHEMA_VERSION",
    "GateOutcome",
    "GeneratedAnswer",
    "MemberStatus",
    "ModelOutput",
    "Origin",
    "RecordKind",
    "RecordText",
    "RecordView",
    "ReshapeOutcome",
    "TermsPolicy",
    "TrainingRecord",
    "Vote",
    "Winner",
    "admit",
    "admit_generations",
    "curate",
    "curation_params",
    "dataset_records",
    "dataset_stats",
    "decontaminate",
    "distill",
    "exclusion_text",
    "export_dataset",
    "import_feedback",
    "known_tasks",
    "list_datasets",
    "merge_datasets",
    "near_duplicates",
    "plan_distill",
    "read_prompts",
    "read_votes",
    "record_alias",
    "record_texts",
    "records_from_votes",
    "require_dataset",
    "show_dataset",
    "split_dataset",
    "terms_gate",
    "write_card",
]


def __getattr__(name: str) -> _typing.Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(_importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # later look-ups are plain attribute reads
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
