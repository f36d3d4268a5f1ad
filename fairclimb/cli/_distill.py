"""fairclimb distill: sample a teacher, keep what passes the tests, store records."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from fairclimb.cli._common import (
    DbOption,
    DedupThresholdOption,
    ExtraBodyOption,
    LimitOption,
    MinhashThresholdOption,
    NgramThresholdOption,
    NPerRequestOption,
    RawOption,
    SandboxOption,
    SplitOption,
    SystemOption,
    TaskIdsOption,
    TasksOption,
    TemplateOption,
    TimeoutOption,
    TopPOption,
    WorkersOption,
    eval_options,
    extra_body,
    load_suite,
    prompt_control,
    selection,
)
from fairclimb.data import (
    DistillOutcome,
    curation_params,
    distill,
    plan_distill,
    read_prompts,
)
from fairclimb.errors import UserInputError
from fairclimb.evaluate import require_references_pass
from fairclimb.models import GenerationParams, RetryPolicy, open_backend
from fairclimb.settings import load_settings
from fairclimb.store import Store
from fairclimb.suites import select_tasks


def distill_command(
    teacher: Annotated[str, typer.Option("--teacher", "-t", help="A registered model.")],
    dataset: Annotated[str, typer.Option("--dataset", "-d", help="Dataset to add to.")],
    suite: Annotated[str | None, typer.Option("--suite", "-s", help="Suite to ask.")] = None,
    prompts: Annotated[Path | None, typer.Option(
        "--prompts", help="JSONL of {prompt, tests?, entry_point?}; without tests an "
        "answer cannot be checked and is kept as 'unverified'.")] = None,
    tasks: TasksOption = None,
    limit: LimitOption = None,
    task_ids: TaskIdsOption = None,
    split: SplitOption = None,
    n: Annotated[int, typer.Option("-n", help="Answers drawn per prompt.")] = 8,
    override_terms: Annotated[bool, typer.Option(
        "--override-terms", help="Distil even though the teacher's terms forbid it "
        "(needs --reason; recorded in every record and the card).")] = False,
    reason: Annotated[str | None, typer.Option("--reason", help="Why the override is "
                                               "lawful.")] = None,
    include_private: Annotated[bool, typer.Option(
        "--include-private", help="Allow private suite tasks (their records are never "
        "exported unless asked).")] = False,
    pairs: Annotated[bool, typer.Option(
        "--pairs/--no-pairs", help="Also store pass/fail preference pairs.")] = True,
    temperature: Annotated[float, typer.Option("--temperature")] = 0.8,
    max_tokens: Annotated[int, typer.Option("--max-tokens")] = 512,
    top_p: TopPOption = 0.95,
    system: SystemOption = None,
    template: TemplateOption = None,
    raw: RawOption = False,
    extra: ExtraBodyOption = None,
    n_per_request: NPerRequestOption = 1,
    seed: Annotated[int | None, typer.Option("--seed", help="Sent to the provider.")] = None,
    concurrency: Annotated[int, typer.Option("--concurrency", "-c")] = 16,
    licence: Annotated[str, typer.Option("--licence", help="Licence of the records.")] = "",
    dedup_threshold: DedupThresholdOption = None,
    ngram_threshold: NgramThresholdOption = None,
    minhash_threshold: MinhashThresholdOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the totals as JSON.")] = False,
    workers: WorkersOption = None,
    timeout: TimeoutOption = None,
    sandbox: SandboxOption = None,
    db: DbOption = None,
) -> None:
    """Distil training records from a teacher: sample, execute, keep the passing ones."""
    files = [path for path in (prompts, tasks) if path is not None]
    if (suite is None) == (not files) or len(files) > 1:
        raise UserInputError("give exactly one of --suite NAME or --prompts FILE "
                             "(--tasks FILE is the same as --prompts FILE)")
    settings = load_settings(db=db, workers=workers, timeout=timeout, sandbox=sandbox)
    chosen = selection(limit, task_ids, split)
    source = (select_tasks(read_prompts(files[0]), chosen) if files
              else load_suite(suite or "", None, chosen, settings))
    if files:  # a tasks file is checked like a suite: its given references must pass
        require_references_pass(source, eval_options(settings))
    params = GenerationParams(temperature=temperature, max_tokens=max_tokens, top_p=top_p,
                              seed=seed, extra_body=extra_body(extra))
    control = prompt_control(system, template, raw)
    dedup, decontam = curation_params(dedup_threshold, ngram_threshold, minhash_threshold)
    with Store.open(settings.db) as store:
        spec = store.require_model(teacher)
        plan = plan_distill(spec, source, n, dataset, params, override_terms=override_terms,
                            reason=reason, include_private=include_private,
                            options=eval_options(settings), concurrency=concurrency,
                            pairs=pairs, licence=licence, prompt=control, dedup=dedup,
                            decontam=decontam, n_per_request=n_per_request)
        err = Console(stderr=True)
        if plan.gate["warning"]:
            err.print(f"[yellow]warning:[/] {plan.gate['warning']}", highlight=False)
        if plan.gate["override"]:
            err.print(f"[yellow]terms override:[/] {plan.gate['reason']}", highlight=False)
        backend = open_backend(spec, os.environ, RetryPolicy())
        with _progress(err) as update:
            outcome = distill(plan, store, backend, update)
    if as_json:
        typer.echo(json.dumps(outcome.to_json(), indent=2))
    else:
        _print(outcome)


@contextmanager
def _progress(console: Console) -> Iterator[Callable[[str, int, int], None]]:
    progress = Progress(TextColumn("{task.description:<10}"), BarColumn(),
                        MofNCompleteColumn(), TimeElapsedColumn(), console=console)
    bars: dict[str, TaskID] = {}

    def update(phase: str, done: int, total: int) -> None:
        if phase not in bars:
            bars[phase] = progress.add_task(phase, total=total)
        progress.update(bars[phase], completed=done, total=total)

    with progress:
        yield update


def _print(outcome: DistillOutcome) -> None:
    refused = ", ".join(f"{n} {why}" for why, n in outcome.refused.items()) or "none"
    Console().print(
        f"{outcome.samples} answers ({outcome.calls} calls, {outcome.cache_hits} from the "
        f"cache): {outcome.passed} passed, {outcome.failed} failed, {outcome.unverified} "
        f"unverified; {outcome.pairs} preference pairs; refused by the gate: {refused}; "
        f"{outcome.added} new offers; dataset {outcome.dataset} keeps {outcome.kept}",
        highlight=False)
    err = Console(stderr=True)
    for warning in outcome.warnings:
        if warning != outcome.warning:  # the teacher's terms: said before sampling
            err.print(f"[yellow]warning:[/] {warning}", highlight=False)


COMMANDS = {"distill": distill_command}
