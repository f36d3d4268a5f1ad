"""metrics.jsonl and metrics.svg without training anything: lines survive a kill, a
resume drops what came after its checkpoint, and the plot is well-formed SVG."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from fairclimb.train._metrics import MetricsLog, read_metrics, write_plot
from fairclimb.train._options import TrainOptions


def test_each_log_is_a_flushed_line_with_the_extra_entries(tmp_path: Path) -> None:
    counts = iter([{"passed": 1, "failed": 3}, {"passed": 2, "failed": 2}])
    log = MetricsLog(tmp_path, lambda: {"statuses": next(counts)})
    log.log(1, 0.5, {"loss": 2.0, "reward": 0.25})
    assert read_metrics(tmp_path / "metrics.jsonl") == [
        {"step": 1, "epoch": 0.5, "loss": 2.0, "reward": 0.25,
         "statuses": {"passed": 1, "failed": 3}}]
    log.log(2, None, {"loss": 1.5})
    assert [row["statuses"]["passed"] for row in read_metrics(log.path)] == [1, 2]


def test_a_line_cut_by_a_kill_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "metrics.jsonl"
    path.write_text('{"step": 1, "loss": 2.0}\n{"step": 2, "lo')
    assert read_metrics(path) == [{"step": 1, "loss": 2.0}]


def test_a_resume_keeps_only_the_lines_up_to_its_checkpoint(tmp_path: Path) -> None:
    log = MetricsLog(tmp_path)
    for step in range(1, 8):
        log.log(step, None, {"loss": 1.0 / step})
    log.truncate_after(4)
    assert [row["step"] for row in read_metrics(log.path)] == [1, 2, 3, 4]
    log.log(5, None, {"loss": 0.2})
    assert [row["step"] for row in read_metrics(log.path)] == [1, 2, 3, 4, 5]
    log.clear()
    assert read_metrics(log.path) == []


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
