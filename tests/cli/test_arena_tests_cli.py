"""Answers imported from the generation cache are run against their tasks' tests, so
their verdicts (shown after the vote, used for gold checks) exist without hand work."""

from __future__ import annotations

from pathlib import Path

from arena_generations import fill_cache
from test_cli import run

from fairclimb.arena import Arena
from fairclimb.store import Store


def test_import_generations_runs_the_tests_and_run_tests_runs_only_new_answers(
        tmp_path: Path) -> None:
    db = str(tmp_path / "arena.db")
    with Store.open(db) as store:
        fill_cache(store)
    imported = run(["arena", "import-generations", "--db", db], tmp_path)
    assert imported.returncode == 0, imported.stderr
    assert "imported 4 new answers" in imported.stdout
    assert "ran 4 answers: 0 passed, 4 failed" in imported.stdout  # `return None` fails
    with Store.open(db) as store:
        assert {passed for *_, passed in Arena(store).data.sample_pool()} == {False}
    again = run(["arena", "run-tests", "--db", db], tmp_path)
    assert again.returncode == 0, again.stderr
    assert "ran 0 answers" in again.stdout  # verdicts are kept, never recomputed
    skipped = run(["arena", "import-generations", "--no-run-tests", "--db", db], tmp_path)
    assert skipped.returncode == 0 and "ran " not in skipped.stdout


def test_enable_suite_for_drawn_live_tasks(tmp_path: Path) -> None:
    db = str(tmp_path / "arena.db")
    enabled = run(["arena", "enable-suite", "humaneval", "--db", db], tmp_path)
    assert enabled.returncode == 0, enabled.stderr
    assert "suites for drawn live tasks: humaneval" in enabled.stdout
    unknown = run(["arena", "enable-suite", "no-such-suite", "--db", db], tmp_path)
    assert unknown.returncode != 0 and "Traceback" not in unknown.stderr
    disabled = run(["arena", "enable-suite", "humaneval", "--disable", "--db", db], tmp_path)
    assert "suites for drawn live tasks: none" in disabled.stdout
    with Store.open(db) as store:
        assert Arena(store).live_suites.enabled() == []
