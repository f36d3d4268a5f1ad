"""A plot of ratings with their intervals, as a self-contained SVG string.

Written by hand (no plotting dependency) so the CLI and the leaderboard page share it;
every name is XML-escaped, so a model called ``<script>`` is only text.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from fairclimb.arena._rating_records import ModelRating

__all__ = ["render_ratings_svg"]

_ROW, _LEFT, _PLOT, _TOP = 22, 220, 460, 40


def render_ratings_svg(models: Sequence[ModelRating], title: str = "Arena ratings") -> str:
    """One row per model, best first: the interval as a bar, the rating as a dot."""
    rows = sorted(models, key=lambda m: -m.rating)
    low = min((m.lower for m in rows), default=900.0)
    high = max((m.upper for m in rows), default=1100.0)
    span = max(high - low, 1.0)
    low, high = low - 0.05 * span, high + 0.05 * span

    def x(value: float) -> float:
        return _LEFT + (value - low) / (high - low) * _PLOT

    height = _TOP + _ROW * len(rows) + 30
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_LEFT + _PLOT + 40}" '
        f'height="{height}" viewBox="0 0 {_LEFT + _PLOT + 40} {height}" '
        'font-family="sans-serif" font-size="12" role="img">',
        f'<title>{escape(title)}</title>',
        f'<text x="{_LEFT}" y="20" font-size="14" font-weight="bold">{escape(title)}</text>',
    ]
    for step in _ticks(low, high):
        parts.append(f'<line x1="{x(step):.1f}" y1="{_TOP - 6}" x2="{x(step):.1f}" '
                     f'y2="{height - 24}" stroke="#ddd"/>')
        parts.append(f'<text x="{x(step):.1f}" y="{height - 10}" text-anchor="middle" '
                     f'fill="#555">{step:.0f}</text>')
    for index, m in enumerate(rows):
        y = _TOP + index * _ROW + _ROW / 2
        label = f"{m.rank_lower}-{m.rank_upper}  {m.model}" + (" *" if m.provisional else "")
        parts.append(f'<text x="{_LEFT - 8}" y="{y + 4:.1f}" text-anchor="end">'
                     f'{escape(label)}</text>')
        parts.append(f'<line x1="{x(m.lower):.1f}" y1="{y:.1f}" x2="{x(m.upper):.1f}" '
                     f'y2="{y:.1f}" stroke="#4a7ebb" stroke-width="3"/>')
        parts.append(f'<circle cx="{x(m.rating):.1f}" cy="{y:.1f}" r="4" fill="#1f3f6b">'
                     f'<title>{escape(m.model)}: {m.rating:.0f} '
                     f'({m.lower:.0f} to {m.upper:.0f})</title></circle>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _ticks(low: float, high: float) -> list[float]:
    raw = (high - low) / 6
    step = next(s for s in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000,
                            1e4, 1e5, 1e6) if s >= raw)
    first = (low // step + 1) * step
    return [first + i * step for i in range(int((high - first) // step) + 1)]
