"""The climb report on paper: Markdown, JSON and one SVG plot of the paired differences."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from html import escape
from pathlib import Path

from fairclimb.audit._climb import ClimbReport, ClimbRow
from fairclimb.errors import UserInputError

__all__ = ["ClimbFiles", "climb_cells", "climb_markdown", "climb_method", "climb_notes",
           "climb_svg", "write_climb_report"]

TRAINED_ON = "trained on it"


@dataclass(frozen=True, slots=True)
class ClimbFiles:
    markdown: Path
    json: Path
    svg: Path


def write_climb_report(report: ClimbReport, out_dir: Path) -> ClimbFiles:
    """``climb.md``, ``climb.json`` and ``climb.svg`` in *out_dir*, each written whole."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserInputError(f"cannot create output directory {str(out_dir)!r}: "
                             f"{exc.strerror}") from None
    files = ClimbFiles(out_dir / "climb.md", out_dir / "climb.json", out_dir / "climb.svg")
    _write(files.markdown, climb_markdown(report))
    _write(files.json, json.dumps(report.to_json(), indent=2) + "\n")
    _write(files.svg, climb_svg(report))
    return files


def _write(path: Path, text: str) -> None:
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def _interval(lower: float | None, upper: float | None) -> str:
    return "n/a (fewer than 2 tasks)" if lower is None or upper is None else \
        f"[{lower:+.3f}, {upper:+.3f}]"


def climb_cells(report: ClimbReport) -> tuple[list[str], list[list[str]]]:
    """The report's table as text cells (headers, rows): the Markdown file and the
    terminal show the same figures."""
    headers = ["suite", "split", "tasks", report.base, report.trained, "diff",
               "95% interval", "tasks gained / lost"]
    return headers, [_cells(row) for row in report.rows]


def _cells(row: ClimbRow) -> list[str]:
    c = row.comparison
    note = f" ({TRAINED_ON})" if row.trained_on else ""
    return [row.suite, f"{row.split.value}{note}", str(c.tasks), f"{c.base:.3f}",
            f"{c.other:.3f}", f"{c.diff.value:+.3f}", _interval(c.diff.lower, c.diff.upper),
            f"{len(c.gained)} / {len(c.lost)}"]


def _row_line(row: ClimbRow) -> str:
    return "| " + " | ".join(_cells(row)) + " |"


def climb_markdown(report: ClimbReport) -> str:
    lines = [
        f"# Climb report: {report.trained} against {report.base}", "",
        climb_method(report), "",
        f"| suite | split | tasks | {report.base} | {report.trained} | diff | 95% interval "
        "| tasks gained / lost |",
        "| --- | --- | ---: | ---: | ---: | ---: | --- | --- |",
        *(_row_line(row) for row in report.rows), "",
        *climb_notes(report),
    ]
    return "\n".join(lines) + "\n"


def climb_method(report: ClimbReport) -> str:
    return (f"pass@1 from {report.n} sample(s) per task; differences are {report.trained} "
            f"minus {report.base}, paired by task, with 95% intervals from a paired "
            "bootstrap over tasks.")


def climb_notes(report: ClimbReport) -> list[str]:
    """Everything after the table (Markdown lists: they read the same in a terminal)."""
    lines: list[str] = []
    if any(row.trained_on for row in report.rows):
        lines += [f"\"{TRAINED_ON}\": {report.trained}'s lineage says it was trained on "
                  "that suite and split, so its score there is not a held-out score.", ""]
    if report.gaps:
        lines += ["## Public gain minus private gain", ""]
        lines += [f"- {suite}: {gap.value:+.3f}, 95% interval "
                  f"{_interval(gap.lower, gap.upper)}" for suite, gap in report.gaps.items()]
        lines.append("")
    lines += ["## Flags", ""]
    lines += [f"- **{flag.message}**" for flag in report.flags] or [
        "- none: no suite's public gain exceeds its private gain beyond noise"]
    lines += ["", "## Arena", ""]
    if report.arena is None:
        lines.append("- not both models have counted arena votes")
    else:
        a = report.arena
        lines.append(
            f"- rating {report.trained} {a.trained:.0f} [{a.trained_interval[0]:.0f}, "
            f"{a.trained_interval[1]:.0f}] vs {report.base} {a.base:.0f} "
            f"[{a.base_interval[0]:.0f}, {a.base_interval[1]:.0f}]: difference "
            f"{a.diff:+.0f}" + (" (provisional: few votes)" if a.provisional else ""))
    lines += ["", "## Runs", ""]
    lines += [f"- {what}: run {run_id}" for what, run_id in report.runs.items()]
    return lines


def climb_svg(report: ClimbReport) -> str:
    """Each suite and split's difference as a dot with its interval, around 0."""
    left, width, step, top = 260, 420, 28, 40
    height = top + step * max(len(report.rows), 1) + 40

    def x(value: float) -> float:
        return left + (max(-1.0, min(1.0, value)) + 1) / 2 * width

    flagged = {flag.suite for flag in report.flags}
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + width + 40}" '
        f'height="{height}" font-family="sans-serif" font-size="12">',
        f'<text x="10" y="20" font-size="14">{escape(report.trained)} minus '
        f'{escape(report.base)}: pass@1 difference, 95% paired interval</text>',
        f'<line x1="{x(0):.1f}" y1="{top - 10}" x2="{x(0):.1f}" y2="{height - 30}" '
        'stroke="#888" stroke-dasharray="4 3"/>',
    ]
    for tick in (-1.0, -0.5, 0.0, 0.5, 1.0):
        parts.append(f'<text x="{x(tick):.1f}" y="{height - 12}" text-anchor="middle">'
                     f'{tick:+.1f}</text>')
    for i, row in enumerate(report.rows):
        y = top + step * i + step / 2
        c = row.comparison
        colour = "#c0392b" if row.suite in flagged else "#2c6fbb"
        label = f"{row.suite} / {row.split.value}" + (" *" if row.trained_on else "")
        parts.append(f'<text x="{left - 10}" y="{y + 4:.1f}" text-anchor="end">'
                     f'{escape(label)}</text>')
        if c.diff.lower is not None and c.diff.upper is not None:
            parts.append(f'<line x1="{x(c.diff.lower):.1f}" y1="{y:.1f}" '
                         f'x2="{x(c.diff.upper):.1f}" y2="{y:.1f}" stroke="{colour}" '
                         'stroke-width="2"/>')
        parts.append(f'<circle cx="{x(c.diff.value):.1f}" cy="{y:.1f}" r="4" '
                     f'fill="{colour}"/>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
