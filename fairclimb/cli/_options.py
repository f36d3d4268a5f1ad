"""What commands share that imports no part: a command that needs only these (``ratings``
on a file) starts without the store, the evaluate part or SQLAlchemy."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

__all__ = ["DbOption", "whole_table"]

DbOption = Annotated[
    str | None,
    typer.Option("--db", help="Store URL (SQLAlchemy) or SQLite path. [env: FAIRCLIMB_DB]"),
]


def whole_table(*headers: str, **options: Any) -> Table:
    """A table whose cells wrap rather than end in "…": ids, URLs and paths stay whole
    (folded onto more lines) at 80 columns."""
    table = Table(**options)
    for header in headers:
        table.add_column(header, overflow="fold")
    return table
