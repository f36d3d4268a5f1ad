"""fairclimb audit boards: two boards rated by the one ratings engine, compared."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from cli.test_cli import run

from fairclimb.arena import Battle, RatingOptions, Winner, write_battles
from fairclimb.audit import compare_boards
from fairclimb.errors import UserInputError

MODELS = ["m0", "m1", "m2", "m3", "m4", "m5"]
UP = dict(zip(MODELS, [0, 100, 200, 300, 400, 500], strict=True))  # category "x"
DOWN = {m: 500 - s for m, s in UP.items()}  # category "y": the reverse order


def _board(n: int, share_x: float, seed: int) -> list[Battle]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        i, j = rng.choice(len(MODELS), 2, replace=False)
        a, b = MODELS[i], MODELS[j]
        category = "x" if rng.random() < share_x else "y"
        skill = UP if category == "x" else DOWN
        p = 1 / (1 + 10 ** ((skill[b] - skill[a]) / 400))
        length = float(rng.integers(100, 2000))
        out.append(Battle(a, b, Winner.MODEL_A if rng.random() < p else Winner.MODEL_B,
                          category=category, language="python",
                          features_a={"length": length, "comment_density": 0.1},
                          features_b={"length": 1000.0, "comment_density": 0.1}))
    return out


OPTIONS = RatingOptions(bootstrap=50, min_votes=1)


def test_same_mix_boards_agree() -> None:
    result = compare_boards(_board(1500, 0.9, 1), _board(1500, 0.9, 2), OPTIONS)
    assert result.kendall > 0.7 and result.shared == tuple(MODELS)
    low, high = result.kendall_interval
    assert low <= result.kendall <= high


def test_a_different_prompt_mix_explains_the_gap() -> None:
    result = compare_boards(_board(1500, 0.9, 1), _board(1500, 0.1, 2), OPTIONS)
    assert result.kendall < 0  # opposite orders: the mix drives it
    assert result.kendall_common_mix > result.kendall + 0.5
    assert result.explained_by_mix > 0.3
    assert any(m.disagree for m in result.models)
    assert np.isfinite(result.kendall_style_control)
    top_a = min(result.models, key=lambda m: m.rank_a)
    assert top_a.model == "m5" and top_a.rank_b > 3  # side by side


def test_boards_from_the_cli_and_bad_input(tmp_path: Path) -> None:
    write_battles(tmp_path / "a.jsonl", _board(600, 0.9, 1))
    write_battles(tmp_path / "b.jsonl", _board(600, 0.1, 2))
    shown = run(["audit", "boards", "a.jsonl", "b.jsonl", "--json", "--bootstrap", "20",
                 "--db", str(tmp_path / "x.db")], tmp_path)
    assert shown.returncode == 0, shown.stderr
    body = json.loads(shown.stdout)
    assert body["shared_models"] == MODELS and body["kendall_tau"] < 0
    missing = run(["audit", "boards", "a.jsonl", "nope.jsonl"], tmp_path)
    assert missing.returncode != 0 and "nope.jsonl" in missing.stderr
    assert "Traceback" not in missing.stderr


def test_boards_sharing_too_few_models_are_refused() -> None:
    few = [Battle("p", "q", Winner.MODEL_A)] * 5
    with pytest.raises(UserInputError, match="share 0 rated models"):
        compare_boards(_board(200, 0.5, 1), few, OPTIONS)
