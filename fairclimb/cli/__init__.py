"""The command line: one Typer command per user verb; logic lives in the parts."""

from fairclimb.cli._app import app, main

__all__ = ["app", "main"]
