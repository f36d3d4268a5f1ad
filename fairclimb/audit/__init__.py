"""Audit: reports that check what other parts decided (it never changes data).

``audit_contamination`` recomputes a dataset's contamination report and compares it
with the one stored when the dataset was curated.
"""

from fairclimb.audit._contamination import ContaminationAudit, audit_contamination

__all__ = ["ContaminationAudit", "audit_contamination"]
