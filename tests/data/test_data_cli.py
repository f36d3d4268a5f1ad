"""fairclimb distill / data / audit as a user runs them: one line for bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest
from test_data_feedback_export import vote

FAIRCLIMB = [sys.executable, "-m", "fairclimb"]


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200", "PYTHONPATH": str(Path(__file__).parents[2])}
    return subprocess.run([*FAIRCLIMB, *args, "--db", "s.db"], cwd=cwd, capture_output=True,
                          text=True, timeout=300, env=env, check=False)


def one_line_error(result: subprocess.CompletedProcess[str], message: str) -> None:
    assert result.returncode == 2, result.stderr
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1


@pytest.mark.slow
def test_forbidden_teacher_is_refused_in_one_line(tmp_path: Path, fake_openai: Any) -> None:
    added = run(["models", "add", "closed", "--base-url", fake_openai.base_url, "--model",
                 "x", "--terms", "forbid"], tmp_path)
    assert added.returncode == 0, added.stderr
    (tmp_path / "p.jsonl").write_text('{"prompt": "def f():\\n"}\n')
    refused = run(["distill", "--teacher", "closed", "--prompts", "p.jsonl", "--dataset",
                   "d"], tmp_path)
    one_line_error(refused, "forbid training other models on its outputs")
    assert fake_openai.calls == 0
    listed = run(["data", "list", "--json"], tmp_path)
    assert json.loads(listed.stdout) == []
    unknown = run(["distill", "--teacher", "nope", "--prompts", "p.jsonl", "--dataset", "d"],
                  tmp_path)
    one_line_error(unknown, "unknown model 'nope'")
    (tmp_path / "bad.jsonl").write_text('{"prompt": "a"}\n{oops\n')
    bad = run(["distill", "--teacher", "closed", "--prompts", "bad.jsonl", "--dataset", "d"],
              tmp_path)
    one_line_error(bad, "bad.jsonl:2: not a JSON object")


@pytest.mark.slow
def test_feedback_stats_export_card_audit(tmp_path: Path) -> None:
    (tmp_path / "v.jsonl").write_text("".join(json.dumps(asdict(vote(i))) + "\n"
                                              for i in range(3)))
    imported = run(["data", "import-feedback", "v.jsonl", "--dataset", "fb", "--json"],
                   tmp_path)
    assert imported.returncode == 0, imported.stderr
    assert json.loads(imported.stdout)["kept"] == 3
    stats = json.loads(run(["data", "stats", "fb", "--json"], tmp_path).stdout)
    assert {k: stats[k] for k in ("generated", "failed_execution", "duplicates",
                                  "contaminated", "kept")} == {
        "generated": 3, "failed_execution": 0, "duplicates": 0, "contaminated": 0, "kept": 3}
    assert stats["kept_by_origin"] == {"human": 3, "synthetic": 0, "hybrid": 0}
    exported = run(["data", "export", "fb", "--format", "trl-dpo", "--out", "fb.jsonl"],
                   tmp_path)
    assert exported.returncode == 0 and "wrote 3 rows" in exported.stdout
    one_line_error(run(["data", "export", "fb", "--format", "csv", "--out", "x"], tmp_path),
                   "unsupported export format 'csv'")
    one_line_error(run(["data", "stats", "nope"], tmp_path), "unknown dataset 'nope'")
    assert run(["data", "card", "fb", "--out", "card"], tmp_path).returncode == 0
    assert (tmp_path / "card" / "croissant.json").is_file()
    audit = run(["audit", "contamination", "fb", "--json"], tmp_path)
    assert audit.returncode == 0 and json.loads(audit.stdout)["matches"] is True


@pytest.mark.parametrize("args", [["--suite", "humaneval", "--prompts", "p.jsonl"], []])
def test_suite_or_prompts(tmp_path: Path, args: list[str]) -> None:
    result = run(["distill", "--teacher", "t", "--dataset", "d", *args], tmp_path)
    one_line_error(result, "give exactly one of --suite NAME or --prompts FILE")


@pytest.mark.slow
def test_distill_finds_a_suite_built_into_the_store(tmp_path: Path, fake_openai: Any) -> None:
    from fairclimb.store import Store, StoredSuite, SuiteRepository
    from fairclimb.suites import get_suite, task_to_fields

    task = get_suite("humaneval").tasks[0]
    with Store.open(str(tmp_path / "s.db")) as store:
        SuiteRepository(store).put(StoredSuite("built", "a built suite", "fairclimb:test", {},
                                               [task_to_fields(task)]))
    added = run(["models", "add", "closed", "--base-url", fake_openai.base_url, "--model",
                 "x", "--terms", "forbid"], tmp_path)
    assert added.returncode == 0, added.stderr
    # The suite is found (else: "unknown suite"), so the terms gate is what refuses.
    refused = run(["distill", "--teacher", "closed", "--suite", "built", "--dataset", "d"],
                  tmp_path)
    one_line_error(refused, "forbid training other models on its outputs")


def test_import_feedback_refuses_forbid_models_unless_overridden(tmp_path: Path) -> None:
    added = run(["models", "add", "m-a", "--base-url", "http://127.0.0.1:9/v1", "--model",
                 "m-a", "--terms", "forbid"], tmp_path)
    assert added.returncode == 0, added.stderr
    (tmp_path / "v.jsonl").write_text(json.dumps(asdict(vote(0))) + "\n")
    refused = run(["data", "import-feedback", "v.jsonl", "--dataset", "d"], tmp_path)
    assert refused.returncode == 0, refused.stderr
    assert "refused by the gate: 1 terms_forbid" in refused.stdout
    assert "keeps 0" in refused.stdout
    one_line_error(run(["data", "import-feedback", "v.jsonl", "--dataset", "d",
                        "--override-terms", "m-a"], tmp_path), "needs --reason")
    allowed = run(["data", "import-feedback", "v.jsonl", "--dataset", "d", "--json",
                   "--override-terms", "m-a", "--reason", "licence ref 42"], tmp_path)
    assert json.loads(allowed.stdout)["kept"] == 1, allowed.stderr
    one_line_error(run(["data", "alias", "d", "m-a-2025", "--to", "nope"], tmp_path),
                   "nope")
    aliased = run(["data", "alias", "d", "m-a-2025", "--to", "m-a"], tmp_path)
    assert aliased.returncode == 0 and "m-a-2025 is m-a" in aliased.stdout
    shown = run(["data", "show", "d"], tmp_path)
    assert "terms override (m-a): licence ref 42" in shown.stdout, shown.stderr
    assert "refused by the record gate (v.jsonl): 1 terms_forbid" in shown.stdout
