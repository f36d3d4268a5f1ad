"""The viewer in a real browser (Debian's chromium, headless) over `fairclimb view`, a real
uvicorn server, on a store made by real `fairclimb eval` runs: a new user follows the
README to compare two models, reads results and datasets, and hostile programs, details
and record texts never run."""

from __future__ import annotations

import html
import json
import os
import shlex
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fake_openai import FakeOpenAI, code_responder, prompt_text

pytestmark = pytest.mark.slow
README = Path(__file__).resolve().parents[2] / "README.md"
README_URL = "http://localhost:8000/v1"
PRIVATE_TASK = "fairclimb-implement/a-backoff-delays"
XSS = '<script>window.__xss = 1</script><img src=x onerror="window.__xss = 2">'


@dataclass(frozen=True)
class Viewer:
    url: str
    cwd: Path
    private_run: str


def _env(cwd: Path) -> dict[str, str]:
    # The README's commands name no --db, so they use the per-user store: give this
    # module's commands their own (conftest's per-test one is set after a module fixture).
    return {**os.environ, "COLUMNS": "200", "XDG_DATA_HOME": str(cwd / ".user-data")}


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "fairclimb", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=600, check=False,
                          env=_env(cwd))


def readme_commands(heading: str) -> list[list[str]]:
    """The `$ fairclimb …` lines of the README section under *heading*, comments dropped."""
    text = README.read_text()
    section = text[text.index(heading):]
    section = section[:section.index("\n### ", 1)]
    commands = []
    for line in section.splitlines():
        if line.startswith("$ fairclimb "):
            commands.append(shlex.split(line[2:], comments=True)[1:])
    return commands


def two_coders(request: dict[str, Any]) -> str:
    """coder-b adds two numbers right (HumanEval/53); otherwise both answer None."""
    if request.get("model") == "coder-b" and "def add(" in prompt_text(request):
        return "```python\ndef add(x: int, y: int):\n    return x + y\n```\n"
    return code_responder(request)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _private_run(cwd: Path) -> str:
    """A run that kept a private task's full detail (--include-private)."""
    sample = {"task_id": PRIVATE_TASK, "completion": "    return [12345.678]\n"}
    (cwd / "private.jsonl").write_text(json.dumps(sample) + "\n")
    done = _run(["eval", "--suite", "fairclimb-implement", "--samples", "private.jsonl",
                 "--out", "runs/p", "--include-private", "--json"], cwd)
    assert done.returncode == 0, done.stderr
    assert "12345.678" in (cwd / "runs/p/results.jsonl").read_text()  # the detail says it
    return str(json.loads(done.stdout)["run_id"])


def _hostile_inputs(cwd: Path) -> None:
    sample = {"task_id": "HumanEval/53", "completion": f"    return {XSS!r}\n"}
    (cwd / "hostile.jsonl").write_text(json.dumps(sample) + "\n")
    hostile = _run(["eval", "--samples", "hostile.jsonl", "--out", "runs/h"], cwd)
    assert hostile.returncode == 0, hostile.stderr
    votes = [{"prompt": f"Write f_{i}(n). {XSS}", "answer_a": f"def f_{i}(n):\n    return n\n",
              "answer_b": f"def f_{i}(n):\n    return '{XSS}'\n", "model_a": "m-a",
              "model_b": "m-b", "winner": "a", "rater": "otter", "briefing_version": "v3",
              "seconds": 30.0, "pay_usd": 0.25} for i in range(3)]
    (cwd / "v.jsonl").write_text("".join(json.dumps(v) + "\n" for v in votes))
    imported = _run(["data", "import-feedback", "v.jsonl", "--dataset", "fb"], cwd)
    assert imported.returncode == 0, imported.stderr


@pytest.fixture(scope="module")
def viewer(tmp_path_factory: pytest.TempPathFactory,
           fake_openai_server: FakeOpenAI) -> Iterator[Viewer]:
    cwd = Path(tmp_path_factory.mktemp("viewer"))
    fake_openai_server.reset()
    fake_openai_server.set_responder(two_coders)
    *setup, view = readme_commands("### `fairclimb view`")
    assert view[0] == "view" and len(setup) == 4
    for command in setup:
        args = [fake_openai_server.base_url if a == README_URL else a for a in command]
        done = _run(args, cwd)
        assert done.returncode == 0, done.stderr
    _hostile_inputs(cwd)
    private_run = _private_run(cwd)
    port = _free_port()
    args = [str(port) if a == "8001" else a for a in view]
    proc = subprocess.Popen([sys.executable, "-m", "fairclimb", *args], cwd=cwd,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            env=_env(cwd))
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url, proc)
        yield Viewer(url, cwd, private_run)
    finally:
        proc.terminate()
        proc.wait(10)
        fake_openai_server.reset()


def _wait_until_up(url: str, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            said = proc.stderr.read() if proc.stderr else ""
            raise RuntimeError(f"fairclimb view exited: {said}")
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("fairclimb view did not start")


@pytest.fixture
def page(browser: Any, viewer: Viewer) -> Iterator[Any]:
    context = browser.new_context(base_url=viewer.url)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def _run_of(page: Any, model: str) -> str:
    row = page.locator("tr.run", has=page.locator(f"td.model:text-is('{model}')"))
    return str(row.locator("td.run-id").inner_text()).strip()


def test_a_new_user_compares_two_models_following_the_readme(page: Any) -> None:
    page.goto("/")
    assert page.locator("tr.run").count() == 4
    assert "pass@1 0.0% [0.0, 0.0]" in page.inner_text("#runs")  # intervals are shown
    run_a, run_b = _run_of(page, "coder-a"), _run_of(page, "coder-b")
    assert len(run_a) == len(run_b) == 32  # whole ids
    page.select_option("#compare-a", run_a)
    page.select_option("#compare-b", run_b)
    page.click("#compare")
    page.wait_for_url("**/compare?**")
    assert "coder-a" in page.inner_text("#side-A") and "coder-b" in page.inner_text("#side-B")
    assert page.inner_text("#gained-count") == "1" and page.inner_text("#lost-count") == "0"
    assert page.locator("tr.pair.gained").get_attribute("data-task") == "HumanEval/53"
    assert "95% paired interval [" in page.inner_text("#diff")


def test_results_filter_and_show_highlighted_programs(page: Any) -> None:
    page.goto("/")
    page.locator("#runs a", has_text=_run_of(page, "coder-b")).click()
    assert page.locator("section.result").count() == 164
    page.select_option("#filter-status", "passed")
    page.click("#apply")
    page.wait_for_url("**status=passed**")
    (passed,) = page.locator("section.result").all()
    assert passed.get_attribute("data-task") == "HumanEval/53"
    assert "return x + y" in passed.locator(".hl").inner_text()
    page.fill("#filter-task", "HumanEval/1")
    page.select_option("#filter-status", "")
    page.click("#apply")
    tasks = {s.get_attribute("data-task") for s in page.locator("section.result").all()}
    assert tasks and all("HumanEval/1" in task for task in tasks)


def test_hostile_program_and_detail_do_not_run(page: Any, viewer: Viewer) -> None:
    page.goto("/")
    row = page.locator("tr.run", has=page.locator("td.model:text-is('(samples file)')"),
                       has_text="humaneval")
    row.locator("td.run-id a").click()
    section = page.locator("section.result").first
    assert "window.__xss = 1" in section.locator(".hl").inner_text()
    assert "<script>" in section.locator(".detail").inner_text()
    assert page.evaluate("window.__xss") is None
    assert page.locator("main script, main img").count() == 0


def test_datasets_show_text_provenance_gate_and_filter(page: Any) -> None:
    page.goto("/datasets")
    page.click("text=fb")
    assert page.locator("section.record").count() >= 3
    assert XSS in page.locator("section.record pre.text").first.inner_text()
    assert page.evaluate("window.__xss") is None
    assert "terms" in page.locator("section.record pre.gate").first.inner_text()
    page.select_option("#filter-origin", "synthetic")
    page.click("#apply")
    assert page.inner_text("#shown") == "0"
    page.select_option("#filter-origin", "human")
    page.select_option("#filter-status", "kept")
    page.click("#apply")
    assert page.locator("section.record").count() >= 3


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_the_viewer_is_read_only(viewer: Viewer, method: str) -> None:
    for path in ("/", "/runs/x", "/datasets/fb", "/compare"):
        request = urllib.request.Request(viewer.url + path, method=method, data=b"")
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=5)
        assert refused.value.code == 405


def test_unknown_ids_and_filters_are_one_sentence_pages(viewer: Viewer) -> None:
    for path, message in (("/runs/zzz", "no run has an id starting with"),
                          ("/datasets/fb?origin=alien", "unknown origin 'alien'")):
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(viewer.url + path, timeout=5)
        body = html.unescape(refused.value.read().decode())
        assert refused.value.code == 400 and message in body
        assert "script-src 'self'" in refused.value.headers["content-security-policy"]


def test_a_private_task_stays_withheld(viewer: Viewer) -> None:
    with urllib.request.urlopen(f"{viewer.url}/runs/{viewer.private_run}", timeout=5) as got:
        body = html.unescape(got.read().decode())
    assert PRIVATE_TASK in body and "details withheld: private task" in body
    assert "program withheld: private task" in body
    assert "12345.678" not in body and "backoff_delays(0.5" not in body
