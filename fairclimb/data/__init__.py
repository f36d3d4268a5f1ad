"""Data: training records with provenance, distillation, feedback, dedup,
decontamination, exports and dataset cards. It never trains.

Every record is content-addressed and knows its origin (human, synthetic, hybrid), the
model calls or the human work behind it, the checks it passed and its parents. A
dataset is a named set of records; its curation (execution, duplicates,
contamination) decides which are kept and exported.
"""

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
