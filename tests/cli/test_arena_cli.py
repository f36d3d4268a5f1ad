"""fairclimb arena …: accounts, invites and briefings from the command line."""

from __future__ import annotations

import json
from pathlib import Path

from arena_generations import fill_cache, stored_answers
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
    rich = run(["arena", "export-votes", "--all", "--rich", "-o", "v.json", "--db", db],
               tmp_path)
    assert rich.returncode == 0 and json.loads((tmp_path / "v.json").read_text()) == []
    with Store.open(db) as store:
        arena = Arena(store)
        token = invite.stdout.strip().rsplit("/", 1)[1]
        assert arena.accounts.invite_valid(token)
        briefing = arena.briefing.current()
        assert briefing is not None and briefing.pay == "22.50 EUR"


def test_arena_import_token_and_generations_from_the_cli(tmp_path: Path) -> None:
    db = str(tmp_path / "arena.db")
    samples = tmp_path / "answers.jsonl"
    samples.write_text("".join(json.dumps({"model": m, "prompt": "Add two numbers.",
                                           "answer": f"def add(a, b):  # {m}\n"}) + "\n"
                               for m in ("m1", "m2")))
    imported = run(["arena", "import", str(samples), "--db", db], tmp_path)
    assert imported.returncode == 0, imported.stderr
    assert "imported 2 new answers of 2" in imported.stdout
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"model": "m1"}\n')
    refused = run(["arena", "import", str(bad), "--db", db], tmp_path)
    assert refused.returncode == 2 and "bad.jsonl line 1" in refused.stderr
    assert "Traceback" not in refused.stderr
    made = run(["arena", "token", "create", "nightly-import", "--db", db], tmp_path)
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip()
    with Store.open(db) as store:
        arena = Arena(store)
        assert arena.accounts.check_api_token(token) == "nightly-import"
        fill_cache(store)
    generated = run(["arena", "import-generations", "--model", "m2", "--suite", "humaneval",
                     "--db", db], tmp_path)
    assert generated.returncode == 0, generated.stderr
    assert "imported 2 new answers" in generated.stdout
    with Store.open(db) as store:
        rows = stored_answers(store)
    assert [r[0] for r in rows] == ["m1", "m2", "m2", "m2"]
    assert all("Sure!" not in r[2] for r in rows)
