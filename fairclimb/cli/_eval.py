"""fairclimb eval: check a samples file against a suite, or the suite's own references."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from fairclimb.cli._common import (
    BatchSizeOption,
    DbOption,
    DeviceOption,
    ExecutorOption,
    ExtraBodyOption,
    KsOption,
    LimitOption,
    NPerRequestOption,
    RawOption,
    RayAddressOption,
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
    parse_ks,
    progress_bar,
    prompt_control,
    selection,
    suite_store,
)
from fairclimb.errors import UserInputError
from fairclimb.evaluate import EvalOptions, PromptControl, WarmCheckers, render_summary
from fairclimb.models import Device, GenerationParams, LocalOptions, RetryPolicy, open_backend
from fairclimb.settings import load_settings
from fairclimb.suites import Suite

if TYPE_CHECKING:
    from fairclimb.evaluate import ReferenceCheck, Summary

# The run engine and the store (SQLAlchemy, NumPy) are imported inside the command, once
# the checker processes have started: their start-up then overlaps these imports.


def eval_command(
    suite: Annotated[str, typer.Option("--suite", "-s", help="Suite name.")] = "humaneval",
    tasks: TasksOption = None,
    limit: LimitOption = None,
    task_ids: TaskIdsOption = None,
    split: SplitOption = None,
    samples: Annotated[Path | None, typer.Option(
        "--samples", help="Samples JSONL: task_id plus completion or solution.")] = None,
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="Output directory (results.jsonl, summary.json); reruns resume.")
    ] = None,
    check_refs: Annotated[bool, typer.Option(
        "--check-references", help="Run the suite's reference solutions (a self-check).")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    model: Annotated[str | None, typer.Option(
        "--model", "-m", help="Draw the samples from this registered model, checking each "
        "as it arrives (instead of --samples).")] = None,
    n: Annotated[int, typer.Option("-n", help="With --model: samples per task.")] = 10,
    temperature: Annotated[float, typer.Option("--temperature")] = 0.8,
    max_tokens: Annotated[int, typer.Option("--max-tokens")] = 512,
    top_p: TopPOption = 0.95,
    system: SystemOption = None,
    template: TemplateOption = None,
    raw: RawOption = False,
    extra: ExtraBodyOption = None,
    concurrency: Annotated[int, typer.Option(
        "--concurrency", "-c", help="With --model: requests in flight at most.")] = 32,
    n_per_request: NPerRequestOption = 1,
    seed: Annotated[int | None, typer.Option("--seed", help="Sent to the provider.")] = None,
    device: DeviceOption = Device.AUTO,
    batch_size: BatchSizeOption = 8,
    perf_runs: Annotated[int, typer.Option(
        "--perf-runs", min=1, help="Optimize tasks: heavy runs per program; the cheapest "
        "counts.")] = 5,
    include_private: Annotated[bool, typer.Option(
        "--include-private", help="Write private tasks' failure details (which quote their "
        "tests) to the results; by default they are withheld.")] = False,
    after: Annotated[str | None, typer.Option(
        "--after", help="A model's training cutoff (YYYY-MM-DD): also score the tasks "
        "created up to it and after it apart (suites with creation dates).")] = None,
    k: KsOption = "1,10,100",
    workers: WorkersOption = None,
    timeout: TimeoutOption = None,
    sandbox: SandboxOption = None,
    db: DbOption = None,
    executor: ExecutorOption = None, ray_address: RayAddressOption = None,
) -> None:
    """Execute samples in the sandbox and report pass@k with confidence intervals."""
    settings = load_settings(workers=workers, timeout=timeout, sandbox=sandbox, db=db,
                             executor=executor, ray_address=ray_address)
    options = dataclasses.replace(eval_options(settings), perf_runs=perf_runs,
                                  include_private=include_private, after=after,
                                  ks=parse_ks(k))
    console = Console(stderr=as_json)
    chosen = selection(limit, task_ids, split)
    if check_refs:
        from fairclimb.evaluate import check_references

        chosen_suite = load_suite(suite, tasks, chosen, settings)
        with progress_bar(Console(stderr=True), f"{chosen_suite.name} references") as update:
            report = check_references(chosen_suite, options, update)
        _print_reference_check(report, console, as_json)
        if (report.failures or report.buggy_passing
                or not all(r.ranked for r in report.rankings)):
            raise typer.Exit(1)
        return
    if samples is not None and model is not None:
        raise UserInputError("eval got both --samples and --model; give one: --samples FILE "
                             "checks a file, --model NAME draws the samples from a model")
    if out is None or (samples is None and model is None):
        raise UserInputError("eval needs --out DIR and either --samples FILE or --model NAME "
                             "(or --check-references)")
    if model is not None:
        params = GenerationParams(temperature=temperature, max_tokens=max_tokens,
                                  top_p=top_p, seed=seed, extra_body=extra_body(extra))
        control = prompt_control(system, template, raw)
        summary = _eval_model(model, load_suite(suite, tasks, chosen, settings), n, params,
                              concurrency, out, options, settings.db,
                              LocalOptions(device, batch_size), control, n_per_request)
        _print_summary(summary, None, out, console, as_json)
        return
    assert samples is not None
    # The checkers start first, while the store and the engine are imported, the suite
    # and the samples read and the store opened; the engine uses them if they fit.
    with WarmCheckers(None, options) as warm:
        from fairclimb.evaluate import evaluate, plan_evaluation
        from fairclimb.store import Store

        whole = load_suite(suite, tasks, selection(None, None, None), settings)
        with suite_store(settings.db) as lookup:  # built suites live in the store
            plan = plan_evaluation(whole, samples, out, options, lookup, chosen)
        with Store.open(settings.db) as store, \
                progress_bar(Console(stderr=True), whole.name) as update:
            outcome = evaluate(plan, store, update, warm)
    _print_summary(outcome.summary, outcome.resumed, out, console, as_json)


def _eval_model(model: str, suite: Suite, n: int, params: GenerationParams, concurrency: int,
                out: Path, options: EvalOptions, db: str, local: LocalOptions,
                control: PromptControl, n_per_request: int) -> Summary:
    from fairclimb.evaluate import evaluate_model, plan_generation
    from fairclimb.store import Store

    with Store.open(db) as store:
        spec = store.require_model(model)
        plan = plan_generation(spec, suite, n, params, concurrency, out, store, control,
                               n_per_request)
        backend = open_backend(spec, os.environ, RetryPolicy(), local)
        with progress_bar(Console(stderr=True), f"{spec.name} on {suite.name}") as update:
            outcome = evaluate_model(plan, options, store, backend, update)
        from fairclimb.train import trained_on  # light: TRL is imported by trainers only

        name = outcome.evaluation.summary.suite
        seen = sorted(split for trained, split in trained_on(store, spec.name) if trained == name)
    generation = outcome.generation
    Console(stderr=True).print(
        f"generation: {generation.calls} model calls, {generation.cache_hits} answers from "
        f"the cache; samples: {generation.samples_path}", highlight=False)
    if seen:
        Console(stderr=True).print(
            f"note: {spec.name} was trained on {name} ({', '.join(seen)} split), so its "
            "scores there are not held-out scores (fairclimb models lineage "
            f"{spec.name})", highlight=False)
    return outcome.evaluation.summary


def _print_summary(summary: Summary, resumed: int | None, out: Path, console: Console,
                   as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(summary.to_json(), indent=2))
        return
    if resumed:
        console.print(f"resumed: {resumed} samples were already checked")
    render_summary(summary, console)
    console.print(f"results: {out / 'results.jsonl'}   summary: {out / 'summary.json'}")


def _print_reference_check(report: ReferenceCheck, console: Console, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps({
            "suite": report.suite, "total": report.total, "passed": report.passed,
            "failures": [{"task_id": t, "status": v.status.value, "detail": v.detail}
                         for t, v in report.failures],
            "rankings": [{"task_id": r.task_id, "ranked": r.ranked,
                          "measure": r.fast.cost_measure, "fast_cost": r.fast.cost,
                          "slow_cost": r.slow.cost, "fast_score": r.fast.speed_score,
                          "slow_score": r.slow.speed_score} for r in report.rankings],
            "skipped": report.skipped, "note": report.note,
            "buggy_checked": report.buggy_checked, "buggy_passing": report.buggy_passing,
        }, indent=2))
        return
    colour = "green" if not report.failures else "red"
    console.print(f"[{colour}]{report.suite}: {report.passed}/{report.total} reference "
                  f"solutions pass their own tests[/]")
    for task_id, verdict in report.failures:
        console.print(f"  {task_id}: {verdict.status.value}: {verdict.detail}", markup=False)
    if report.buggy_checked:
        failing = report.buggy_checked - len(report.buggy_passing)
        colour = "green" if not report.buggy_passing else "red"
        console.print(f"[{colour}]{failing}/{report.buggy_checked} buggy programs of debug "
                      "tasks fail their tests[/]")
        for task_id in report.buggy_passing:
            console.print(f"  {task_id}: the buggy program passes every test", markup=False)
    _print_rankings(report, console)
    if report.note:
        console.print(report.note, markup=False)
    if report.sandbox_warning:
        console.print(f"[yellow]warning: {report.sandbox_warning}[/]")


def _print_rankings(report: ReferenceCheck, console: Console) -> None:
    if not report.rankings:
        return
    ranked = sum(r.ranked for r in report.rankings)
    colour = "green" if ranked == len(report.rankings) else "red"
    console.print(f"[{colour}]{ranked}/{len(report.rankings)} optimize tasks rank their slow "
                  "reference below their fast one[/]")
    for r in report.rankings:
        if r.fast.cost is None or r.slow.cost is None:
            console.print(f"  {r.task_id}: not measured", markup=False)
            continue
        console.print(
            f"  {r.task_id}: slow {r.slow.cost:.4f}, fast {r.fast.cost:.4f} "
            f"({r.fast.cost_measure}; x{r.slow.cost / r.fast.cost:.0f}), speed score slow "
            f"{r.slow.speed_score:.2f}, fast {r.fast.speed_score:.2f}"
            + ("" if r.ranked else "  MISRANKED"), markup=False)


COMMANDS = {"eval": eval_command}
