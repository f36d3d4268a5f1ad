"""Issue 13, finding 8: the credential lifecycle from the CLI — list and revoke invites
and API tokens, disable and enable accounts, reset passwords."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_cli import run

from fairclimb.arena import Arena, NotSignedIn, Role
from fairclimb.store import Store

PASSWORD = "rater-password-1"


def test_credentials_are_listed_and_revoked(tmp_path: Path) -> None:
    db = str(tmp_path / "arena.db")
    with Store.open(db) as store:
        arena = Arena(store)
        invite = arena.accounts.invite(Role.RATER)
        token = arena.accounts.api_token("ci-script")
    listed = run(["arena", "credentials", "--db", db], tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert "ci-script" in listed.stdout and "invite" in listed.stdout
    assert invite not in listed.stdout and token not in listed.stdout  # never the secret
    with Store.open(db) as store:
        refs = {row.kind: row.ref for row in Arena(store).accounts.credentials()}
    for ref in refs.values():
        assert run(["arena", "revoke", ref, "--db", db], tmp_path).returncode == 0
    with Store.open(db) as store:
        arena = Arena(store)
        assert not arena.accounts.invite_valid(invite)
        with pytest.raises(NotSignedIn):
            arena.accounts.check_api_token(token)
    unknown = run(["arena", "revoke", "abcdef", "--db", db], tmp_path)
    assert unknown.returncode == 2 and "no unused invite" in unknown.stderr


def test_disable_enable_and_reset_password(tmp_path: Path) -> None:
    db = str(tmp_path / "arena.db")
    with Store.open(db) as store:
        arena = Arena(store)
        arena.accounts.create("dora", PASSWORD, Role.RATER)
        session, _ = arena.accounts.login("dora", PASSWORD)
    assert run(["arena", "disable", "dora", "--db", db], tmp_path).returncode == 0
    with Store.open(db) as store:
        arena = Arena(store)
        with pytest.raises(NotSignedIn):
            arena.accounts.session(session)  # its sessions ended
        with pytest.raises(NotSignedIn):
            arena.accounts.login("dora", PASSWORD)
    assert run(["arena", "enable", "dora", "--db", db], tmp_path).returncode == 0
    reset = run(["arena", "reset-password", "dora", "--db", db], tmp_path,
                FAIRCLIMB_ARENA_PASSWORD="a-new-password-2")
    assert reset.returncode == 0, reset.stderr
    with Store.open(db) as store:
        arena = Arena(store)
        arena.accounts.login("dora", "a-new-password-2")
        with pytest.raises(NotSignedIn):
            arena.accounts.login("dora", PASSWORD)
    missing = run(["arena", "disable", "nobody", "--db", db], tmp_path)
    assert missing.returncode == 2 and "no account 'nobody'" in missing.stderr
