"""The command line's manners: version, short help, quiet flags, Ctrl-C during start-up."""

from __future__ import annotations

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


@pytest.mark.parametrize("args", [["-h"], ["eval", "-h"], ["data", "-h"], ["data", "export", "-h"]])
def test_short_help_and_no_bool_noise(args: list[str], tmp_path: Path) -> None:
    done = run(args, tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Usage:" in done.stdout
    assert "<bool>" not in done.stdout


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
