"""Generation runs against an in-test backend implementing the model Protocol."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from fairclimb.errors import ProviderError, UnknownSuiteError, UserInputError
from fairclimb.evaluate import (
    EvalOptions,
    GenerationPlan,
    evaluate,
    plan_evaluation,
    plan_generation,
    run_generation,
)
from fairclimb.models import (
    ApiStyle,
    Completion,
    CompletionRequest,
    GenerationParams,
    ModelSpec,
    Terms,
)
from fairclimb.sandbox import Limits
from fairclimb.store import Store

TASKS = 164  # HumanEval
CHAT = ModelSpec(name="teacher", base_url="http://teacher.test/v1/", model_id="teacher-7b",
                 terms=Terms.FORBID, terms_url="https://teacher.test/terms",
                 price_in_per_mtok=1.0, price_out_per_mtok=2.0)
BASE = ModelSpec(name="base", base_url="http://base.test/v1", model_id="base-1b",
                 style=ApiStyle.COMPLETION)
CHAT_ADD = "Sure.\n```python\ndef add(x: int, y: int):\n    return x + y\n```\n"
COMPLETION_ADD = "    return x + y\n\n\ndef unrelated():\n    pass\n"


class DictCache:
    """The cache Protocol over a dict (the store's generation table stands behind it)."""

    def __init__(self) -> None:
        self.entries: dict[str, dict[str, Any]] = {}
        self.models: dict[str, str] = {}

    def get_generation(self, cache_key: str) -> dict[str, Any] | None:
        return self.entries.get(cache_key)

    def put_generation(self, cache_key: str, model_name: str, request: dict[str, Any],
                       completion: dict[str, Any]) -> None:
        json.dumps([request, completion])  # what is stored must be JSON
        self.entries[cache_key] = completion
        self.models[cache_key] = model_name


class ScriptedBackend:
    """Answers every request with *answer*; fails once *fail_after* calls have started."""

    def __init__(self, answer: str = CHAT_ADD, fail_after: int | None = None,
                 delay: float = 0.0) -> None:
        self.answer = answer
        self.fail_after = fail_after
        self.delay = delay
        self.started = 0
        self.answered = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self.closed = False
        self.seen: list[CompletionRequest] = []

    async def complete(self, request: CompletionRequest) -> Completion:
        if self.fail_after is not None and self.started >= self.fail_after:
            raise ProviderError("teacher.test answered 503 Service Unavailable")
        self.started += 1
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            await asyncio.sleep(self.delay)
        finally:
            self.in_flight -= 1
        self.answered += 1
        self.seen.append(request)
        return Completion(text=self.answer, finish_reason="stop",
                          response_id=f"resp-{self.answered}", system_fingerprint="fp-1",
                          served_model="teacher-7b-0501", prompt_tokens=100,
                          completion_tokens=20, latency_s=0.01)

    async def aclose(self) -> None:
        self.closed = True


def plan(tmp_path: Path, spec: ModelSpec = CHAT, n: int = 2, concurrency: int = 8,
         out: str = "gen", seed: int | None = 7) -> GenerationPlan:
    params = GenerationParams(temperature=0.8, max_tokens=256, seed=seed)
    return plan_generation(spec, "humaneval", n, params, concurrency, tmp_path / out)


def read_lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_writes_n_samples_per_task_with_provenance(tmp_path: Path) -> None:
    cache, backend = DictCache(), ScriptedBackend()
    the_plan = plan(tmp_path)
    progress: list[tuple[int, int]] = []
    outcome = run_generation(the_plan, cache, backend, lambda d, t: progress.append((d, t)))
    assert backend.closed
    assert (outcome.samples, outcome.calls, outcome.cache_hits) == (2 * TASKS, 2 * TASKS, 0)
    assert (outcome.prompt_tokens, outcome.completion_tokens) == (200 * TASKS, 40 * TASKS)
    assert outcome.cost_usd == pytest.approx((200 * TASKS * 1.0 + 40 * TASKS * 2.0) / 1e6)
    assert progress[-1] == (2 * TASKS, 2 * TASKS)
    lines = read_lines(outcome.samples_path)
    assert [(line["task_id"], line["sample_index"]) for line in lines] == [
        (f"HumanEval/{t}", i) for t in range(TASKS) for i in range(2)]
    first = lines[0]
    assert set(first) == {"task_id", "solution", "sample_index", "provenance"}
    assert first["solution"].startswith("from typing import List")  # the prompt's import
    prov = first["provenance"]
    assert prov["model"] == "teacher" and prov["model_id"] == "teacher-7b"
    assert prov["endpoint"] == "http://teacher.test/v1"
    assert prov["terms"] == "forbid" and prov["terms_url"] == "https://teacher.test/terms"
    assert prov["params"]["temperature"] == 0.8 and prov["seed"] == 7
    assert prov["served_model"] == "teacher-7b-0501" and prov["system_fingerprint"] == "fp-1"
    assert prov["response_id"].startswith("resp-") and prov["attempts"] == 1
    assert prov["prompt_tokens"] == 100 and prov["completion_tokens"] == 20
    assert prov["cached"] is False and prov["timestamp"].endswith("+00:00")
    assert prov["prompt_hash"] in {r.prompt_hash for r in backend.seen}
    assert len({line["provenance"]["cache_key"] for line in lines}) == 2 * TASKS
    assert set(cache.models.values()) == {"teacher"}
    assert len({line["provenance"]["response_id"] for line in lines}) == 2 * TASKS


def test_a_rerun_makes_no_calls(tmp_path: Path) -> None:
    cache = DictCache()
    first = run_generation(plan(tmp_path), cache, ScriptedBackend())
    before = first.samples_path.read_text()
    backend = ScriptedBackend(fail_after=0)  # any call would fail the rerun
    second = run_generation(plan(tmp_path), cache, backend)
    assert backend.started == 0 and second.calls == 0
    assert second.cache_hits == 2 * TASKS and second.cost_usd == 0.0
    after = read_lines(second.samples_path)
    assert [line["solution"] for line in after] == [
        line["solution"] for line in map(json.loads, before.splitlines())]
    assert all(line["provenance"]["cached"] for line in after)
    # The timestamp is that of the call, not of the rerun.
    assert [line["provenance"]["timestamp"] for line in after] == [
        json.loads(line)["provenance"]["timestamp"] for line in before.splitlines()]


def test_an_interrupted_run_keeps_what_it_paid_for(tmp_path: Path) -> None:
    cache = DictCache()
    failing = ScriptedBackend(fail_after=50, delay=0.001)
    with pytest.raises(ProviderError, match="503"):
        run_generation(plan(tmp_path, concurrency=4), cache, failing)
    assert failing.closed
    kept = failing.answered
    assert 0 < kept <= 50 and len(cache.entries) == kept
    lines = read_lines(tmp_path / "gen" / "samples.jsonl")
    assert len(lines) == kept
    backend = ScriptedBackend()
    outcome = run_generation(plan(tmp_path, concurrency=4), cache, backend)
    assert backend.started == 2 * TASKS - kept
    assert (outcome.calls, outcome.cache_hits) == (2 * TASKS - kept, kept)
    assert len(read_lines(outcome.samples_path)) == 2 * TASKS


class DeadBackend:
    """An endpoint that never answers: every call ends in a ProviderError."""

    def __init__(self) -> None:
        self.calls = 0

    async def complete(self, request: CompletionRequest) -> Completion:
        self.calls += 1
        await asyncio.sleep(0.01)
        raise ProviderError("model dead at http://127.0.0.1:9/v1 did not answer")

    async def aclose(self) -> None:
        pass


def test_a_dead_endpoint_is_found_by_one_pre_flight_call(tmp_path: Path) -> None:
    """A large generation once opened `concurrency` calls, each retrying, at a dead endpoint."""
    dead = DeadBackend()
    with pytest.raises(ProviderError, match="did not answer"):
        run_generation(plan(tmp_path, concurrency=16), DictCache(), dead)
    assert dead.calls == 1


def test_a_killed_run_resumes_from_the_samples_file_alone(tmp_path: Path) -> None:
    """Even with another store, answers already in samples.jsonl are not bought again."""
    first = run_generation(plan(tmp_path, n=1), DictCache(), ScriptedBackend())
    text = first.samples_path.read_text().splitlines(keepends=True)
    first.samples_path.write_text("".join(text[:30]) + text[30][:25])  # torn last line
    backend = ScriptedBackend()
    outcome = run_generation(plan(tmp_path, n=1), DictCache(), backend)
    assert (backend.started, outcome.cache_hits) == (TASKS - 30, 30)
    assert len(read_lines(outcome.samples_path)) == TASKS


@pytest.mark.parametrize("concurrency", [1, 3, 16])
def test_concurrency_is_bounded(tmp_path: Path, concurrency: int) -> None:
    backend = ScriptedBackend(delay=0.002)
    run_generation(plan(tmp_path, n=1, concurrency=concurrency), DictCache(), backend)
    assert backend.max_in_flight == concurrency


def test_completion_style_sends_the_prompt_and_truncates(tmp_path: Path) -> None:
    backend = ScriptedBackend(answer=COMPLETION_ADD)
    outcome = run_generation(plan(tmp_path, spec=BASE, n=1), DictCache(), backend)
    assert all(r.prompt and not r.messages and "\ndef " in r.params.stop for r in backend.seen)
    lines = read_lines(outcome.samples_path)
    assert set(lines[0]) == {"task_id", "completion", "sample_index", "provenance"}
    assert lines[0]["completion"] == "    return x + y\n\n"
    assert lines[0]["provenance"]["text"] == COMPLETION_ADD
    assert lines[0]["provenance"]["terms"] == "unknown"
    assert outcome.cost_usd is None  # no prices configured


@pytest.mark.parametrize(("spec", "answer"), [(CHAT, CHAT_ADD), (BASE, COMPLETION_ADD)],
                         ids=["chat", "completion"])
def test_generated_samples_evaluate(tmp_path: Path, store: Store, spec: ModelSpec,
                                    answer: str) -> None:
    outcome = run_generation(plan(tmp_path, spec=spec, n=3), DictCache(),
                             ScriptedBackend(answer=answer))
    # Evaluate the answers to HumanEval/53 (add) plus one to HumanEval/0, which is wrong.
    lines = outcome.samples_path.read_text().splitlines(keepends=True)
    chosen = [line for line in lines
              if json.loads(line)["task_id"] in ("HumanEval/53", "HumanEval/0")]
    samples = tmp_path / "chosen.jsonl"
    samples.write_text("".join(chosen))
    options = EvalOptions(workers=2, limits=Limits(wall_s=2.0), bootstrap_rounds=50)
    result = evaluate(plan_evaluation("humaneval", samples, tmp_path / "eval", options), store)
    rows = read_lines(tmp_path / "eval" / "results.jsonl")
    assert Counter((r["task_id"], r["passed"]) for r in rows) == {
        ("HumanEval/0", False): 3, ("HumanEval/53", True): 3}
    assert all("provenance" in r for r in rows)  # extra keys survive evaluation
    assert result.summary.statuses["passed"] == 3


BAD_INPUT = [
    ("unknown suite", {"suite": "nope"}, UnknownSuiteError, "unknown suite 'nope'"),
    ("n below one", {"n": 0}, UserInputError, "-n must be at least 1"),
    ("no concurrency", {"concurrency": 0}, UserInputError, "--concurrency must be at least 1"),
    ("no tokens", {"params": GenerationParams(max_tokens=0)}, UserInputError, "--max-tokens"),
    ("negative temperature", {"params": GenerationParams(temperature=-1)}, UserInputError,
     "--temperature"),
]


@pytest.mark.parametrize(("changes", "error", "message"),
                         [(c, e, m) for _, c, e, m in BAD_INPUT],
                         ids=[name for name, *_ in BAD_INPUT])
def test_bad_input_is_refused_before_anything_is_written(
        tmp_path: Path, changes: dict[str, Any], error: type[Exception], message: str) -> None:
    arguments: dict[str, Any] = {"spec": CHAT, "suite_name": "humaneval", "n": 1,
                                 "params": GenerationParams(), "concurrency": 1,
                                 "out_dir": tmp_path / "gen"}
    arguments.update({("suite_name" if k == "suite" else k): v for k, v in changes.items()})
    with pytest.raises(error, match=message):
        plan_generation(**arguments)
    assert not (tmp_path / "gen").exists()


def test_an_out_dir_of_another_run_is_refused(tmp_path: Path) -> None:
    run_generation(plan(tmp_path, n=1), DictCache(), ScriptedBackend())
    with pytest.raises(UserInputError, match='model "teacher" there, "base" now'):
        plan(tmp_path, spec=BASE, n=1)
    # the changed generation parameter is named, and nothing else is
    with pytest.raises(UserInputError, match=r"other settings \(seed 7 there, 8 now\)"):
        plan(tmp_path, n=1, seed=8)
    plan(tmp_path, n=5)  # more samples of the same run are welcome


@pytest.mark.parametrize(("setup", "message"), [
    (lambda out: out.write_text("x"), "is not a directory"),
    (lambda out: (out.mkdir(), (out / "samples.jsonl").write_text("{}\n")),
     "no generation run wrote"),
    (lambda out: (out.mkdir(), (out / "generation.json").write_text("{oops")), "is damaged"),
])
def test_unusable_out_dirs_are_refused(tmp_path: Path, setup: Any, message: str) -> None:
    out = tmp_path / "gen"
    setup(out)
    before = sorted(p.name for p in out.iterdir()) if out.is_dir() else None
    with pytest.raises(UserInputError, match=message):
        plan(tmp_path)
    assert (sorted(p.name for p in out.iterdir()) if out.is_dir() else None) == before


# -- end to end: the real store, the real OpenAI backend, the local fake server --------


def fake_spec(base_url: str, style: ApiStyle = ApiStyle.CHAT) -> ModelSpec:
    return ModelSpec(name="fake", base_url=base_url, model_id="fake-coder", terms=Terms.ALLOW,
                     style=style)


def test_end_to_end_against_the_fake_server(tmp_path: Path, store: Store,
                                            fake_openai: Any) -> None:
    from fairclimb.models import RetryPolicy, open_backend

    fake_openai.set_responder(lambda request: CHAT_ADD)
    spec = fake_spec(fake_openai.base_url)
    store.add_model(spec)
    the_plan = plan_generation(spec, "humaneval", 2, GenerationParams(seed=3), 16,
                               tmp_path / "gen")
    outcome = run_generation(the_plan, store, open_backend(spec, {}, RetryPolicy()))
    assert fake_openai.calls == 2 * TASKS and outcome.calls == 2 * TASKS
    lines = read_lines(outcome.samples_path)
    assert len(lines) == 2 * TASKS
    prov = lines[0]["provenance"]
    assert prov["terms"] == "allow" and prov["model"] == "fake"
    assert prov["response_id"] and prov["served_model"] and prov["completion_tokens"] > 0
    assert store.get_generation(prov["cache_key"]) is not None
    fake_openai.reset()
    again = run_generation(the_plan, store, open_backend(spec, {}, RetryPolicy()))
    assert fake_openai.calls == 0 and again.cache_hits == 2 * TASKS
    assert [line["solution"] for line in read_lines(again.samples_path)] == [
        line["solution"] for line in lines]


def test_a_provider_failure_is_one_error_and_the_rerun_finishes(
        tmp_path: Path, store: Store, fake_openai: Any) -> None:
    from fairclimb.models import RetryPolicy, open_backend

    spec = fake_spec(fake_openai.base_url, ApiStyle.COMPLETION)
    the_plan = plan_generation(spec, "humaneval", 1, GenerationParams(), 1, tmp_path / "gen")
    fake_openai.fail_next("500", 1)
    with pytest.raises(ProviderError):
        run_generation(the_plan, store, open_backend(spec, {}, RetryPolicy(attempts=1)))
    fake_openai.reset()
    outcome = run_generation(the_plan, store, open_backend(spec, {}, RetryPolicy(attempts=1)))
    assert outcome.calls == TASKS and fake_openai.calls == TASKS
    assert all("completion" in line for line in read_lines(outcome.samples_path))
