"""Audit: reports that check what other parts decided (it never changes data).

``audit_contamination`` recomputes a dataset's contamination report and compares it
with the one stored when the dataset was curated. ``audit_memorisation`` compares a
model's pass@1 on a suite's tasks with its pass@1 on their perturbed variants.
"""

from fairclimb.audit._contamination import ContaminationAudit, audit_contamination
from fairclimb.audit._memorisation import (
    MemorisationOptions,
    MemorisationReport,
    TaskPair,
    audit_memorisation,
    paired_bootstrap,
)
from fairclimb.audit._min_k import MinKPair, MinKReport, min_k_score

__all__ = [
    "ContaminationAudit",
    "MemorisationOptions",
    "MemorisationReport",
    "MinKPair",
    "MinKReport",
    "TaskPair",
    "audit_contamination",
    "audit_memorisation",
    "min_k_score",
    "paired_bootstrap",
]
