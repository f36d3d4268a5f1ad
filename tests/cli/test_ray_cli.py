"""``--executor ray`` from the command line: a cluster that does not answer, or an
address that is not one, is one sentence, exit != 0, nothing written (issue 17)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from ray_cluster import RayCluster

pytest.importorskip("ray")

FAIRCLIMB = [sys.executable, "-m", "fairclimb"]


def _silent_port() -> int:
    """A loopback port nothing listens on (bound, then let go)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*FAIRCLIMB, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120, env={**os.environ, "COLUMNS": "200"}, check=False)


VOTE = {"prompt": "p", "answer_a": "def f():\n    return 1\n", "answer_b": "x", "model_a": "a",
        "model_b": "b", "winner": "a", "rater": "otter"}
CASES = [
    ("silent", ["--executor", "ray", "--ray-address", "127.0.0.1:{port}"],
     "no Ray cluster answers at 127.0.0.1:{port}"),
    ("not-an-address", ["--executor", "ray", "--ray-address", "head-node"],
     "--ray-address takes HOST:PORT"),
    ("address-without-ray", ["--ray-address", "127.0.0.1:{port}"],
     "--ray-address is for --executor ray"),
]


@pytest.mark.parametrize(("flags", "message"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
@pytest.mark.parametrize("command", ["eval", "suites-check", "import-feedback",
                                     "arena-run-tests", "arena-import-generations"])
def test_a_cluster_that_does_not_answer_is_one_sentence_and_nothing_written(
        tmp_path: Path, command: str, flags: list[str], message: str) -> None:
    port = _silent_port()
    flags = [flag.format(port=port) for flag in flags]
    (tmp_path / "samples.jsonl").write_text(
        json.dumps({"task_id": "HumanEval/0", "completion": "    return True\n"}) + "\n")
    (tmp_path / "votes.jsonl").write_text(json.dumps(VOTE) + "\n")
    args = {"eval": ["eval", "--samples", "samples.jsonl", "--out", "out"],
            "suites-check": ["suites", "check", "humaneval"],
            "import-feedback": ["data", "import-feedback", "votes.jsonl", "--dataset", "d"],
            "arena-run-tests": ["arena", "run-tests"],
            "arena-import-generations": ["arena", "import-generations"]}[command]
    result = _run([*args, "--db", "store.db", *flags], tmp_path)
    assert result.returncode != 0
    assert message.format(port=port) in result.stderr, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert not (tmp_path / "out").exists()
    assert not (tmp_path / "store.db").exists()


@pytest.mark.parametrize("workers", ["1", "2"])
def test_arena_serve_takes_the_executor_from_the_settings(tmp_path: Path, workers: str
                                                          ) -> None:
    """Live battles' answers run where the settings say: a cluster named there that does
    not answer stops ``arena serve`` at once, in one sentence, before the store opens."""
    port = _silent_port()
    result = subprocess.run(
        [*FAIRCLIMB, "arena", "serve", "--db", "store.db", "--port", str(_silent_port()),
         "--workers", workers], cwd=tmp_path, capture_output=True, text=True, timeout=120,
        env={**os.environ, "FAIRCLIMB_EXECUTOR": "ray",
             "FAIRCLIMB_RAY_ADDRESS": f"127.0.0.1:{port}"}, check=False)
    assert result.returncode != 0
    assert f"no Ray cluster answers at 127.0.0.1:{port}" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "store.db").exists()


@pytest.mark.ray
@pytest.mark.slow
def test_eval_on_ray_writes_what_a_local_eval_writes(tmp_path: Path,
                                                     ray_cluster: RayCluster) -> None:
    ray_cluster.ensure_worker()
    rows = [{"task_id": "HumanEval/0", "completion": "    return True\n"},
            {"task_id": "HumanEval/0", "solution": "import os\nos._exit(0)\n"},
            {"task_id": "HumanEval/2", "completion": "    return number % 1.0\n"},
            {"task_id": "HumanEval/2", "completion": "    return number % 1.0\n"}]
    (tmp_path / "samples.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))
    common = ["eval", "--samples", "samples.jsonl", "--db", "store.db", "--workers", "1"]
    remote = _run([*common, "--out", "ray", "--executor", "ray",
                   "--ray-address", ray_cluster.address], tmp_path)
    assert remote.returncode == 0, remote.stderr
    local = _run([*common, "--out", "local"], tmp_path)
    assert local.returncode == 0, local.stderr
    written = {name: [{k: v for k, v in json.loads(line).items() if k in ("task_id", "passed",
                                                                         "status", "detail")}
                      for line in (tmp_path / name / "results.jsonl").read_text().splitlines()]
               for name in ("ray", "local")}
    assert written["ray"] == written["local"]
    assert [row["passed"] for row in written["ray"]] == [False, False, True, True]
