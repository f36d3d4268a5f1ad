"""Distillation: sample a teacher, keep the answers that pass the tests.

Every answer is drawn through evaluate's generation run (content-addressed calls, the
store's generation cache: a rerun never pays twice), checked in the sandbox by
evaluate's checker pool, and stored as an SFT record with its full provenance. Prompts
without tests cannot be verified: their answers are kept with the execution verdict
``unverified`` and counted apart (``stats`` shows ``unverified``).

The terms gate runs before anything is asked or written: a teacher whose terms
``forbid`` training on its outputs is refused unless ``--override-terms --reason`` is
given, and then the override and its reason go into every record and the card;
``unknown`` terms proceed with a warning recorded in the same places.
"""

from __future__ import annotations

import dataclasses
import hashlib
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fairclimb.data._decontam import DecontamOptions
from fairclimb.data._dedup import DedupParams
from fairclimb.data._gate import Candidate, ModelOutput, admit, unknown_terms_warning
from fairclimb.data._records import (
    MemberStatus,
    Origin,
    RecordKind,
    TrainingRecord,
    transformation,
)
from fairclimb.errors import UserInputError
from fairclimb.evaluate import (
    CompletionBackend,
    Engine,
    EvalOptions,
    GenerationPlan,
    PromptControl,
    Sample,
    SampleForm,
    Verdict,
    build_request,
    run_generation,
)
from fairclimb.models import GenerationParams, ModelSpec, Terms
from fairclimb.store import Store
from fairclimb.suites import Split, Suite, Task, read_tasks

__all__ = ["DistillOutcome", "DistillPlan", "distill", "plan_distill", "read_prompts",
           "terms_gate"]

ProgressCallback = Callable[[str, int, int], None]  # (phase, done, total)


@dataclass(frozen=True, slots=True)
class DistillPlan:
    """A validated distillation: nothing has been asked or written yet."""

    teacher: ModelSpec
    suite: Suite
    n: int
    dataset: str
    params: GenerationParams
    gate: dict[str, Any]  # terms, terms_url, override, reason, warning
    options: EvalOptions = field(default_factory=EvalOptions)
    concurrency: int = 16
    pairs: bool = True  # also store execution preference pairs
    licence: str = ""
    prompt: PromptControl = field(default_factory=PromptControl)
    dedup: DedupParams | None = None  # None: the dataset's recorded settings (or defaults)
    decontam: DecontamOptions | None = None
    n_per_request: int = 1  # answers asked of one call (the protocol's n)


@dataclass(frozen=True, slots=True)
class DistillOutcome:
    dataset: str
    samples: int
    calls: int
    cache_hits: int
    passed: int
    failed: int
    unverified: int
    pairs: int
    added: int  # offers new to the dataset (0 on a rerun)
    kept: int
    warning: str | None
    refused: dict[str, int] = field(default_factory=dict)  # by gate DropReason
    warnings: list[str] = field(default_factory=list)  # the gate's, for every model

    def to_json(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}


def terms_gate(teacher: ModelSpec, override: bool, reason: str | None) -> dict[str, Any]:
    """What the teacher's terms allow, as recorded in every record and the card."""
    reason = (reason or "").strip()
    if override and not reason:
        raise UserInputError("--override-terms needs --reason \"...\" saying why training on "
                             f"{teacher.name}'s outputs is allowed despite its terms")
    if reason and not override:
        raise UserInputError("--reason is only used with --override-terms; drop it or add "
                             "--override-terms")
    gate: dict[str, Any] = {"teacher": teacher.name, "terms": teacher.terms.value,
                            "terms_url": teacher.terms_url, "override": False,
                            "reason": None, "warning": None}
    if teacher.terms is Terms.FORBID:
        if not override:
            where = f" ({teacher.terms_url})" if teacher.terms_url else ""
            raise UserInputError(
                f"the terms of teacher {teacher.name!r}{where} forbid training other "
                "models on its outputs, so nothing was distilled; if you have the right "
                "to do so anyway, rerun with --override-terms --reason \"...\"")
        gate.update(override=True, reason=reason)
    elif override:
        gate.update(override=True, reason=reason)
    if teacher.terms is Terms.UNKNOWN:
        gate["warning"] = unknown_terms_warning(teacher.name)
    return gate


def read_prompts(path: Path) -> Suite:
    """A prompts file (the tasks file format of ``fairclimb.suites.read_tasks``) as a
    suite; the first bad line raises one sentence naming it."""
    return read_tasks(path, f"prompts:{path.name}")


def plan_distill(teacher: ModelSpec, suite: Suite, n: int, dataset: str,
                 params: GenerationParams, *, override_terms: bool = False,
                 reason: str | None = None, include_private: bool = False,
                 options: EvalOptions | None = None, concurrency: int = 16,
                 pairs: bool = True, licence: str = "",
                 prompt: PromptControl | None = None, dedup: DedupParams | None = None,
                 decontam: DecontamOptions | None = None,
                 n_per_request: int = 1) -> DistillPlan:
    """Validate a distillation (terms gate, private tasks, numbers) before any call."""
    if n < 1:
        raise UserInputError(f"-n must be at least 1 (samples per prompt), not {n}")
    if concurrency < 1:
        raise UserInputError(f"--concurrency must be at least 1, not {concurrency}")
    if not dataset.strip():
        raise UserInputError("--dataset must name the dataset to add the records to")
    private = [t.task_id for t in suite.tasks if t.split is Split.PRIVATE]
    if private and not include_private:
        raise UserInputError(
            f"suite {suite.name!r} has {len(private)} private task(s) (e.g. {private[0]}) "
            "whose text must not leak into training data; pass --include-private to "
            "distil from them anyway (their records are never exported by default)")
    if n_per_request < 1:
        raise UserInputError(f"--n-per-request must be at least 1, not {n_per_request}")
    gate = terms_gate(teacher, override_terms, reason)
    return DistillPlan(teacher, suite, n, dataset.strip(), params, gate,
                       options or EvalOptions(), concurrency, pairs, licence,
                       prompt or PromptControl(), dedup, decontam, n_per_request)


def distill(plan: DistillPlan, store: Store, backend: CompletionBackend,
            on_progress: ProgressCallback | None = None,
            extra_tasks: Sequence[Task] = ()) -> DistillOutcome:
    """Sample, check, store and curate. *extra_tasks*: suites from the store, checked
    for contamination alongside the bundled ones."""
    rows: dict[int, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="fairclimb-distill-") as work:
        gen_plan = GenerationPlan(plan.teacher, plan.suite, plan.n, plan.params,
                                  plan.concurrency, Path(work), plan.prompt,
                                  plan.n_per_request)
        generated = run_generation(
            gen_plan, store, backend,
            on_progress=None if on_progress is None
            else lambda done, total: on_progress("generating", done, total),
            on_sample=rows.__setitem__)
    verdicts = _check(plan, rows, on_progress)
    offers = _offers(plan, rows, verdicts)
    overrides = {plan.teacher.name: plan.gate["reason"]} if plan.gate["override"] else {}
    gated = admit(store, plan.dataset, offers, source=plan.suite.name, notes=_notes(plan),
                  overrides=overrides, extra_tasks=extra_tasks, dedup=plan.dedup,
                  decontam=plan.decontam)
    return DistillOutcome(
        dataset=plan.dataset, samples=len(rows), calls=generated.calls,
        cache_hits=generated.cache_hits,
        passed=sum(1 for v in verdicts.values() if v is not None and v.passed),
        failed=sum(1 for v in verdicts.values() if v is not None and not v.passed),
        unverified=sum(1 for v in verdicts.values() if v is None),
        pairs=sum(1 for o in offers if o.record.kind is RecordKind.PREFERENCE),
        added=gated.added, kept=gated.kept, warning=plan.gate["warning"],
        refused=gated.refused, warnings=gated.warnings)


def _check(plan: DistillPlan, rows: dict[int, dict[str, Any]],
           on_progress: ProgressCallback | None) -> dict[int, Verdict | None]:
    """A verdict per sample, judged by evaluate's run engine (the checkers ``eval``
    uses: Node.js for JavaScript, cost for optimize tasks); None for prompts that have
    no tests (unverified)."""
    verdicts: dict[int, Verdict | None] = {}
    samples: list[Sample] = []
    for position, row in rows.items():
        task = plan.suite.get(row["task_id"])
        if task is None or not task.tests:
            verdicts[position] = None
            continue
        form = SampleForm.SOLUTION if "solution" in row else SampleForm.COMPLETION
        samples.append(Sample(position, task.task_id, form, row[form.value], row))
    if on_progress is not None:
        on_progress("checking", 0, len(samples))
    if samples:
        # Records keep a private task's details: such records are never exported by
        # default, and the execution check needs them.
        options = dataclasses.replace(plan.options, include_private=True)
        engine = Engine.for_tasks(plan.suite, options, [t for t in plan.suite.tasks
                                                        if t.tests])
        run = engine.run(samples, on_progress=None if on_progress is None
                         else lambda done, total: on_progress("checking", done, total))
        verdicts.update((index, result.verdict) for index, result in run.results.items())
    return verdicts


def _output(plan: DistillPlan, record: TrainingRecord, part: str) -> ModelOutput:
    served = record.provenance["generation"].get("served_model")
    return ModelOutput(plan.teacher.name, part, served)


def _offers(plan: DistillPlan, rows: dict[int, dict[str, Any]],
            verdicts: dict[int, Verdict | None]) -> list[Candidate]:
    offers: list[Candidate] = []
    by_task: dict[str, list[tuple[TrainingRecord, bool, str]]] = {}
    for position in sorted(rows):
        row = rows[position]
        task = plan.suite.get(row["task_id"])
        if task is None:  # generation only draws the suite's own tasks
            raise RuntimeError(f"a sample for unknown task {row['task_id']}")
        verdict = verdicts.get(position)
        record = _sft_record(plan, task, row, verdict)
        failed = verdict is not None and not verdict.passed
        status = MemberStatus.FAILED_EXECUTION if failed else MemberStatus.KEPT
        reason = f"{verdict.status}: {verdict.detail}"[:500] if failed and verdict else ""
        key = row["provenance"]["cache_key"]
        offers.append(Candidate(key, record, (_output(plan, record, "answer"),), status,
                                reason))
        if verdict is not None:
            by_task.setdefault(task.task_id, []).append((record, verdict.passed, key))
    if plan.pairs:
        for task_id, answers in by_task.items():
            task = plan.suite.get(task_id)
            assert task is not None
            passing = [(r, k) for r, ok, k in answers if ok]
            failing = [(r, k) for r, ok, k in answers if not ok]
            for (chosen, good), (rejected, bad) in zip(passing, failing, strict=False):
                pair = _pair_record(plan, task, chosen, rejected)
                # Keyed by the two calls, so a rerun offers the same pair again.
                key = hashlib.sha256(f"pair:{good}:{bad}".encode()).hexdigest()
                offers.append(Candidate(key, pair, (_output(plan, chosen, "chosen"),
                                                    _output(plan, rejected, "rejected"))))
    return offers


def _messages(plan: DistillPlan, task: Task, answer: str) -> list[dict[str, str]]:
    request = build_request(task, plan.teacher.style, plan.params, 0, plan.prompt)
    if request.messages:
        asked = [{"role": m.role, "content": m.content} for m in request.messages]
    else:
        asked = [{"role": "user", "content": request.prompt}]
    return [*asked, {"role": "assistant", "content": answer}]


def _generation(row: dict[str, Any]) -> dict[str, Any]:
    p = row["provenance"]
    keys = ("model", "model_id", "endpoint", "style", "terms", "terms_url", "params",
            "prompt_hash", "response_id", "cache_key", "served_model", "system_fingerprint",
            "finish_reason", "timestamp")
    return {key: p.get(key) for key in keys}


def _common(plan: DistillPlan, task: Task) -> dict[str, Any]:
    return {"task": {"suite": plan.suite.name, "task_id": task.task_id,
                     "split": task.split.value},
            "terms_gate": plan.gate}


def _sft_record(plan: DistillPlan, task: Task, row: dict[str, Any],
                verdict: Verdict | None) -> TrainingRecord:
    answer = row["provenance"]["text"]
    execution = ("unverified" if verdict is None
                 else {"verdict": verdict.status.value, "detail": verdict.detail[:300]})
    provenance = {
        **_common(plan, task),
        "generation": _generation(row),
        "human": None,
        "checks": {"execution": execution if verdict is None else verdict.status.value,
                   "execution_detail": None if verdict is None else verdict.detail[:300]},
        "transformations": [transformation("distill", n=plan.n, params=plan.params.as_dict(),
                                           rejection_sampling=verdict is not None)],
        "parents": [],
    }
    return TrainingRecord(RecordKind.SFT, Origin.SYNTHETIC,
                          {"messages": _messages(plan, task, answer)}, provenance,
                          plan.licence or task.licence, task.split is Split.PRIVATE)


def _pair_record(plan: DistillPlan, task: Task, chosen: TrainingRecord,
                 rejected: TrainingRecord) -> TrainingRecord:
    prompt = chosen.content["messages"][:-1]
    provenance = {
        **_common(plan, task),
        "generation": chosen.provenance["generation"],
        "rejected_generation": rejected.provenance["generation"],
        "human": None,
        "checks": {"execution": "chosen passed, rejected failed",
                   "rejected_detail": rejected.provenance["checks"]["execution_detail"]},
        "transformations": [transformation("execution_pair")],
        "parents": [chosen.record_id, rejected.record_id],
    }
    content = {"prompt": prompt, "chosen": [chosen.content["messages"][-1]],
               "rejected": [rejected.content["messages"][-1]]}
    return TrainingRecord(RecordKind.PREFERENCE, Origin.SYNTHETIC, content, provenance,
                          chosen.licence, chosen.private)


def _notes(plan: DistillPlan) -> dict[str, Any]:
    teacher = plan.teacher
    notes: dict[str, Any] = {
        "teachers": [{"name": teacher.name, "model_id": teacher.model_id,
                      "endpoint": teacher.endpoint, "terms": teacher.terms.value,
                      "terms_url": teacher.terms_url}],
        "sources": [plan.suite.name],
    }
    if plan.gate["warning"]:
        notes["warnings"] = [plan.gate["warning"]]
    return notes  # overrides: written by the gate, with the models they apply to
