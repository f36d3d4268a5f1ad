"""fairclimb arena credentials|revoke|disable|enable|reset-password: the credential
lifecycle (invites, API tokens, accounts) from the command line."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from fairclimb.arena import Arena
from fairclimb.cli._common import DbOption
from fairclimb.settings import load_settings
from fairclimb.store import Store

UserArgument = Annotated[str, typer.Argument(help="The account's username.")]


def credentials_command(db: DbOption = None) -> None:
    """List invites and API tokens (never the secrets: a reference to revoke them by)."""
    with Store.open(load_settings(db=db).db) as store:
        rows = Arena(store).accounts.credentials()
    table = Table("kind", "reference", "role or name", "created", "expires", "used")
    for row in rows:
        table.add_row(row.kind, row.ref, row.label, f"{row.created_at:%Y-%m-%d %H:%M}",
                      f"{row.expires_at:%Y-%m-%d %H:%M}" if row.expires_at else "",
                      f"{row.used_at:%Y-%m-%d %H:%M}" if row.used_at else "")
    Console().print(table)


def revoke_command(
    ref: Annotated[str, typer.Argument(help="A reference from 'arena credentials'.")],
    db: DbOption = None,
) -> None:
    """Revoke an unused invite or an API token."""
    with Store.open(load_settings(db=db).db) as store:
        revoked = Arena(store).accounts.revoke(ref)
    Console().print(f"revoked {revoked} credential(s)", highlight=False)


def disable_command(username: UserArgument, db: DbOption = None) -> None:
    """Disable an account: its sessions end and it can no longer sign in."""
    with Store.open(load_settings(db=db).db) as store:
        Arena(store).accounts.set_disabled(username, True)
    Console().print(f"disabled {username}", highlight=False)


def enable_command(username: UserArgument, db: DbOption = None) -> None:
    """Enable a disabled account again."""
    with Store.open(load_settings(db=db).db) as store:
        Arena(store).accounts.set_disabled(username, False)
    Console().print(f"enabled {username}", highlight=False)


def reset_password_command(
    username: UserArgument,
    password: Annotated[str | None, typer.Option(
        "--password", envvar="FAIRCLIMB_ARENA_PASSWORD", show_envvar=True,
        help="The new password (asked for when left out; 10 characters or more).")] = None,
    db: DbOption = None,
) -> None:
    """Set a new password; the account's sessions end and its sign-in lockout clears."""
    if password is None:
        password = typer.prompt("new password", hide_input=True, confirmation_prompt=True)
    with Store.open(load_settings(db=db).db) as store:
        Arena(store).accounts.reset_password(username, password)
    Console().print(f"reset the password of {username}", highlight=False)


COMMANDS: dict[str, Callable[..., None]] = {
    "credentials": credentials_command, "revoke": revoke_command,
    "disable": disable_command, "enable": enable_command,
    "reset-password": reset_password_command}
