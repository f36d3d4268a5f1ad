"""Text that is not well-formed (lone surrogates, NUL) never stops a run.

An exception message of a sample (Python or JavaScript) or a samples row may hold a lone
surrogate, which no UTF-8 writer accepts, or NUL, which PostgreSQL refuses in text. Such
text is made well-formed once where it enters (the checker, the samples reader), so the
results file, SQLite and PostgreSQL all take what the reader took, and the run ends
with a summary.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pg import ENV, fresh_database

from fairclimb.evaluate._text import well_formed, well_formed_data
from fairclimb.sandbox import bubblewrap_works
from fairclimb.suites import get_suite

FAIRCLIMB = [sys.executable, "-m", "fairclimb"]
LONE = "\ud800"
# Python source (ASCII) whose exceptions carry a lone surrogate and NUL at run time.
PYTHON_ROWS: list[dict[str, str]] = [
    {"task_id": "HumanEval/53", "completion": "    raise ValueError('bad \\ud800 \\x00 end')\n"},
    {"task_id": "HumanEval/53", "completion": "    raise ValueError('\\udfff' * 3000)\n"},
    {"task_id": "HumanEval/53",
     "completion": "    import sys\n    print('\\udc80\\x00', file=sys.stderr)\n"
                   "    raise SystemExit(3)\n"},
    {"task_id": "HumanEval/53", "completion": f"    return x + y  # {LONE}\n"},
    {"task_id": "HumanEval/53", "completion": "    return x + y\n",
     "note": f"a row {LONE} with \x00 in it", f"key{LONE}": "\udfff"},
    {"task_id": "HumanEval/53", "completion": "    return x\n"},
]


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*FAIRCLIMB, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300, env={**os.environ, "COLUMNS": "200"}, check=False)


def _write(path: Path, rows: list[dict[str, str]]) -> Path:
    # json.dumps escapes lone surrogates as \\udXXX, which json.loads reads back as such.
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield str(tmp_path / "store.db")
        return
    if not os.environ.get(ENV):
        pytest.skip(f"{ENV} is not set")
    with fresh_database() as url:
        yield url


@pytest.fixture(params=["bwrap", "rlimits"])
def backend(request: pytest.FixtureRequest) -> str:
    if request.param == "bwrap" and not bubblewrap_works():
        pytest.skip("bubblewrap is missing or cannot create namespaces here")
    name: str = request.param
    return name


def _check_run(tmp_path: Path, suite: str, rows: list[dict[str, str]], db: str,
               backend: str) -> list[dict[str, object]]:
    samples = _write(tmp_path / "s.jsonl", rows)
    args = ["eval", "--suite", suite, "--samples", str(samples), "--out", "out", "--db", db,
            "--json", "--timeout", "3", "--sandbox", backend]
    result = _run(args, tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert (tmp_path / "out" / "summary.json").exists()
    text = (tmp_path / "out" / "results.jsonl").read_text(encoding="utf-8")
    results = [json.loads(line) for line in text.splitlines()]
    assert len(results) == len(rows)
    for row in results:
        for value in (row["detail"], *map(str, row.values()), *row):
            assert well_formed(str(value)) == str(value), row
    # Resuming reads back what was written and checks nothing again.
    again = _run(args, tmp_path)
    assert again.returncode == 0, again.stderr[-2000:]
    return results


@pytest.mark.slow
def test_python_text_that_is_not_well_formed_never_stops_a_run(
        tmp_path: Path, db: str, backend: str) -> None:
    results = _check_run(tmp_path, "humaneval", PYTHON_ROWS, db, backend)
    statuses = [row["status"] for row in results]
    assert statuses == ["error", "error", "error", "passed", "passed", "failed"]
    assert "bad \ufffd \ufffd end" in str(results[0]["detail"])
    assert results[4]["note"] == "a row \ufffd with \ufffd in it"
    assert results[4]["key\ufffd"] == "\ufffd"


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")
def test_javascript_text_that_is_not_well_formed_never_stops_a_run(
        tmp_path: Path, db: str, backend: str) -> None:
    task = get_suite("fairclimb-js").get("fairclimb-js/sum-range")
    assert task is not None
    rows = [
        {"task_id": task.task_id,
         "solution": "function sumRange() { throw new Error('bad \\ud800 \\u0000 end'); }"},
        {"task_id": task.task_id,
         "solution": "function sumRange() { throw new Error('\\udfff'.repeat(5000)); }"},
        {"task_id": task.task_id, "solution": task.reference, "note": f"{LONE}\x00"},
    ]
    results = _check_run(tmp_path, "fairclimb-js", rows, db, backend)
    assert [row["status"] for row in results] == ["error", "error", "passed"]
    assert "bad \ufffd \ufffd end" in str(results[0]["detail"])


@pytest.mark.parametrize(("text", "expected"), [
    ("plain", "plain"),
    ("", ""),
    (LONE, "\ufffd"),
    ("a\udfffb\ud800", "a\ufffdb\ufffd"),
    ("nul\x00here", "nul\ufffdhere"),
    ("\U0001F600 stays", "\U0001F600 stays"),
    ("surrogate pair kept whole: \U00010000", "surrogate pair kept whole: \U00010000"),
])
def test_well_formed_replaces_lone_surrogates_and_nul(text: str, expected: str) -> None:
    assert well_formed(text) == expected
    assert well_formed(expected) == expected
    well_formed(text).encode("utf-8")  # strict


# Any code point, lone surrogates and NUL included (hypothesis leaves surrogates out of
# text() by default).
ANY_TEXT = st.text(st.characters(min_codepoint=0, max_codepoint=0x10FFFF))
JSON_DATA = st.recursive(
    st.none() | st.booleans() | st.integers() | ANY_TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(ANY_TEXT, inner, max_size=4),
    max_leaves=12,
)


@given(ANY_TEXT)
def test_well_formed_text_is_strict_utf8_without_nul_and_stays_put(text: str) -> None:
    made = well_formed(text)
    assert "\x00" not in made and len(made) == len(text)
    made.encode("utf-8")
    assert well_formed(made) == made
    if text == made:  # nothing to replace: nothing changed
        text.encode("utf-8")


@given(JSON_DATA)
def test_well_formed_rows_can_be_written_as_strict_json(row: object) -> None:
    made = well_formed_data(row)
    json.dumps(made, ensure_ascii=False).encode("utf-8")
    assert "\\u0000" not in json.dumps(made)
    assert well_formed_data(made) == made
