"""fairclimb arena …: accounts, invites and briefings from the command line."""

from __future__ import annotations

import json
from pathlib import Path

from test_cli import run

from fairclimb.arena import Arena
from fairclimb.store import Store


def test_arena_commands(tmp_path: Path) -> None:
    db = str(tmp_path / "arena.db")
    made = run(["arena", "add-admin", "root", "--password", "root-password", "--db", db],
               tmp_path)
    assert made.returncode == 0, made.stderr
    assert "created admin root" in made.stdout
    short = run(["arena", "add-rater", "ann", "--db", db], tmp_path,
                FAIRCLIMB_ARENA_PASSWORD="short")
    assert short.returncode == 2 and "too short" in short.stderr
    assert "Traceback" not in short.stderr
    invite = run(["arena", "add-rater", "--invite", "--base-url", "https://arena.example",
                  "--db", db], tmp_path)
    assert invite.stdout.startswith("https://arena.example/invite/")
    published = run(["arena", "briefing", "--pay", "22.5", "--currency", "EUR", "--db", db],
                    tmp_path)
    assert "version 1" in published.stdout
    taken = run(["arena", "add-admin", "root", "--password", "root-password", "--db", db],
                tmp_path)
    assert taken.returncode == 2 and "taken" in taken.stderr
    exported = run(["arena", "export-votes", "--db", db], tmp_path)
    assert exported.returncode == 0 and json.loads(exported.stdout) == []
    with Store.open(db) as store:
        arena = Arena(store)
        token = invite.stdout.strip().rsplit("/", 1)[1]
        assert arena.accounts.invite_valid(token)
        briefing = arena.briefing.current()
        assert briefing is not None and briefing.pay == "22.50 EUR"
