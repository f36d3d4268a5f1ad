"""Battle files in FastChat's format, the ratings command and the SVG plot."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from fairclimb.arena import (
    Battle,
    BattlesFileError,
    ModelRating,
    Winner,
    code_features,
    read_battles,
    render_ratings_svg,
    write_battles,
)
from fairclimb.data import Excluded, Exclusion

DATA = Path(__file__).parent / "data"


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_round_trip_keeps_every_field(tmp_path: Path) -> None:
    battles = [
        Battle("a", "b", Winner.TIE_BOTHBAD, tstamp=1.5, judge="r1", language="python",
               category="debug", weight=2.0, exclusions=(Excluded(Exclusion.MARKED),),
               features_a={"length": 10.0}, features_b={"length": 3.0}),
        Battle("b", "a", Winner.MODEL_B),
    ]
    path = tmp_path / "out.jsonl"
    assert write_battles(path, battles) == 2
    assert read_battles(path) == battles
    first = json.loads(path.read_text().splitlines()[1])
    assert first == {"model_a": "b", "model_b": "a", "winner": "model_b"}


def test_reads_a_json_list_and_ignores_extra_keys(tmp_path: Path) -> None:
    path = write(tmp_path / "b.json", json.dumps([
        {"model_a": "x", "model_b": "y", "winner": "tie", "question_id": "q1",
         "answer_a": "# c\nx = 1\n", "answer_b": "y = 2"}]))
    (battle,) = read_battles(path)
    assert battle.winner is Winner.TIE
    assert battle.features_a == {"length": 10.0, "comment_density": 0.5}
    assert battle.features_b == code_features("y = 2")


def test_the_fixture_reads() -> None:
    battles = read_battles(DATA / "fastchat_battles.jsonl")
    assert len(battles) == 150 and {b.language for b in battles} == {"python", "rust"}


GOOD = '{"model_a": "a", "model_b": "b", "winner": "model_a"}\n'


@pytest.mark.parametrize(("text", "message"), [
    (GOOD + GOOD + "{oops\n", "bad.jsonl:3: not valid JSON"),
    (GOOD + "\n" + '{"model_a": "a", "model_b": "b", "winner": "A"}\n',
     "bad.jsonl:3: winner 'A' is not one of model_a, model_b, tie, tie (bothbad)"),
    (GOOD + '{"model_a": "a", "winner": "tie"}\n', "bad.jsonl:2: 'model_b' is missing"),
    (GOOD + '{"model_a": "a", "model_b": "a", "winner": "tie"}\n', "bad.jsonl:2: model_a and "
     "model_b are both 'a'"),
    (GOOD + "[1]\n", "bad.jsonl:2: expected a battle object, got list"),
    ('{"model_a": "a", "model_b": "b", "winner": "tie", "weight": -1}\n',
     "bad.jsonl:1: weight -1 must be a positive number"),
    ('[{"model_a": "a", "model_b": "b", "winner": "tie"}, {"model_a": "a"}]',
     "item 1: 'model_b' is missing"),
    ('[{"model_a": "a",', "bad.jsonl:1: not valid JSON"),
    (GOOD + '{"model_a": "a\n', "bad.jsonl:2: not valid JSON (Unterminated string starting "
     "at, column 13)"),
])
def test_malformed_files_name_the_place(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(BattlesFileError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_battles(write(tmp_path / "bad.jsonl", text))


@pytest.mark.parametrize(("ours", "fastchat"), [
    ("a", Winner.MODEL_A), ("b", Winner.MODEL_B), ("both_bad", Winner.TIE_BOTHBAD)])
def test_battles_accept_import_feedbacks_winner_spelling(tmp_path: Path, ours: str,
                                                         fastchat: Winner) -> None:
    path = write(tmp_path / "b.jsonl", json.dumps(
        {"model_a": "a", "model_b": "b", "winner": ours}) + "\n")
    assert [b.winner for b in read_battles(path)] == [fastchat]


def test_unknown_models_against_a_registry(tmp_path: Path) -> None:
    path = write(tmp_path / "b.jsonl", GOOD + '{"model_a": "a", "model_b": "c", '
                 '"winner": "tie"}\n')
    with pytest.raises(BattlesFileError,
                       match=r"/b.jsonl:2: unknown model 'c' \(known models: a, b\)"):
        read_battles(path, known_models=["a", "b"])
    assert len(read_battles(path, known_models=["a", "b", "c"])) == 2


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(BattlesFileError, match="cannot read battle file"):
        read_battles(tmp_path / "nope.jsonl")


def rating(name: str, value: float) -> ModelRating:
    return ModelRating(name, value, value - 30, value + 30, 1, 1, 2, 100, False)


def test_svg_escapes_names() -> None:
    svg = render_ratings_svg([rating("<script>alert(1)</script>", 1050),
                              rating('a&b"', 950)], title="<b>t</b>")
    assert "<script>" not in svg and "<b>" not in svg
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in svg and "a&amp;b&quot;" in svg
    import xml.dom.minidom

    xml.dom.minidom.parseString(svg)  # well-formed
    assert svg.index("&lt;script") < svg.index("a&amp;b")  # best first


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root), "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "fairclimb", "ratings", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120, env=env, check=False)


def test_cli_json_shape_and_plot(tmp_path: Path) -> None:
    done = cli("--battles", str(DATA / "fastchat_battles.jsonl"), "--json", "--bootstrap",
               "100", "--plot", str(tmp_path / "r.svg"), "--anchor", "phi-3-mini=800",
               cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    shown = json.loads(done.stdout)
    assert set(shown) == {"n_battles", "models", "warnings", "robustness"}
    assert isinstance(shown["warnings"], list) and shown["robustness"]
    rows = shown["models"]
    assert len(rows) == 6
    for row in rows:
        assert set(row) == {"model", "rating", "lower", "upper", "rank", "rank_lower",
                            "rank_upper", "battles", "provisional"}
        assert row["lower"] <= row["rating"] <= row["upper"]
        assert row["rank_lower"] <= row["rank_upper"]
    assert next(r for r in rows if r["model"] == "phi-3-mini")["rating"] == pytest.approx(800)
    assert [r["rating"] for r in rows] == sorted((r["rating"] for r in rows), reverse=True)
    assert "gpt-4o" in (tmp_path / "r.svg").read_text()


def test_cli_human_output_and_errors(tmp_path: Path) -> None:
    done = cli("--battles", str(DATA / "fastchat_battles.jsonl"), "--ci", "sandwich",
               "--language", "rust", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "gpt-4o" in done.stdout and "provisional" in done.stdout
    assert "robust" in done.stdout or "fragile" in done.stdout
    assert "left out" in done.stdout
    bad = write(tmp_path / "bad.jsonl", GOOD + "nope\n")
    failed = cli("--battles", str(bad), cwd=tmp_path)
    assert failed.returncode == 2
    assert failed.stderr.strip().splitlines() == [
        f"error: {bad}:2: not valid JSON (Expecting value, column 1); each line must be "
        "one battle object"]
    assert "Traceback" not in failed.stderr


def test_arena_public_api_is_sorted_and_complete() -> None:
    import inspect

    import fairclimb.arena as arena

    # dir() and getattr(): the facade loads its names on first use (PEP 562)
    public = {n for n in dir(arena) if not n.startswith("_")
              and not inspect.ismodule(getattr(arena, n))}
    assert set(arena.__all__) == public
    assert arena.__all__ == sorted(arena.__all__, key=lambda n: (n[0].islower(), n))
