"""A run's metrics: streamed to ``DIR/metrics.jsonl`` as they are logged, plotted to
``DIR/metrics.svg`` at the end (plain SVG text: no plotting library needed).

The JSONL file is appended to and flushed per log, so a killed run keeps every line it
logged; a resumed run first drops the lines logged after the checkpoint it resumes
from, so each step appears once.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from html import escape
from pathlib import Path
from typing import Any

__all__ = ["METRICS_FILE", "PLOT_FILE", "MetricsLog", "read_metrics", "write_plot"]

METRICS_FILE = "metrics.jsonl"
PLOT_FILE = "metrics.svg"

# What the plot shows, in this order, when the run logged it.
_PLOTTED = ("loss", "reward", "reward_std", "rewards/margins", "rewards/accuracies",
            "accuracy", "margin", "reward_model", "learning_rate")


class MetricsLog:
    """Appends one JSON line per log to ``DIR/metrics.jsonl``.

    ``extra`` is called at each log and its entries are added to the line (GRPO adds the
    execution statuses counted since the last log).
    """

    def __init__(self, out: Path, extra: Callable[[], Mapping[str, Any]] | None = None) -> None:
        self.path = out / METRICS_FILE
        self._extra = extra

    def truncate_after(self, step: int) -> None:
        """Keep only the lines of steps up to *step* (the checkpoint resumed from)."""
        kept = [row for row in read_metrics(self.path) if int(row.get("step", 0)) <= step]
        self._rewrite(kept)

    def clear(self) -> None:
        self._rewrite([])

    def log(self, step: int, epoch: float | None, logs: Mapping[str, Any]) -> None:
        row: dict[str, Any] = {"step": step}
        if epoch is not None:
            row["epoch"] = round(float(epoch), 4)
        row.update({key: _plain(value) for key, value in logs.items()})
        if self._extra is not None:
            row.update(self._extra())
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(row, sort_keys=True) + "\n")
            handle.flush()

    def _rewrite(self, rows: Sequence[Mapping[str, Any]]) -> None:
        temporary = self.path.with_suffix(".jsonl.tmp")
        temporary.write_text("".join(json.dumps(r, sort_keys=True) + "\n" for r in rows),
                             encoding="utf-8")
        temporary.replace(self.path)


def _plain(value: Any) -> Any:
    if isinstance(value, int | float | str | bool) or value is None:
        return value
    try:
        return float(value)
    except (TypeError, ValueError):
        return str(value)


def read_metrics(path: Path) -> list[dict[str, Any]]:
    """Every complete line of a metrics file (a line cut by a kill is skipped)."""
    if not path.exists():
        return []
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            row = json.loads(line)
        except ValueError:
            continue
        if isinstance(row, dict):
            rows.append(row)
    return rows


Series = list[tuple[float, float]]  # (step, value)


def _series(rows: Sequence[Mapping[str, Any]], key: str) -> Series:
    points = []
    for row in rows:
        value = row.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool) \
                and math.isfinite(value):
            points.append((float(row.get("step", 0)), float(value)))
    return points


def _status_shares(rows: Sequence[Mapping[str, Any]]) -> list[tuple[str, Series]]:
    """For GRPO: each status's share of the step's rewarded completions, for every
    status that occurred at all (a drift toward timeouts shows as a rising line)."""
    counted = [(float(row.get("step", 0)), row["statuses"]) for row in rows
               if isinstance(row.get("statuses"), Mapping) and sum(row["statuses"].values())]
    names = sorted({name for _, counts in counted for name, n in counts.items() if n})
    return [(f"share {name}", [(step, counts.get(name, 0) / sum(counts.values()))
                               for step, counts in counted]) for name in names]


def write_plot(rows: Sequence[Mapping[str, Any]], path: Path, title: str) -> None:
    """One small panel per plotted metric against the step, stacked, as SVG text."""
    panels = [(key, pts) for key in _PLOTTED if len(pts := _series(rows, key)) > 0]
    panels += _status_shares(rows)
    width, height, pad = 640, 150, 44
    total = max(1, len(panels)) * height + 30
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{total}" '
             f'viewBox="0 0 {width} {total}" font-family="sans-serif" font-size="11">',
             f'<text x="{pad}" y="18" font-size="13">{escape(title)}</text>']
    if not panels:
        parts.append(f'<text x="{pad}" y="50">no metrics were logged</text>')
    for index, (key, points) in enumerate(panels):
        parts.extend(_panel(key, points, 30 + index * height, width, height, pad))
    parts.append("</svg>")
    path.write_text("\n".join(parts) + "\n", encoding="utf-8")


def _panel(key: str, points: list[tuple[float, float]], top: int, width: int,
           height: int, pad: int) -> list[str]:
    xs = [x for x, _ in points]
    ys = [y for _, y in points]
    x0, x1 = min(xs), max(xs) if max(xs) > min(xs) else min(xs) + 1
    y0, y1 = min(ys), max(ys) if max(ys) > min(ys) else min(ys) + 1
    inner_w, inner_h = width - 2 * pad, height - 50

    def at(x: float, y: float) -> str:
        px = pad + (x - x0) / (x1 - x0) * inner_w
        py = top + 20 + (1 - (y - y0) / (y1 - y0)) * inner_h
        return f"{px:.1f},{py:.1f}"

    line = " ".join(at(x, y) for x, y in points)
    bottom = top + 20 + inner_h
    return [
        f'<text x="{pad}" y="{top + 12}">{escape(key)} (last {ys[-1]:.4g})</text>',
        f'<rect x="{pad}" y="{top + 20}" width="{inner_w}" height="{inner_h}" fill="none" '
        'stroke="#ccc"/>',
        f'<text x="4" y="{top + 28}">{y1:.3g}</text>',
        f'<text x="4" y="{bottom}">{y0:.3g}</text>',
        f'<text x="{pad}" y="{bottom + 14}">step {x0:g}</text>',
        f'<text x="{width - pad}" y="{bottom + 14}" text-anchor="end">step {x1:g}</text>',
        f'<polyline fill="none" stroke="#2563eb" stroke-width="1.5" points="{line}"/>',
    ]
