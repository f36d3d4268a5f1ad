"""Extension points: a package of the user's own adds a suite and backends through entry
points, exactly as fairclimb registers its own (a real distribution on sys.path, a real
``fairclimb`` process)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import fairclimb
from fairclimb.errors import PluginError
from fairclimb.plugins import MODEL_BACKENDS, SANDBOX_BACKENDS, SUITES, Registry

ROOT = Path(fairclimb.__file__).resolve().parent.parent

PLUGIN = '''
from fairclimb.models import Completion
from fairclimb.sandbox import RlimitsBackend
from fairclimb.suites import SuiteInfo, Task

def _tasks():
    return [Task(task_id="acme/double", suite="acme-suite", prompt="def double(x):\\n",
                 entry_point="double", reference="    return 2 * x\\n",
                 tests="def check(candidate):\\n    assert candidate(3) == 6\\n")]

SUITE = SuiteInfo(name="acme-suite", description="Acme's own task", origin="acme",
                  loader=_tasks)
WRONG_NAME = SuiteInfo(name="not-its-name", description="", origin="acme", loader=_tasks)

class Shouting:
    async def complete(self, request):
        return Completion(text=request.messages[-1].content.upper())
    async def aclose(self):
        return None

def create(spec, *, api_key, retry, local):
    return Shouting()

def acme_sandbox():
    backend = RlimitsBackend("acme's own choice")
    backend.name = "acme_box"
    return backend
'''

ENTRY_POINTS = f"""
[{SUITES}]
acme-suite = acme_plugin:SUITE
acme-broken = acme_missing_module:SUITE
acme-wrong = acme_plugin:WRONG_NAME

[{MODEL_BACKENDS}]
shouting = acme_plugin
not_a_backend = acme_plugin:SUITE

[{SANDBOX_BACKENDS}]
acme_box = acme_plugin:acme_sandbox
"""


@pytest.fixture(scope="module")
def plugin_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny installed distribution: a module and its .dist-info, as pip would leave them."""
    where = tmp_path_factory.mktemp("site")
    (where / "acme_plugin.py").write_text(PLUGIN)
    info = where / "acme_fairclimb-0.3.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-fairclimb\nVersion: 0.3\n")
    (info / "entry_points.txt").write_text(ENTRY_POINTS)
    return where


def fairclimb_cli(args: list[str], cwd: Path, plugins: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200",
           "PYTHONPATH": os.pathsep.join([str(ROOT), str(plugins)])}
    return subprocess.run([sys.executable, "-m", "fairclimb", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300, check=False)


def test_a_plugin_suite_is_listed_and_evaluated(tmp_path: Path, plugin_path: Path) -> None:
    listed = fairclimb_cli(["suites", "--json"], tmp_path, plugin_path)
    assert listed.returncode != 0  # the broken entry points are named, not skipped
    assert "acme-fairclimb 0.3" in listed.stderr and "acme_missing_module" in listed.stderr
    shown = fairclimb_cli(["suites", "show", "acme/double", "--json", "--db", "s.db"],
                          tmp_path, plugin_path)
    assert shown.returncode != 0  # finding a task id looks through every suite
    checked = fairclimb_cli(["eval", "--suite", "acme-suite", "--check-references", "--json",
                             "--db", "s.db"], tmp_path, plugin_path)
    assert checked.returncode == 0, checked.stderr
    assert json.loads(checked.stdout)["passed"] == 1


def test_a_working_plugin_suite_appears_in_suites_list(tmp_path: Path,
                                                       plugin_path: Path) -> None:
    good = tmp_path / "good-site"
    good.mkdir()
    (good / "acme_plugin.py").write_text(PLUGIN)
    info = good / "acme_fairclimb-0.3.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-fairclimb\nVersion: 0.3\n")
    (info / "entry_points.txt").write_text(f"[{SUITES}]\nacme-suite = acme_plugin:SUITE\n")
    listed = fairclimb_cli(["suites", "--json"], tmp_path, good)
    assert listed.returncode == 0, listed.stderr
    suites = {row["name"]: row for row in json.loads(listed.stdout)}
    assert suites["acme-suite"]["size"] == 1 and suites["acme-suite"]["origin"] == "acme"
    assert "humaneval" in suites


@pytest.mark.parametrize(("suite", "message"), [
    ("acme-broken", "failed to load (acme_missing_module:SUITE: ModuleNotFoundError"),
    ("acme-wrong", "gives a SuiteInfo (acme_plugin:WRONG_NAME), not a fairclimb.suites"),
])
def test_a_broken_plugin_is_named_in_one_line(tmp_path: Path, plugin_path: Path, suite: str,
                                              message: str) -> None:
    result = fairclimb_cli(["eval", "--suite", suite, "--check-references"], tmp_path,
                           plugin_path)
    assert result.returncode == PluginError.exit_code
    assert f"plugin {suite!r} of acme-fairclimb 0.3" in result.stderr
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_a_plugin_model_backend_is_registered_and_answers(tmp_path: Path,
                                                          plugin_path: Path) -> None:
    added = fairclimb_cli(["models", "add", "loud", "--backend", "shouting", "--model", "x",
                           "--db", "s.db"], tmp_path, plugin_path)
    assert added.returncode == 0, added.stderr
    assert "registered model loud (shouting:x)" in added.stdout
    listed = json.loads(fairclimb_cli(["models", "list", "--json", "--db", "s.db"], tmp_path,
                                      plugin_path).stdout)
    assert [(m["name"], m["backend"]) for m in listed] == [("loud", "shouting")]
    wrong = fairclimb_cli(["models", "add", "bad", "--backend", "not_a_backend", "--model",
                           "x", "--db", "s.db"], tmp_path, plugin_path)
    assert wrong.returncode == PluginError.exit_code
    assert "plugin 'not_a_backend' of acme-fairclimb 0.3 gives a SuiteInfo" in wrong.stderr
    unknown = fairclimb_cli(["models", "add", "bad", "--backend", "nope", "--model", "x",
                             "--db", "s.db"], tmp_path, plugin_path)
    assert "known backends: hf, mock, not_a_backend, openai, shouting" in unknown.stderr


def test_a_plugin_sandbox_backend_runs_the_self_check(tmp_path: Path,
                                                      plugin_path: Path) -> None:
    result = fairclimb_cli(["sandbox", "self-check", "--sandbox", "acme_box", "--json"],
                           tmp_path, plugin_path)
    assert result.stdout, result.stderr
    rows = json.loads(result.stdout)
    backends = {row["backend"] for row in (rows if isinstance(rows, list)
                                           else rows["results"])}
    assert backends == {"acme_box"}


def test_eval_runs_samples_in_a_plugin_sandbox(tmp_path: Path, plugin_path: Path) -> None:
    """The checker workers find the plugin backend by name in their own processes."""
    (tmp_path / "s.jsonl").write_text(
        json.dumps({"task_id": "acme/double", "completion": "    return x + x\n"}) + "\n"
        + json.dumps({"task_id": "acme/double", "completion": "    return x\n"}) + "\n")
    result = fairclimb_cli(["eval", "--suite", "acme-suite", "--samples", "s.jsonl", "--out",
                            "out", "--sandbox", "acme_box", "--workers", "1", "--json",
                            "--db", "s.db"], tmp_path, plugin_path)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert (summary["statuses"]["passed"], summary["statuses"]["failed"]) == (1, 1)
    assert summary["sandbox"] == "acme_box"


def test_a_plugin_is_imported_only_when_used_and_only_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "lazy_probe_plugin.py").write_text("VALUE = 'loaded'\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    checked: list[object] = []

    def check(name: str, value: object) -> str | None:
        checked.append(value)
        return value if isinstance(value, str) else None

    registry: Registry[str] = Registry("fairclimb.test_probe", {"probe":
                                                                "lazy_probe_plugin:VALUE"},
                                       "a str", check)
    assert registry.names() == ["probe"] and "probe" in registry
    assert "lazy_probe_plugin" not in sys.modules  # known by name, not imported
    assert registry.get("probe") == registry.get("probe") == "loaded"
    assert checked == ["loaded"]  # imported and checked once
    assert registry.get("nope") is None
    monkeypatch.delitem(sys.modules, "lazy_probe_plugin")


def test_a_built_in_is_found_without_reading_entry_points(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every eval process (the command and each checker) asks for a built-in suite or
    sandbox backend; reading every distribution's entry points cost each tens of ms."""
    import importlib.metadata

    (tmp_path / "builtin_probe_plugin.py").write_text("VALUE = 'built in'\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    reads: list[str] = []
    real = importlib.metadata.entry_points

    def counting(**selection: str) -> object:
        reads.append(selection.get("group", ""))
        return real(**selection)

    monkeypatch.setattr(importlib.metadata, "entry_points", counting)
    registry: Registry[str] = Registry("fairclimb.test_builtin_probe",
                                       {"probe": "builtin_probe_plugin:VALUE"}, "a str",
                                       lambda name, value: value if isinstance(value, str)
                                       else None)
    assert registry.get("probe") == "built in" and reads == []
    assert registry.get("nope") is None and reads == ["fairclimb.test_builtin_probe"]
    assert registry.get("probe") == "built in"
    monkeypatch.delitem(sys.modules, "builtin_probe_plugin")
