"""fairclimb generate: draw n samples per task of a suite from a registered model."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from fairclimb.cli._common import (
    BatchSizeOption,
    DbOption,
    DeviceOption,
    ExtraBodyOption,
    LimitOption,
    NPerRequestOption,
    RawOption,
    SplitOption,
    SystemOption,
    TaskIdsOption,
    TasksOption,
    TemplateOption,
    TopPOption,
    extra_body,
    load_suite,
    progress_bar,
    prompt_control,
    selection,
)
from fairclimb.evaluate import GenerationOutcome, plan_generation, run_generation
from fairclimb.models import Device, GenerationParams, LocalOptions, RetryPolicy, open_backend
from fairclimb.settings import load_settings
from fairclimb.store import Store


def generate_command(
    model: Annotated[str, typer.Option("--model", "-m", help="A registered model's name.")],
    out: Annotated[Path, typer.Option(
        "--out", "-o", help="Output directory (samples.jsonl); reruns resume from the cache.")],
    suite: Annotated[str, typer.Option("--suite", "-s", help="Suite name.")] = "humaneval",
    tasks: TasksOption = None,
    limit: LimitOption = None,
    task_ids: TaskIdsOption = None,
    split: SplitOption = None,
    n: Annotated[int, typer.Option("-n", help="Samples per task.")] = 10,
    temperature: Annotated[float, typer.Option("--temperature")] = 0.8,
    max_tokens: Annotated[int, typer.Option("--max-tokens")] = 512,
    top_p: TopPOption = 0.95,
    system: SystemOption = None,
    template: TemplateOption = None,
    raw: RawOption = False,
    extra: ExtraBodyOption = None,
    concurrency: Annotated[int, typer.Option(
        "--concurrency", "-c", help="Requests in flight at most.")] = 32,
    n_per_request: NPerRequestOption = 1,
    seed: Annotated[int | None, typer.Option("--seed", help="Sent to the provider.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the totals as JSON.")] = False,
    device: DeviceOption = Device.AUTO,
    batch_size: BatchSizeOption = 8,
    db: DbOption = None,
) -> None:
    """Draw samples from a model into DIR/samples.jsonl, with provenance on every line."""
    settings = load_settings(db=db)
    params = GenerationParams(temperature=temperature, max_tokens=max_tokens, top_p=top_p,
                              seed=seed, extra_body=extra_body(extra))
    control = prompt_control(system, template, raw)
    chosen = load_suite(suite, tasks, selection(limit, task_ids, split), settings)
    with Store.open(settings.db) as store:
        spec = store.require_model(model)
        plan = plan_generation(spec, chosen, n, params, concurrency, out, store, control,
                               n_per_request)
        backend = open_backend(spec, os.environ, RetryPolicy(), LocalOptions(device, batch_size))
        with progress_bar(Console(stderr=True), f"{spec.name} on {chosen.name}") as update:
            outcome = run_generation(plan, store, backend, update)
    if as_json:
        typer.echo(json.dumps(outcome.to_json(), indent=2))
    else:
        _print_totals(outcome, Console())


def _print_totals(outcome: GenerationOutcome, console: Console) -> None:
    cost = "" if outcome.cost_usd is None else f", ${outcome.cost_usd:,.4f}"
    console.print(
        f"{outcome.samples} samples in {outcome.seconds:,.1f} s: {outcome.calls} calls, "
        f"{outcome.cache_hits} from the cache; tokens {outcome.prompt_tokens:,} in, "
        f"{outcome.completion_tokens:,} out{cost}", highlight=False)
    console.print(f"samples: {outcome.samples_path}", highlight=False)


COMMANDS = {"generate": generate_command}
