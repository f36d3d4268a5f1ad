"""Audit: reports that check what other parts decided (it never changes data).

``audit_contamination`` recomputes a dataset's contamination report and compares it
with the one stored when the dataset was curated. ``climb_report`` evaluates a trained
model against its base, split by split, and flags a public-only climb.
``audit_memorisation`` compares a model's pass@1 on a suite's tasks with its pass@1
on their perturbed variants. ``audit_arena`` reports each provider's private
variants, battle shares and best-of-N inflation; ``compare_boards`` explains why two
leaderboards disagree.
"""

from fairclimb.audit._arena import (
    ArenaAudit,
    ModelAudit,
    ProviderAudit,
    audit_arena,
)
from fairclimb.audit._boards import BoardComparison, SideBySide, compare_boards
from fairclimb.audit._climb import (
    ArenaGap,
    ClimbFlag,
    ClimbOptions,
    ClimbReport,
    ClimbRow,
    FlagKind,
    climb_report,
)
from fairclimb.audit._climb_render import (
    ClimbFiles,
    climb_cells,
    climb_markdown,
    climb_method,
    climb_notes,
    climb_svg,
    write_climb_report,
)
from fairclimb.audit._contamination import ContaminationAudit, audit_contamination
from fairclimb.audit._memorisation import (
    MemorisationOptions,
    MemorisationReport,
    TaskPair,
    audit_memorisation,
)
from fairclimb.audit._min_k import MinKPair, MinKReport
from fairclimb.audit._paired import paired_bootstrap

__all__ = [
    "ArenaAudit",
    "ArenaGap",
    "BoardComparison",
    "ClimbFiles",
    "ClimbFlag",
    "ClimbOptions",
    "ClimbReport",
    "ClimbRow",
    "ContaminationAudit",
    "FlagKind",
    "MemorisationOptions",
    "MemorisationReport",
    "MinKPair",
    "MinKReport",
    "ModelAudit",
    "ProviderAudit",
    "SideBySide",
    "TaskPair",
    "audit_arena",
    "audit_contamination",
    "audit_memorisation",
    "climb_cells",
    "climb_markdown",
    "climb_method",
    "climb_notes",
    "climb_report",
    "climb_svg",
    "compare_boards",
    "paired_bootstrap",
    "write_climb_report",
]
