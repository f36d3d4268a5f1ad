"""Lineage: every trained model knows its base, data, teachers (with terms), raters and
the suites it was trained on; the graph shows cycles; the card says all of it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fairclimb.data import Candidate, ModelOutput, Origin, RecordKind, TrainingRecord, admit
from fairclimb.errors import UnknownModelError, UserInputError
from fairclimb.models import ModelSpec, Terms
from fairclimb.store import Store
from fairclimb.train import Lineage, lineage_graph, load_training_rows, trained_on, write_model_card
from fairclimb.train._lineage import LINEAGE_FILE, register_trained, write_lineage

DB = "fairclimb.db"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(str(tmp_path / DB)) as opened:
        yield opened


def checkpoint(root: Path, name: str) -> Path:
    path = root / name
    path.mkdir()
    (path / "config.json").write_text("{}")
    return path


def dataset(store: Store, name: str, teacher: str, terms: str, *,
            override: str | None = None) -> Any:
    """A curated dataset of one distilled answer and one person's vote."""
    note = {"name": teacher, "model_id": f"{teacher}-weights", "terms": terms,
            "terms_url": f"https://example.invalid/{teacher}"}
    answer = TrainingRecord(
        RecordKind.SFT, Origin.SYNTHETIC,
        {"messages": [{"role": "user", "content": f"Reverse a string ({name})."},
                      {"role": "assistant", "content": "def rev(s):\n    return s[::-1]\n"}]},
        {"task": {"suite": "strings", "task_id": "strings/3", "split": "public"},
         "generation": {"model": teacher, "terms": terms}, "human": None, "parents": []})
    voted = TrainingRecord(
        RecordKind.SFT, Origin.HYBRID,
        {"messages": [{"role": "user", "content": f"Count vowels ({name})."},
                      {"role": "assistant", "content": "def vowels(s):\n    return sum(c in "
                       "'aeiou' for c in s)\n"}]},
        {"human": {"rater": "rater-7"}, "generation": None, "parents": []})
    notes: dict[str, Any] = {"teachers": [note]}
    if override:
        notes["overrides"] = [{"teacher": teacher, "terms": terms, "reason": override}]
    # Through the record gate, as distill and import_feedback make them: the answer is
    # the teacher's output; the person's correction is of the teacher's answer too.
    admit(store, name, [Candidate(f"{name}-0", answer, (ModelOutput(teacher, "answer"),)),
                        Candidate(f"{name}-1", voted, (ModelOutput(teacher, "corrected"),))],
          source="test", notes=notes)
    return load_training_rows(store, name, RecordKind.SFT, override_contamination=None)


def lineage(name: str, base: Path, *, base_name: str | None = None,
            data: Any = None, suites: tuple[tuple[str, str], ...] = ()) -> Lineage:
    return Lineage.model_validate({
        "name": name, "trainer": "grpo" if suites else "sft",
        "base": {"path": str(base), "sha256": "ab" * 32, "registered_as": base_name},
        "datasets": [data.lineage_entry()] if data is not None else [],
        "suites": [{"suite": s, "split": p} for s, p in suites],
        "hyperparameters": {"lr": 1e-4, "max_steps": 3, "lora": False},
        "seeds": {"seed": 7}, "libraries": {"trl": "1.16.0"}, "device": "cpu", "wall_s": 12.5,
        "steps": 3})


def test_the_lineage_file_round_trips_and_keeps_unknown_keys(tmp_path: Path) -> None:
    written = lineage("m", tmp_path)
    path = write_lineage(tmp_path, written)
    assert path == tmp_path / LINEAGE_FILE
    again = Lineage.model_validate_json(path.read_text())
    assert again == written and again.model_extra == {"steps": 3}
    assert not list(tmp_path.glob(".*tmp"))


def test_a_trained_model_is_registered_with_its_lineage_and_its_teachers_terms(
        store: Store, tmp_path: Path) -> None:
    data = dataset(store, "distilled", "closed-teacher", "forbid", override="we have a licence")
    out = checkpoint(tmp_path, "student")
    spec = register_trained(store, "student", out, lineage("student", tmp_path / "base",
                                                           data=data))
    assert (spec.backend, spec.model_id, spec.terms) == ("hf", str(out.resolve()),
                                                         Terms.FORBID)
    assert store.require_model("student") == spec
    recorded = json.loads((out / LINEAGE_FILE).read_text())
    assert recorded["datasets"][0]["records"] == 2
    assert recorded["datasets"][0]["record_ids_sha256"] == data.records_sha256
    assert register_trained(store, "student", out, lineage("student", tmp_path)) == spec
    with pytest.raises(UserInputError, match="already registered"):
        register_trained(store, "student", checkpoint(tmp_path, "other"),
                         lineage("student", tmp_path))


def test_the_graph_names_data_teachers_terms_raters_and_runs(store: Store,
                                                             tmp_path: Path) -> None:
    data = dataset(store, "distilled", "teacher-a", "allow")
    store.add_model(ModelSpec("base-model", "", str(checkpoint(tmp_path, "base")),
                              backend="hf", terms=Terms.ALLOW))
    out = checkpoint(tmp_path, "student")
    register_trained(store, "student", out, lineage("student", tmp_path / "base",
                                                    base_name="base-model", data=data))
    graph = lineage_graph(store, "student").to_json()
    assert set(graph) >= {"model", "base", "datasets", "teachers", "raters", "runs"}
    assert graph["model"] == "student" and graph["base"]["name"] == "base-model"
    assert [(d["name"], d["records"]) for d in graph["datasets"]] == [("distilled", 2)]
    assert [(t["name"], t["model"], t["terms"]) for t in graph["teachers"]] == [
        ("teacher-a", "teacher-a-weights", "allow")]
    assert graph["raters"] == ["rater-7"]
    assert [run["model"] for run in graph["runs"]] == ["student"]
    assert graph["runs"][0]["hyperparameters"]["lr"] == 1e-4
    assert store.require_model("student").terms is Terms.ALLOW
    with pytest.raises(UnknownModelError):
        lineage_graph(store, "nobody")


def test_a_model_trained_on_outputs_of_a_self_taught_model_shows_the_cycle(
        store: Store, tmp_path: Path) -> None:
    # "echo" was trained on its own answers; "student" on echo's answers.
    own = dataset(store, "echo-answers", "echo", "allow")
    register_trained(store, "echo", checkpoint(tmp_path, "echo"),
                     lineage("echo", tmp_path / "base", data=own))
    theirs = dataset(store, "from-echo", "echo", "allow")
    register_trained(store, "student", checkpoint(tmp_path, "student"),
                     lineage("student", tmp_path / "base", data=theirs))
    graph = lineage_graph(store, "student")
    assert graph.cycles == [["echo", "echo"]]
    assert [run["model"] for run in graph.runs] == ["student", "echo"]
    assert "cycle: echo -> echo (trained on its own outputs)" in graph.lines()


def test_trained_on_follows_the_base_chain(store: Store, tmp_path: Path) -> None:
    register_trained(store, "rl-1", checkpoint(tmp_path, "rl-1"),
                     lineage("rl-1", tmp_path / "b", suites=(("humaneval", "public"),)))
    data = dataset(store, "distilled", "teacher-a", "allow")
    register_trained(store, "rl-2", checkpoint(tmp_path, "rl-2"),
                     lineage("rl-2", tmp_path / "rl-1", base_name="rl-1", data=data))
    assert trained_on(store, "rl-2") == {("humaneval", "public"), ("strings", "public")}
    assert trained_on(store, "rl-1") == {("humaneval", "public")}
    store.add_model(ModelSpec("api-model", "http://x/v1", "gpt"))
    assert trained_on(store, "api-model") == set()
    assert trained_on(store, "unknown") == set()


def test_the_card_names_the_teacher_its_terms_and_the_suites(store: Store,
                                                             tmp_path: Path) -> None:
    data = dataset(store, "distilled", "closed-teacher", "forbid", override="we have a licence")
    register_trained(store, "student", checkpoint(tmp_path, "student"),
                     lineage("student", tmp_path / "base", data=data,
                             suites=(("humaneval", "public"),)))
    card = write_model_card(store, "student", tmp_path / "card").read_text()
    assert card.startswith("---\n")
    assert "| closed-teacher | closed-teacher-weights | teacher | student | [forbid](https://" \
           "example.invalid/closed-teacher) | we have a licence |" in card
    assert "- humaneval, public split\n" in card
    assert "rater-7" in card and data.records_sha256 in card
    store.add_model(ModelSpec("api-model", "http://x/v1", "gpt"))
    with pytest.raises(UserInputError, match="has no fairclimb lineage"):
        write_model_card(store, "api-model", tmp_path / "card")


def _cli(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "fairclimb", *args, "--db", DB], cwd=cwd,
                          capture_output=True, text=True, env=dict(os.environ), check=False)


def test_the_commands_print_the_lineage_and_write_the_card(store: Store,
                                                           tmp_path: Path) -> None:
    data = dataset(store, "distilled", "teacher-a", "unknown")
    register_trained(store, "student", checkpoint(tmp_path, "student"),
                     lineage("student", tmp_path / "base", data=data))
    shown = _cli(["models", "lineage", "student", "--json"], tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["teachers"][0]["terms"] == "unknown"
    text = _cli(["models", "lineage", "student"], tmp_path)
    assert "teacher teacher-a (teacher-a-weights): terms unknown" in text.stdout
    card = _cli(["train", "card", "student", "--out", "card"], tmp_path)
    assert card.returncode == 0, card.stderr
    assert "teacher-a" in (tmp_path / "card" / "README.md").read_text()
    missing = _cli(["models", "lineage", "nobody"], tmp_path)
    assert missing.returncode == 2 and "unknown model 'nobody'" in missing.stderr


@pytest.mark.slow
def test_a_model_trained_end_to_end_has_the_whole_lineage(store: Store, tmp_path: Path) -> None:
    """A real (tiny) SFT run on people's corrections: the lineage names the raters, the
    models whose answers they corrected with those models' terms, and the card says so."""
    pytest.importorskip("trl", reason="the train extra is not installed")
    from trainer_fixtures import make_checkpoint, make_dataset, planted_votes, vote_texts

    from fairclimb.models import Device
    from fairclimb.train import TrainerKind, TrainOptions, TrainSource, train

    votes = planted_votes(8)
    store.add_model(ModelSpec("student-a", "http://x/v1", "a-weights", terms=Terms.FORBID))
    # student-a's terms forbid training: the record gate stores the corrections of its
    # answers only under an override with a reason, which the lineage then carries.
    make_dataset(store, "corrections", votes, overrides={"student-a": "licensed for tests"})
    base = make_checkpoint(tmp_path / "base", vote_texts(votes))
    out = tmp_path / "corrected"
    train(store, TrainerKind.SFT, TrainSource(dataset="corrections"),
          TrainOptions(base=str(base), out=out, max_steps=2, batch_size=4, seed=0,
                       device=Device.CPU, save_steps=1))
    graph = lineage_graph(store, "corrected").to_json()
    assert graph["raters"] == ["rater-0", "rater-1", "rater-2"]
    assert {(t["name"], t["terms"], t["role"]) for t in graph["teachers"]} == {
        ("student-a", "forbid", "corrected"), ("student-b", "unknown", "corrected")}
    assert [(d["name"], d["records"]) for d in graph["datasets"]] == [("corrections", 8)]
    assert graph["runs"][0]["trainer"] == "sft" and graph["runs"][0]["device"] == "cpu"
    assert len(graph["base"]["sha256"]) == 64
    card = write_model_card(store, "corrected", tmp_path / "card").read_text()
    assert ("| student-a | a-weights | corrected | corrected | forbid | licensed for tests |"
            in card)


@pytest.mark.slow
def test_eval_says_when_a_model_was_trained_on_the_suite(store: Store, tmp_path: Path) -> None:
    pytest.importorskip("transformers", reason="the hf extra is not installed")
    from trainer_fixtures import make_checkpoint, make_suite

    make_suite(store, "tinyfam")
    make_suite(store, "otherfam")
    trained = make_checkpoint(tmp_path / "trained", ["def double ( x ) : return x + x"],
                              layers=1, width=16)
    register_trained(store, "rl", trained, lineage("rl", tmp_path / "base",
                                                   suites=(("tinyfam", "public"),)))

    def evaluate(suite: str) -> subprocess.CompletedProcess[str]:
        result = _cli(["eval", "--model", "rl", "--suite", suite, "-n", "1", "--max-tokens",
                       "4", "--temperature", "0", "--device", "cpu", "--out", suite], tmp_path)
        assert result.returncode == 0, result.stderr
        return result

    assert "note: rl was trained on tinyfam (public split), so its scores there are not " \
           "held-out scores" in " ".join(evaluate("tinyfam").stderr.split())
    assert "trained on" not in evaluate("otherfam").stderr
