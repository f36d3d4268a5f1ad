"""fairclimb suites build perturbed as a user runs it: a real process, a real store."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from fairclimb.store import Store, SuiteRepository
from fairclimb.suites import get_suite

FAIRCLIMB = [sys.executable, "-m", "fairclimb"]


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*FAIRCLIMB, *args, "--db", "s.db", "--workers", "2"], cwd=cwd,
                          capture_output=True, text=True, timeout=300, check=False,
                          env={**os.environ, "COLUMNS": "200"})


@pytest.mark.slow
def test_build_reports_its_variants_and_stores_them(tmp_path: Path) -> None:
    built = run(["suites", "build", "perturbed", "--from", "fairclimb-implement", "--seed",
                 "2", "--json"], tmp_path)
    assert built.returncode == 0, built.stderr
    report = json.loads(built.stdout)
    source = get_suite("fairclimb-implement")
    assert report["source"] == "fairclimb-implement" and report["tasks"] == len(source)
    assert report["variants"] + len(report["skipped"]) == len(source)
    with Store.open(str(tmp_path / "s.db")) as store:
        stored = SuiteRepository(store).get("fairclimb-implement-perturbed")
        variants = get_suite("fairclimb-implement-perturbed", store).tasks
    assert stored is not None and stored.build["kind"] == "perturbed"
    assert stored.build["seed"] == 2 and len(variants) == report["variants"]
    # dates and splits travel with the variant, so --after and private splits still work
    by_id = {t.task_id: t for t in source.tasks}
    for variant in variants:
        original = by_id[variant.task_id.removeprefix("fairclimb-implement-perturbed/")]
        assert (variant.created, variant.split) == (original.created, original.split)
    text = run(["suites", "build", "perturbed", "--from", "fairclimb-implement"], tmp_path)
    assert text.returncode == 0 and "tasks of fairclimb-implement got a variant" in text.stdout


@pytest.mark.parametrize(("source", "message"), [
    ("nope", "unknown suite 'nope'"),
    ("fairclimb-webdev", "no task of fairclimb-webdev gave a variant"),
])
def test_bad_sources_are_one_sentence_and_store_nothing(tmp_path: Path, source: str,
                                                        message: str) -> None:
    result = run(["suites", "build", "perturbed", "--from", source], tmp_path)
    assert result.returncode != 0 and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    with Store.open(str(tmp_path / "s.db")) as store:
        assert SuiteRepository(store).list() == []
