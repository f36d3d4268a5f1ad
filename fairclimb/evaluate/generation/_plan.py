"""A generation run's plan: everything checked before anything is written.

``DIR/generation.json`` (the plan's manifest) ties an output directory to one model,
suite and parameter set, so another run cannot be mixed in; a rerun with the same
settings resumes there.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fairclimb.errors import UserInputError
from fairclimb.evaluate.generation._prompts import PromptControl
from fairclimb.models import GenerationParams, ModelSpec
from fairclimb.suites import Suite, get_suite

if TYPE_CHECKING:
    from fairclimb.store import Store

__all__ = ["GENERATION_MANIFEST", "SAMPLES", "GenerationPlan", "manifest_changes",
           "plan_generation"]

SAMPLES = "samples.jsonl"
GENERATION_MANIFEST = "generation.json"


@dataclass(frozen=True, slots=True)
class GenerationPlan:
    """A validated generation run, ready to go: nothing has been written yet."""

    spec: ModelSpec
    suite: Suite
    n: int
    params: GenerationParams
    concurrency: int
    out_dir: Path
    prompt: PromptControl = field(default_factory=PromptControl)
    n_per_request: int = 1  # answers asked of one call (the protocol's n)

    @property
    def samples_path(self) -> Path:
        return self.out_dir / SAMPLES

    def manifest(self) -> dict[str, Any]:
        manifest: dict[str, Any] = {"model": self.spec.name, "model_id": self.spec.model_id,
                    "endpoint": self.spec.endpoint, "style": self.spec.style.value,
                    "suite": self.suite.name, "params": self.params.as_dict()}
        if self.prompt.digest:  # absent for our own prompts: older runs still resume
            manifest["prompt_template"] = self.prompt.digest
        if self.n_per_request > 1:  # absent when 1, likewise
            manifest["n_per_request"] = self.n_per_request
        return manifest


def plan_generation(spec: ModelSpec, suite_name: str | Suite, n: int,
                    params: GenerationParams,
                    concurrency: int, out_dir: Path, store: Store | None = None,
                    prompt: PromptControl | None = None,
                    n_per_request: int = 1) -> GenerationPlan:
    """Validate everything about a generation run before anything is written (*store*,
    when given, is where suites built by fairclimb, such as debug suites, are found)."""
    suite = suite_name if isinstance(suite_name, Suite) else get_suite(suite_name, store)
    if n < 1:
        raise UserInputError(f"-n must be at least 1 (samples per task), not {n}")
    if concurrency < 1:
        raise UserInputError(f"--concurrency must be at least 1, not {concurrency}")
    if params.max_tokens < 1:
        raise UserInputError(f"--max-tokens must be at least 1, not {params.max_tokens}")
    if params.temperature < 0:
        raise UserInputError(f"--temperature must not be negative, not {params.temperature}")
    if n_per_request < 1:
        raise UserInputError(f"--n-per-request must be at least 1, not {n_per_request}")
    if n_per_request > 1 and spec.backend != "openai":
        raise UserInputError(f"--n-per-request needs an OpenAI-compatible endpoint; model "
                             f"{spec.name!r} uses the {spec.backend} backend")
    plan = GenerationPlan(spec, suite, n, params, concurrency, out_dir,
                          prompt or PromptControl(), n_per_request)
    if plan.prompt.template is not None:
        for task in suite.tasks:  # a template naming an unknown field fails before any call
            plan.prompt.render(task)
    _check_out_dir(plan)
    return plan


def _check_out_dir(plan: GenerationPlan) -> None:
    out = plan.out_dir
    if out.exists() and not out.is_dir():
        raise UserInputError(f"--out {str(out)!r} exists and is not a directory")
    manifest_path = out / GENERATION_MANIFEST
    if manifest_path.exists():
        try:
            previous = json.loads(manifest_path.read_text())
        except (OSError, ValueError):
            raise UserInputError(f"{manifest_path} is damaged; delete the directory "
                                 f"{str(out)!r} or choose another --out") from None
        changed = manifest_changes(previous, plan.manifest())
        if changed:
            raise UserInputError(
                f"{str(out)!r} holds samples made with other settings ({'; '.join(changed)}); "
                "choose another --out, delete it, or rerun with the same settings")
    elif (out / SAMPLES).exists():
        raise UserInputError(f"{str(out)!r} already holds a {SAMPLES} that no generation run "
                             "wrote; choose another --out or move that file")


def manifest_changes(before: dict[str, Any], now: dict[str, Any]) -> list[str]:
    """What differs between two generation manifests, one phrase per setting
    ("temperature 0.2 there, 0.8 now"), generation parameters by their own names."""
    def flat(manifest: dict[str, Any]) -> dict[str, Any]:
        params = manifest.get("params")
        flat = {k: v for k, v in manifest.items() if k != "params"}
        return {**flat, **params} if isinstance(params, dict) else flat

    old, new = flat(before), flat(now)
    return [f"{key} {json.dumps(old.get(key))} there, {json.dumps(new.get(key))} now"
            for key in sorted(set(old) | set(new)) if old.get(key) != new.get(key)]
