"""metrics.jsonl and metrics.svg without training anything: a line cut by a kill is
skipped, and the plot is well-formed SVG whatever was logged. (Lines streamed per
step, GRPO's statuses in them and a resume's truncation are checked by the training
tests.)"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from fairclimb.train import TrainOptions
from fairclimb.train._metrics import read_metrics, write_plot


def test_a_line_cut_by_a_kill_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "metrics.jsonl"
    path.write_text('{"step": 1, "loss": 2.0}\n{"step": 2, "lo')
    assert read_metrics(path) == [{"step": 1, "loss": 2.0}]


@pytest.mark.parametrize("rows", [
    [],
    [{"step": 1, "loss": 2.0}],
    [{"step": s, "loss": 3.0 - s / 10, "reward": s / 20, "statuses": {"passed": s}}
     for s in range(1, 21)],
    [{"step": 1, "loss": float("nan")}, {"step": 2, "loss": 1.0, "note": "<&>"}],
])
def test_the_plot_is_well_formed_svg(tmp_path: Path, rows: list[dict[str, object]]) -> None:
    path = tmp_path / "metrics.svg"
    write_plot(rows, path, "fairclimb train sft: <student & co>")
    root = ET.fromstring(path.read_text())
    assert root.tag.endswith("svg")
    lines = root.findall("{http://www.w3.org/2000/svg}polyline")
    plotted = {key for row in rows for key in row if key in ("loss", "reward")
               and any(isinstance(r.get(key), float) and r[key] == r[key] for r in rows)}
    statuses = 1 if any("statuses" in row for row in rows) else 0  # "share passed"
    assert len(lines) == len(plotted) + statuses


def test_options_name_defaults_to_the_out_directory(tmp_path: Path) -> None:
    options = TrainOptions(base="b", out=tmp_path / "runs" / "student")
    assert options.registered_name == "student"
    assert TrainOptions(base="b", out=tmp_path, name="other").registered_name == "other"
    assert options.hyperparameters()["out"] == str(tmp_path / "runs" / "student")
