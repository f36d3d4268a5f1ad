"""Battle files read as columns (`rate_battle_file`): the same ratings and the same errors
as reading them battle by battle (`compute_ratings(read_battles(...))`)."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fairclimb.arena import (
    BattlesFileError,
    CiMethod,
    RatingOptions,
    compute_ratings,
    rate_battle_file,
    read_battles,
)
from fairclimb.errors import UserInputError

DATA = Path(__file__).parent / "data"
WINNERS = ["model_a", "model_b", "tie", "tie (bothbad)", "a", "b", "both_bad"]


def battles(n: int, seed: int) -> list[dict[str, Any]]:
    """Every key the reader knows, some left out, in a deliberately uneven mix."""
    rng = np.random.default_rng(seed)
    rows = []
    for _ in range(n):
        a, b = rng.choice(7, size=2, replace=False)
        row: dict[str, Any] = {"model_a": f"m{a}", "model_b": f"m{b}",
                               "winner": WINNERS[int(rng.integers(len(WINNERS)))],
                               "question_id": "q", "turn": 1,
                               "conversation_a": [{"role": "user", "content": "}{"}]}
        if rng.random() < 0.5:
            row["weight"] = float(rng.uniform(0.5, 3))
        if rng.random() < 0.8:
            row["language"] = ["python", "rust"][int(rng.integers(2))]
        if rng.random() < 0.7:
            row["category"] = ["implement", "debug"][int(rng.integers(2))]
        if rng.random() < 0.1:
            row["excluded"] = True
        if rng.random() < 0.3:
            row["tstamp"] = 1_700_000_000 + int(rng.integers(1000))
            row["judge"] = "r1"
        rows.append(row)
    return rows


def jsonl(path: Path, rows: list[dict[str, Any]], blank_every: int = 0) -> Path:
    lines = [json.dumps(r) for r in rows]
    if blank_every:
        lines = [x for i, line in enumerate(lines)
                 for x in ((line, "  ") if i % blank_every == 0 else (line,))]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def parquet(path: Path, rows: list[dict[str, Any]]) -> Path:
    keys = ("model_a", "model_b", "winner", "weight", "language", "category", "excluded",
            "tstamp", "judge")
    pq.write_table(pa.table({k: [r.get(k) for r in rows] for k in keys}), path)
    return path


OPTIONS = [
    RatingOptions(bootstrap=50, seed=3),
    RatingOptions(bootstrap=20, weighted=True, language="python"),
    RatingOptions(ci=CiMethod.SANDWICH, category="debug", min_votes=5),
    RatingOptions(bootstrap=20, anchor=("m3", 900.0), robustness=False),
]


@pytest.mark.parametrize("options", OPTIONS)
@pytest.mark.parametrize("form", ["jsonl", "jsonl-blank-lines", "parquet"])
def test_the_same_ratings_as_battle_by_battle(tmp_path: Path, options: RatingOptions,
                                              form: str) -> None:
    rows = battles(600, seed=len(form))
    rows += [{"model_a": "m0", "model_b": "lonely", "winner": "tie", "excluded": True}]
    written = jsonl(tmp_path / "b.jsonl", rows, blank_every=7 if "blank" in form else 0)
    old = compute_ratings(read_battles(written), options)
    path = parquet(tmp_path / "b.parquet", rows) if form == "parquet" else written
    assert rate_battle_file(path, options) == old


def test_the_fixture_and_a_json_list_rate_the_same(tmp_path: Path) -> None:
    fixture = DATA / "fastchat_battles.jsonl"
    options = RatingOptions(bootstrap=30)
    expected = compute_ratings(read_battles(fixture), options)
    assert rate_battle_file(fixture, options) == expected
    listed = tmp_path / "b.json"
    listed.write_text(json.dumps([json.loads(line) for line in
                                  fixture.read_text().splitlines() if line.strip()]))
    assert rate_battle_file(listed, options) == expected


def test_style_answers_are_read_battle_by_battle(tmp_path: Path) -> None:
    rows = battles(200, seed=5)
    for i, row in enumerate(rows):
        row["answer_a"], row["answer_b"] = "x = 1\n" * (i % 5 + 1), "# c\ny = 2\n"
    path = jsonl(tmp_path / "b.jsonl", rows)
    options = RatingOptions(style=True, min_votes=5)
    assert rate_battle_file(path, options) == compute_ratings(read_battles(path), options)


GOOD = {"model_a": "a", "model_b": "b", "winner": "model_a"}


@pytest.mark.parametrize(("bad", "message"), [
    ({"model_a": "a", "winner": "tie"}, "'model_b' is missing or not a model name"),
    ({"model_a": "a", "model_b": "", "winner": "tie"}, "'model_b' is missing"),
    ({"model_a": "a", "model_b": "b", "winner": "A"},
     "winner 'A' is not one of model_a, model_b, tie, tie (bothbad)"),
    ({"model_a": "a", "model_b": "b"}, "winner None is not one of"),
    ({"model_a": "a", "model_b": "a", "winner": "tie"}, "model_a and model_b are both 'a'"),
    ({**GOOD, "weight": -1}, "weight -1 must be a positive number"),
    ({**GOOD, "weight": 0.0}, "weight 0.0 must be a positive number"),
    ({**GOOD, "weight": None}, "weight None must be a positive number"),
    ({**GOOD, "weight": True}, "weight True must be a positive number"),
    ({**GOOD, "language": 3}, "language 3 must be a string"),
    ({**GOOD, "tstamp": "today"}, "tstamp 'today' must be a number"),
    ({**GOOD, "model_a": 7}, "'model_a' is missing or not a model name"),
    ([1], "expected a battle object, got list"),
])
@pytest.mark.parametrize("where", [2, 500])
def test_a_bad_battle_in_the_middle_is_named_by_its_line(tmp_path: Path, bad: Any,
                                                         message: str, where: int) -> None:
    """Line numbers count the blank lines too, as an editor does."""
    lines = [json.dumps(GOOD)] * 999
    lines[where - 1] = json.dumps(bad)
    lines.insert(0, "")  # so the bad battle is on line where + 1
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    expected = f"{path}:{where + 1}: {message}"
    with pytest.raises(BattlesFileError) as old:
        read_battles(path)
    assert str(old.value).startswith(expected)
    with pytest.raises(BattlesFileError) as new:
        rate_battle_file(path, RatingOptions(bootstrap=5))
    assert str(new.value) == str(old.value)


@pytest.mark.parametrize("text", [
    '{"model_a": "a", "model_b": "b", "winner": "tie"}{"model_a": "a"}\n',
    '{"model_a": "a", "model_b": "b",\n"winner": "tie"}\n',
    '{"model_a": "a", "model_b": "b", "winner": "tie"} x\n',
    '{"model_a": "a", "model_b": "b", "winner": "tie", "weight": 1e400}\n',
    '{"model_a": "a", "model_b": "b", "winner": "tie", "model_a": "c"}\n',
    '\ufeff{"model_a": "a", "model_b": "b", "winner": "tie"}\n',
    '{"model_a": "a", "model_b": "b", "winner": "tie", "judge": "x\u2028y"}\n',
    '{"model_a": "a", "model_b": "b", "winner": "tie", "judge": "x\x0cy"}\n',
    '{"model_a": "a", "model_b": "b", "winner": "tie"}\r{"model_a": "a"}\n',
    '{"model_a": "a", "model_b": "b", "winner": "tie"}\r\n\r\n  {"model_a": "b", '
    '"model_b": "a", "winner": "a"}  \r\n',
    '{"model_a": "a", "model_b": "b", "winner": "tie", "features_a": null}\n',
    '{"model_a": "a", "model_b": "b", "winner": "tie", "features_a": {"length": 2}}\n',
    '{"model_a": "a", "model_b": "b", "winner": "tie", "answer_b": 3}\n',
    '{"model_a": "a", "model_b": "b", "winner": "tie", "weight": null}\n',
    '{"model_a": "a", "model_b": "b", "winner": "tie"}',
])
def test_what_pyarrow_reads_differently_is_decided_as_before(tmp_path: Path, text: str) -> None:
    path = tmp_path / "odd.jsonl"
    path.write_text(json.dumps(GOOD) + "\n" + text, encoding="utf-8")
    try:
        expected: Any = compute_ratings(read_battles(path), RatingOptions(bootstrap=5))
    except UserInputError as exc:
        expected = str(exc)
    try:
        got: Any = rate_battle_file(path, RatingOptions(bootstrap=5))
    except UserInputError as exc:
        got = str(exc)
    assert got == expected


@pytest.mark.parametrize("text", ["", "\n\n  \n", "\n\x0c\n", "[]", " [\n]\n"])
def test_an_empty_file_says_so(tmp_path: Path, text: str) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_text(text)
    with pytest.raises(BattlesFileError, match=r"empty.jsonl: no battles in the file"):
        rate_battle_file(path, RatingOptions())


def test_a_missing_column_names_the_first_line(tmp_path: Path) -> None:
    path = jsonl(tmp_path / "b.jsonl", [{"model_a": "a", "winner": "tie"}] * 3)
    with pytest.raises(BattlesFileError, match=r"b.jsonl:1: 'model_b' is missing"):
        rate_battle_file(path, RatingOptions())


def test_parquet_errors_name_the_column_or_the_row(tmp_path: Path) -> None:
    no_winner = tmp_path / "a.parquet"
    pq.write_table(pa.table({"model_a": ["a"], "model_b": ["b"]}), no_winner)
    with pytest.raises(BattlesFileError, match=r"a.parquet: row 1: winner None is not one"):
        rate_battle_file(no_winner, RatingOptions())
    typed = tmp_path / "b.parquet"
    pq.write_table(pa.table({"model_a": ["a"], "model_b": ["b"], "winner": ["tie"],
                             "weight": [[1.0]]}), typed)
    with pytest.raises(BattlesFileError, match=r"b.parquet: column weight holds list"):
        rate_battle_file(typed, RatingOptions())
    bad_weight = tmp_path / "c.parquet"
    pq.write_table(pa.table({"model_a": ["a", "a"], "model_b": ["b", "b"],
                             "winner": ["tie", "tie"], "weight": [1.0, math.nan]}), bad_weight)
    with pytest.raises(BattlesFileError, match=r"c.parquet: row 2: weight nan must be"):
        rate_battle_file(bad_weight, RatingOptions())
    garbage = tmp_path / "d.parquet"
    garbage.write_text("not parquet")
    with pytest.raises(BattlesFileError, match=r"cannot read battle file .*d.parquet as Parquet"):
        rate_battle_file(garbage, RatingOptions())
    empty = tmp_path / "e.parquet"
    pq.write_table(pa.table({"model_a": pa.array([], pa.string())}), empty)
    with pytest.raises(BattlesFileError, match=r"e.parquet: no battles"):
        rate_battle_file(empty, RatingOptions())


def test_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(BattlesFileError, match="cannot read battle file"):
        rate_battle_file(tmp_path / "nope.jsonl", RatingOptions())


_MISSING = object()
_VALUES = {
    "model_a": ["a", "b", "c", "", None, 3, _MISSING],
    "model_b": ["a", "b", "c", "", None, _MISSING],
    "winner": [*WINNERS, "A", None, 1, _MISSING],
    "weight": [_MISSING, 1, 2.5, 0, -1, None, True, "2", math.nan],
    "language": [_MISSING, "python", None, 3],
    "excluded": [_MISSING, True, False, 1, None],
}


def _line(choice: dict[str, Any]) -> str:
    return json.dumps({k: v for k, v in choice.items() if v is not _MISSING})


_GOOD = {"model_a": ["a", "b", "c"], "model_b": ["a", "b", "c"], "winner": WINNERS,
         "weight": [_MISSING, 1, 2.5], "language": [_MISSING, "python", None],
         "excluded": [_MISSING, False, True]}
_lines = st.lists(st.one_of(*(st.fixed_dictionaries({k: st.sampled_from(v)
                                                     for k, v in values.items()})
                              for values in (_GOOD, _GOOD, _VALUES))),
                  min_size=1, max_size=12)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=_lines, separator=st.sampled_from(["\n", "\r\n", "\n\n", "\n  \n"]),
       language=st.sampled_from([None, "python"]))
def test_any_file_gets_the_same_answer_from_both_readers(
        tmp_path: Path, rows: list[dict[str, Any]], separator: str, language: str | None) -> None:
    """Ratings or the refusal's sentence: whatever the mix of good and bad battles."""
    path = tmp_path / "any.jsonl"
    path.write_text(separator.join(_line(r) for r in rows) + "\n", encoding="utf-8")
    options = RatingOptions(ci=CiMethod.SANDWICH, language=language, robustness=False)
    outcomes = []
    for rate in (lambda: compute_ratings(read_battles(path), options),
                 lambda: rate_battle_file(path, options)):
        try:
            outcomes.append(rate())
        except UserInputError as exc:
            outcomes.append(str(exc))
    old, new = outcomes
    assert new == old
