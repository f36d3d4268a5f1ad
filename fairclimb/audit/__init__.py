"""Audit: reports that check what other parts decided (it never changes data).

``audit_contamination`` recomputes a dataset's contamination report and compares it
with the one stored when the dataset was curated. ``climb_report`` evaluates a trained
model against its base, split by split, and flags a public-only climb.
"""

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
    climb_markdown,
    climb_svg,
    write_climb_report,
)
from fairclimb.audit._contamination import ContaminationAudit, audit_contamination

__all__ = [
    "ArenaGap",
    "ClimbFiles",
    "ClimbFlag",
    "ClimbOptions",
    "ClimbReport",
    "ClimbRow",
    "ContaminationAudit",
    "FlagKind",
    "audit_contamination",
    "climb_markdown",
    "climb_report",
    "climb_svg",
    "write_climb_report",
]
