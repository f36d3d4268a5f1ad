"""Audit: reports that check what other parts decided (it never changes data).

``audit_contamination`` recomputes a dataset's contamination report and compares it
with the one stored when the dataset was curated; ``audit_arena`` reports each
provider's private variants, battle shares and best-of-N inflation.
"""

from fairclimb.audit._arena import (
    ArenaAudit,
    ModelAudit,
    ProviderAudit,
    audit_arena,
    best_of_n_inflation,
)
from fairclimb.audit._boards import BoardComparison, SideBySide, compare_boards
from fairclimb.audit._contamination import ContaminationAudit, audit_contamination

__all__ = ["ArenaAudit", "BoardComparison", "ContaminationAudit", "ModelAudit",
           "ProviderAudit", "SideBySide", "audit_arena", "audit_contamination",
           "best_of_n_inflation", "compare_boards"]
