"""Option definitions and helpers shared by commands."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated

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

from fairclimb.evaluate import EvalOptions
from fairclimb.sandbox import Limits
from fairclimb.settings import Settings

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


def eval_options(settings: Settings) -> EvalOptions:
    limits = Limits(wall_s=settings.timeout, memory_bytes=settings.memory_mb << 20)
    return EvalOptions(workers=settings.workers, limits=limits, sandbox=settings.sandbox,
                       node=settings.node)


class _Rate(TextColumn):
    def __init__(self) -> None:
        super().__init__("")

    def render(self, task):  # type: ignore[no-untyped-def]
        speed = task.finished_speed or task.speed
        return f"{speed:,.0f}/s" if speed else ""


@contextmanager
def progress_bar(console: Console, description: str) -> Iterator[Callable[[int, int], None]]:
    """A Rich progress bar; yields a ``(done, total)`` callback."""
    progress = Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
        TaskProgressColumn(), _Rate(), TimeElapsedColumn(), TextColumn("ETA"),
        TimeRemainingColumn(), console=console, transient=False,
    )
    task = progress.add_task(description, total=None)

    def update(done: int, total: int) -> None:
        progress.update(task, completed=done, total=total)

    with progress:
        yield update
