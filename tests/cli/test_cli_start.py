"""Start-up: `fairclimb --help` lists every command without importing any part.

The commands are listed from a table (name, module, one line); a command's module is
imported only when it runs or its own help is asked. These tests keep that table honest.
"""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest
import typer.main

import fairclimb.cli
from fairclimb.cli import app
from fairclimb.cli._app import COMMANDS

# What `fairclimb --help` must never import: the heavy libraries and every part (the CLI
# adapter itself and the error tree are all it needs).
HEAVY = ("sqlalchemy", "numpy", "fastapi", "torch", "pyarrow", "pydantic", "pydantic_settings",
         "uvicorn", "scipy", "ray")
PARTS = ("arena", "audit", "data", "evaluate", "ladder", "models", "sandbox", "store",
         "suites", "train", "web", "settings", "quickstart")


# The console script, then every module loaded (sys.modules: -X importtime misses the
# modules importlib.import_module loads, the way the lazy group loads a command).
RUN_AND_LIST = """
import json, sys
sys.argv = ["fairclimb", *json.loads(sys.argv[1])]
from fairclimb.cli import main
try:
    main()
except SystemExit as exc:
    code = exc.code
else:
    code = 0
sys.stderr.write(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def imported_by(args: list[str], cwd: Path) -> set[str]:
    """Every module `fairclimb ARGS` imports."""
    done = subprocess.run([sys.executable, "-c", RUN_AND_LIST, json.dumps(args)], cwd=cwd,
                          capture_output=True, text=True, timeout=120, check=False,
                          env={**os.environ, "COLUMNS": "100"})
    report = json.loads(done.stderr.splitlines()[-1])
    assert report["code"] in (0, None), done.stderr[-2000:]
    return set(report["modules"])


@pytest.mark.parametrize("args", [["--help"], ["-h"], ["--version"], []])
def test_help_and_version_import_no_part_and_no_heavy_library(args: list[str],
                                                              tmp_path: Path) -> None:
    if not args:  # no arguments shows the help, and exits 2 the way Click does
        done = subprocess.run([sys.executable, "-m", "fairclimb"], cwd=tmp_path,
                              capture_output=True, text=True, timeout=120, check=False)
        assert "Usage:" in done.stdout + done.stderr
        return
    modules = imported_by(args, tmp_path)
    assert "fairclimb.cli._app" in modules  # the measurement saw the CLI start
    heavy = sorted(m for m in modules if m.split(".")[0] in HEAVY)
    parts = sorted(m for m in modules if m.startswith("fairclimb.")
                   and m.split(".")[1] in PARTS)
    assert not heavy and not parts, f"imported at start-up: {heavy + parts}"


def test_a_command_help_imports_that_command_only(tmp_path: Path) -> None:
    modules = imported_by(["config", "--help"], tmp_path)
    assert "fairclimb.cli._config" in modules
    others = {f"fairclimb.cli.{m.name}" for m in pkgutil.iter_modules(fairclimb.cli.__path__)
              if m.name not in {"_app", "_lazy", "_config", "_common", "_examples", "_options"}}
    assert not others & modules


def test_rating_a_battle_file_imports_no_store(tmp_path: Path) -> None:
    """`fairclimb ratings --battles FILE` reads and fits; the store is for --db only."""
    battle = '{"model_a": "a", "model_b": "b", "winner": "%s"}\n'
    (tmp_path / "b.jsonl").write_text("".join(battle % w for w in ("model_a", "tie", "model_b")))
    modules = imported_by(["ratings", "--battles", "b.jsonl", "--bootstrap", "10", "--json"],
                          tmp_path)
    assert "fairclimb.arena._ratings" in modules
    # pandas too: pyarrow's own to_numpy() imports it, half a second of a small command
    loaded = sorted(m for m in modules if m.split(".")[0] in ("sqlalchemy", "fastapi", "pandas")
                    or m.startswith(("fairclimb.store", "fairclimb.evaluate", "fairclimb.web")))
    assert not loaded, f"imported to rate a file: {loaded[:10]}"


def render_help(group: typer.core.TyperGroup, capsys: pytest.CaptureFixture[str]) -> str:
    code = group.main(["--help"], prog_name="fairclimb", standalone_mode=False)
    assert code == 0
    return capsys.readouterr().out


def test_the_listing_says_what_each_command_says_of_itself(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """The table's one line per command is what the loaded command would show."""
    monkeypatch.setenv("COLUMNS", "400")  # no wrapping differences hide behind the width
    listed = typer.main.get_command(app)
    assert isinstance(listed, typer.core.TyperGroup)
    from_table = render_help(listed, capsys)
    loaded = typer.main.get_command(app)
    assert isinstance(loaded, typer.core.TyperGroup)
    assert len(dict(loaded.commands.items())) == len(COMMANDS)  # imports every command
    assert render_help(loaded, capsys) == from_table
    assert all(name in from_table for name in COMMANDS)


def test_every_command_module_is_in_the_table() -> None:
    listed = {entry.load.args[0] for entry in COMMANDS.values()}  # type: ignore[attr-defined]
    defining = set()
    for info in pkgutil.iter_modules(fairclimb.cli.__path__):
        module = importlib.import_module(f"fairclimb.cli.{info.name}")
        if hasattr(module, "COMMANDS") and info.name != "_app":
            defining.add(info.name)
    # `arena disable` and friends are loaded with the arena group
    assert defining - {"_arena_access"} == listed


def test_an_unknown_command_still_suggests_the_close_one(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "fairclimb", "evall"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120, check=False,
                          env={**os.environ, "COLUMNS": "200"})
    assert done.returncode == 2
    assert "No such command 'evall'" in done.stderr and "'eval'" in done.stderr
