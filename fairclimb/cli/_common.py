"""Option definitions and helpers shared by commands."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from fairclimb.cli import _options
from fairclimb.cli._options import DbOption as DbOption  # noqa: PLC0414 (re-exported)
from fairclimb.errors import UserInputError
from fairclimb.evaluate import EvalOptions, PromptControl
from fairclimb.executor import Executor, ExecutorChoice
from fairclimb.models import Device
from fairclimb.settings import Settings
from fairclimb.suites import Selection, Split, Suite, choose_suite

if TYPE_CHECKING:
    # The store (SQLAlchemy) loads when a command opens it, not with the options: eval
    # starts its checker processes first, so that their start overlaps this import.
    from fairclimb.store import Store

WorkersOption = Annotated[
    int | None,
    typer.Option("--workers", "-w", min=1, help="Sandbox workers (default: the number of "
                 "cores); with --executor ray, checkers per node (default: its CPUs)."),
]
TimeoutOption = Annotated[
    float | None,
    typer.Option("--timeout", min=0.01, help="Seconds allowed per sample (default 5)."),
]
SandboxOption = Annotated[
    str | None,
    typer.Option("--sandbox", help="auto (bubblewrap when present), bwrap, rlimits or a "
                 "plugin's backend."),
]
ExecutorOption = Annotated[
    Executor | None,
    typer.Option("--executor", help="Where samples are executed: local (this machine) or "
                 "ray (every node of a Ray cluster, see docs/ray.md). [env: "
                 "FAIRCLIMB_EXECUTOR]"),
]
RayAddressOption = Annotated[
    str | None,
    typer.Option("--ray-address", help="With --executor ray: the cluster's HOST:PORT, as "
                 "`ray start --head` prints it. [env: FAIRCLIMB_RAY_ADDRESS]"),
]
DeviceOption = Annotated[
    Device,
    typer.Option("--device", help="Where a local (hf) model runs: auto (the GPU when there "
                 "is one), cpu or cuda."),
]
BatchSizeOption = Annotated[
    int,
    typer.Option("--batch-size", min=1, help="A local (hf) model answers up to this many "
                 "requests in flight in one forward pass."),
]


KsOption = Annotated[
    str,
    typer.Option("--k", help="The ks of pass@k, comma-separated (each reported only where "
                 "every task has at least k samples)."),
]


def parse_ks(text: str) -> tuple[int, ...]:
    """``"1,5,10"`` as ``(1, 5, 10)``; anything else is one clear sentence."""
    try:
        ks = tuple(sorted({int(part) for part in text.split(",") if part.strip()}))
    except ValueError:
        raise UserInputError(f"--k takes whole numbers separated by commas, like 1,10,100; "
                             f"got {text!r}") from None
    if not ks or ks[0] < 1:
        raise UserInputError(f"--k needs at least one k, each at least 1; got {text!r}")
    return ks


NPerRequestOption = Annotated[int, typer.Option(
    "--n-per-request", help="Answers asked of one call, for endpoints that accept the "
    "protocol's n (vLLM, OpenAI); fewer calls, and one seed per call, not per sample.")]
DedupThresholdOption = Annotated[float | None, typer.Option(
    "--dedup-threshold", help="Near-duplicate similarity (MinHash Jaccard, default 0.8); "
    "recorded in the dataset's notes and kept for later imports into it.")]
NgramThresholdOption = Annotated[float | None, typer.Option(
    "--ngram-threshold", help="Decontamination: share of a benchmark task's 10-grams found "
    "in a record that marks it contaminated (default 0.5).")]
MinhashThresholdOption = Annotated[float | None, typer.Option(
    "--minhash-threshold", help="Decontamination: MinHash similarity to a benchmark task "
    "that marks a record contaminated (default 0.7).")]


def whole_table(*headers: str, **options: Any) -> Table:
    """A table whose cells wrap rather than end in "…": ids, URLs and paths stay whole
    (folded onto more lines) at 80 columns."""
    return _options.whole_table(*headers, **options)


def eval_options(settings: Settings) -> EvalOptions:
    return settings.eval_options()


def executor_choice(settings: Settings) -> ExecutorChoice:
    return settings.executor_choice()


class _Rate(TextColumn):
    def __init__(self) -> None:
        super().__init__("")

    def render(self, task):  # type: ignore[no-untyped-def]
        speed = task.finished_speed or task.speed
        if not speed:
            return ""
        # training steps are often slower than one a second: "0/s" would say nothing
        return f"{speed:,.0f}/s" if speed >= 10 else f"{speed:.2g}/s"


@contextmanager
def progress_bar(console: Console, description: str,
                 lazy: bool = False) -> Iterator[Callable[[int, int], None]]:
    """A Rich progress bar; yields a ``(done, total)`` callback. A *lazy* bar appears
    with the first progress, so that input refused before any work shows no bar."""
    progress = Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
        TaskProgressColumn(), _Rate(), TimeElapsedColumn(), TextColumn("ETA"),
        TimeRemainingColumn(), console=console, transient=False,
    )
    task = progress.add_task(description, total=None)

    def update(done: int, total: int) -> None:
        if not progress.live.is_started:
            progress.start()
        progress.update(task, completed=done, total=total)

    if lazy:
        try:
            yield update
        finally:
            progress.stop()
        return
    with progress:
        yield update


@contextmanager
def suite_store(db: str) -> Iterator[Store | None]:
    """The store, where built suites are looked up; None when the database does not
    exist yet (it then holds no suites, and looking must not create it)."""
    from fairclimb.store import Store, store_exists

    if not store_exists(db):
        yield None
        return
    with Store.open(db) as store:
        yield store


TasksOption = Annotated[
    Path | None,
    typer.Option("--tasks", help="Your own tasks: a JSONL file, one task a line "
                 "({prompt, tests?, entry_point?, reference?, language?, kind?, id?}); "
                 "used instead of --suite. Given references must pass their tests."),
]
LimitOption = Annotated[
    int | None,
    typer.Option("--limit", min=1, help="Only the first N tasks of the suite."),
]
TaskIdsOption = Annotated[
    str | None,
    typer.Option("--task-ids", help="Only these tasks: ids separated by commas."),
]
SplitOption = Annotated[
    Split | None,
    typer.Option("--split", help="Only the tasks of this split."),
]


def selection(limit: int | None, task_ids: str | None, split: Split | None) -> Selection:
    """The tasks selection the --limit, --task-ids and --split options name."""
    ids = tuple(part.strip() for part in (task_ids or "").split(",") if part.strip())
    return Selection(limit=limit, task_ids=ids, split=split)


def load_suite(name: str, tasks: Path | None, chosen: Selection, settings: Settings) -> Suite:
    """The suite a command works on: --tasks FILE (its references checked in the
    sandbox) or --suite NAME, narrowed to the selection."""
    with suite_store(settings.db) as store:
        suite = choose_suite(name, tasks, chosen, store)
    if tasks is not None:
        from fairclimb.evaluate import require_references_pass

        require_references_pass(suite, eval_options(settings))
    return suite


SystemOption = Annotated[
    str | None,
    typer.Option("--system", help="The system message instead of fairclimb's: TEXT, or "
                 "@FILE to read it from a file."),
]
TemplateOption = Annotated[
    Path | None,
    typer.Option("--template", help="A Jinja template of the user message (completion "
                 "models: the prompt), filled with the task's fields: {{ prompt }}, "
                 "{{ entry_point }}, {{ language }}, {{ kind }}, {{ task_id }}…"),
]
RawOption = Annotated[
    bool,
    typer.Option("--raw", help="Send each task's prompt as written (no system message "
                 "unless --system, no instruction around it)."),
]
TopPOption = Annotated[float, typer.Option("--top-p", min=0.0, max=1.0,
                                           help="Nucleus sampling.")]
ExtraBodyOption = Annotated[
    str | None,
    typer.Option("--extra-body", help="A JSON object added to every request body as it "
                 "is, e.g. '{\"top_k\": 20, \"chat_template_kwargs\": "
                 "{\"enable_thinking\": false}}' for vLLM."),
]


def prompt_control(system: str | None, template: Path | None, raw: bool) -> PromptControl:
    """The prompt control the --system, --template and --raw options name."""
    if raw and template is not None:
        raise UserInputError("give --raw or --template, not both: --raw sends the prompt "
                             "as written, --template rewrites it")
    system = None if system is None else text_or_file(system, "--system")
    text = None if template is None else _read_text(template, "--template")
    return PromptControl(system=system, template=text, raw=raw)


def text_or_file(value: str, option: str) -> str:
    """An option's TEXT, or the contents of FILE when it is given as @FILE."""
    return _read_text(Path(value[1:]), option) if value.startswith("@") else value


def _read_text(path: Path, option: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UserInputError(f"{option}: cannot read {str(path)!r} ({exc})") from None


def extra_body(text: str | None) -> dict[str, Any]:
    """The --extra-body JSON object."""
    if text is None:
        return {}
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise UserInputError(f"--extra-body is not valid JSON ({exc})") from None
    if not isinstance(value, dict):
        raise UserInputError("--extra-body must be a JSON object, e.g. '{\"top_k\": 20}'")
    return value
