"""The command line's manners: version, short help, quiet flags, Ctrl-C during start-up."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

FAIRCLIMB = [sys.executable, "-m", "fairclimb"]


def run(args: list[str], cwd: Path, columns: int = 80) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*FAIRCLIMB, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120, env={**os.environ, "COLUMNS": str(columns)},
                          check=False)


def test_version(tmp_path: Path) -> None:
    from fairclimb import __version__

    done = run(["--version"], tmp_path)
    assert done.returncode == 0 and done.stdout.strip() == f"fairclimb {__version__}"


@pytest.mark.parametrize("args", [["-h"], ["eval", "-h"], ["data", "-h"], ["data", "export", "-h"],
                                  ["data", "show", "-h"], ["suites", "add", "-h"]])
def test_short_help_and_no_bool_noise(args: list[str], tmp_path: Path) -> None:
    done = run(args, tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Usage:" in done.stdout
    assert "<bool>" not in done.stdout
    usage = next(line for line in done.stdout.splitlines() if "Usage:" in line)
    assert "{" not in usage, usage  # an argument reads NAME, as --help lists it


def test_completion_is_offered(tmp_path: Path) -> None:
    assert "--install-completion" in run(["--help"], tmp_path).stdout


# A Ctrl-C while the commands are still being imported, made deterministic: the import of
# the command modules itself raises KeyboardInterrupt, as a SIGINT landing there would.
CTRL_C_AT_START = """
import sys
class Interrupt:
    def find_spec(self, name, path=None, target=None):
        if name == "fairclimb.cli._app":
            raise KeyboardInterrupt
        return None
sys.meta_path.insert(0, Interrupt())
sys.argv = ["fairclimb", "--help"]
from fairclimb.cli import main
main()
"""


def test_ctrl_c_during_start_up_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-c", CTRL_C_AT_START], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 130
    assert "Traceback" not in done.stderr
    assert done.stderr.strip() == "interrupted"


def test_eval_names_both_sources_when_both_are_given(tmp_path: Path) -> None:
    (tmp_path / "s.jsonl").write_text('{"task_id": "HumanEval/0", "completion": "x"}\n')
    done = run(["eval", "--samples", "s.jsonl", "--model", "m", "--out", "o",
                "--db", str(tmp_path / "f.db")], tmp_path, columns=200)
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert "both --samples and --model" in done.stderr


@pytest.mark.parametrize("ks", ["x", "0", ""])
def test_eval_refuses_bad_ks_in_one_sentence(ks: str, tmp_path: Path) -> None:
    done = run(["eval", "--samples", "s.jsonl", "--out", "o", "--k", ks], tmp_path,
               columns=200)
    assert done.returncode == 2 and "--k" in done.stderr and "Traceback" not in done.stderr


def test_eval_k_chooses_the_ks(tmp_path: Path) -> None:
    lines = [f'{{"task_id": "HumanEval/{t}", "completion": "    return None\\n"}}'
             for t in (0, 1) for _ in range(3)]
    (tmp_path / "s.jsonl").write_text("\n".join(lines) + "\n")
    done = run(["eval", "--samples", "s.jsonl", "--out", "o", "--k", "3,1", "--json",
                "--db", str(tmp_path / "f.db")], tmp_path, columns=200)
    assert done.returncode == 0, done.stderr
    summary = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert [p["k"] for p in summary["pass_at_k"]] == [1, 3]


def _commands() -> list[tuple[str, object]]:
    import typer.main

    from fairclimb.cli import app

    found: list[tuple[str, object]] = []

    def walk(command: object, prefix: list[str]) -> None:
        for name, sub in getattr(command, "commands", {}).items():
            if hasattr(sub, "commands"):
                walk(sub, [*prefix, name])
            else:
                found.append((" ".join([*prefix, name]), sub))

    walk(typer.main.get_command(app), [])
    return found


def test_every_command_help_ends_with_an_example_of_itself() -> None:
    commands = _commands()
    assert len(commands) > 30
    missing = [name for name, command in commands
               if not (getattr(command, "epilog", None) or "").startswith(
                   f"Example: $ fairclimb {name}")]
    assert not missing, f"commands without an example in --help: {missing}"


def test_tables_never_cut_urls_or_ids_at_80_columns(tmp_path: Path) -> None:
    """`models list` once showed "http://very-long-host.exam…": not usable, not copyable."""
    url = "http://inference-gateway.internal.example.org:8443/openai/deployments/coder/v1"
    db = str(tmp_path / "f.db")
    added = run(["models", "add", "a-model-with-a-long-registered-name", "--base-url", url,
                 "--model", "Qwen/Qwen2.5-Coder-32B-Instruct-AWQ", "--db", db], tmp_path)
    assert added.returncode == 0, added.stderr
    shown = run(["models", "list", "--db", db], tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert "…" not in shown.stdout
    # Folded onto more lines, every character is still there, in order.
    rest = iter(shown.stdout)
    assert all(ch in rest for ch in url)
