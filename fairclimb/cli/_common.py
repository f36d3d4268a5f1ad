"""Option definitions and helpers shared by commands."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any

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

from fairclimb.errors import UserInputError
from fairclimb.evaluate import EvalOptions
from fairclimb.models import Device
from fairclimb.sandbox import Limits
from fairclimb.settings import Settings
from fairclimb.store import Store, store_exists

DbOption = Annotated[
    str | None,
    typer.Option("--db", help="Store URL (SQLAlchemy) or SQLite path. [env: FAIRCLIMB_DB]"),
]
WorkersOption = Annotated[
    int | None,
    typer.Option("--workers", "-w", min=1, help="Sandbox workers (default: the number of cores)."),
]
TimeoutOption = Annotated[
    float | None,
    typer.Option("--timeout", min=0.01, help="Seconds allowed per sample (default 5)."),
]
SandboxOption = Annotated[
    str | None,
    typer.Option("--sandbox", help="auto (bubblewrap when present), bwrap or rlimits."),
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


def whole_table(*headers: str, **options: Any) -> Table:
    """A table whose cells wrap rather than end in "…": ids, URLs and paths stay whole
    (folded onto more lines) at 80 columns."""
    table = Table(**options)
    for header in headers:
        table.add_column(header, overflow="fold")
    return table


def eval_options(settings: Settings) -> EvalOptions:
    limits = Limits(wall_s=settings.timeout, memory_bytes=settings.memory_mb << 20)
    return EvalOptions(workers=settings.workers, limits=limits, sandbox=settings.sandbox,
                       node=settings.node)


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
    if not store_exists(db):
        yield None
        return
    with Store.open(db) as store:
        yield store
