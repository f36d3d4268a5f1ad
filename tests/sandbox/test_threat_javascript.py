"""Threat model for JavaScript: the same attacks, made from Node.js, judged the same way.

JavaScript samples run in Node inside the same sandbox (own uid, rlimits, namespaces,
process tree killed) and answer the same frames; the checks stay trusted Python. Every
row is a real program judged on a real fairclimb-js task.
"""

from __future__ import annotations

import json
import os
import shutil
import textwrap
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from fairclimb.evaluate import CompiledTask, Status, Verdict, check_program, compile_task
from fairclimb.sandbox import (
    CallKind,
    CallResult,
    ExitReport,
    Limits,
    LoadResult,
    Sandbox,
    find_node,
    select_backend,
)
from fairclimb.suites import get_suite

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")

SECRET_NAME = "FAIRCLIMB_TEST_SECRET"
SECRET = "s3cr3t"
LIMITS = Limits(wall_s=2.0, memory_bytes=256 << 20)  # as conftest's: bombs cost little
CLAMP = "fairclimb-js/clamp"  # clamp(value, low, high)
CHUNK = "fairclimb-js/chunk"  # chunk(items, size)
RIGHT_CLAMP = "function clamp(v, lo, hi) { return Math.min(Math.max(v, lo), hi); }\n"


@pytest.fixture(scope="module")
def js_sandbox(backend_name: str) -> Iterator[Sandbox]:
    # The secret is in the environment while the zygote starts, as in conftest.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(SECRET_NAME, SECRET)
        with Sandbox(select_backend(backend_name), LIMITS, node=find_node()) as sandbox:
            yield sandbox


@pytest.fixture(scope="module")
def js_compiled() -> Callable[[str], CompiledTask]:
    suite = get_suite("fairclimb-js")
    cache: dict[str, CompiledTask] = {}

    def get(task_id: str) -> CompiledTask:
        if task_id not in cache:
            task = suite.get(task_id)
            assert task is not None, task_id
            cache[task_id] = compile_task(task)
        return cache[task_id]

    return get


Judge = Callable[[str, str], Verdict]


@pytest.fixture
def judge(js_sandbox: Sandbox, js_compiled: Callable[[str], CompiledTask]) -> Judge:
    def run(task_id: str, source: str) -> Verdict:
        return check_program(js_sandbox, js_compiled(task_id), textwrap.dedent(source))

    return run


class Raw:
    def __init__(self, load: LoadResult, calls: list[CallResult], exit: ExitReport) -> None:
        self.load, self.calls, self.exit = load, calls, exit

    @property
    def value(self) -> Any:
        assert self.load.ok, self.load
        assert self.calls[0].kind is CallKind.RETURNED, self.calls[0]
        return self.calls[0].value


@pytest.fixture
def run_js(js_sandbox: Sandbox) -> Callable[..., Raw]:
    """Load *source*, call ``f`` once per argument tuple, finish; no check."""
    def run(source: str, *calls: tuple[Any, ...]) -> Raw:
        execution = js_sandbox.execute(textwrap.dedent(source), "f", language="javascript")
        load = execution.load()
        results = [execution.call(args, {}) for args in (calls or ((),))] if load.ok else []
        return Raw(load, results, execution.finish())

    return run


def test_a_right_answer_passes_and_a_wrong_one_fails_with_the_call(judge: Judge) -> None:
    assert judge(CLAMP, RIGHT_CLAMP).status is Status.PASSED
    wrong = judge(CLAMP, "function clamp(v, lo, hi) { return Math.max(v, lo); }")
    assert wrong.status is Status.FAILED
    assert "clamp(15, 0, 10)" in wrong.detail and "returned 15" in wrong.detail, wrong.detail


HOSTILE = [
    pytest.param("while (true) {}\n" + RIGHT_CLAMP, Status.TIMEOUT, id="loop-at-load"),
    pytest.param("function clamp() { for (;;) {} }", Status.TIMEOUT, id="loop-at-call"),
    pytest.param("""
        function clamp() { const a = []; for (;;) a.push(Buffer.alloc(64 << 20, 1)); }
        """, Status.MEMORY, id="buffer-bomb"),
    pytest.param("process.exit(0);\n" + RIGHT_CLAMP, Status.ERROR, id="exit-0-at-load"),
    pytest.param("function clamp() { process.exit(0); }", Status.ERROR, id="exit-0-at-call"),
    pytest.param("function clamp() { process.reallyExit(0); }", Status.ERROR, id="really-exit"),
    pytest.param("function clamp() { process.kill(process.pid, 'SIGKILL'); }",
                 Status.CRASHED, id="kill-itself"),
    pytest.param("""
        function clamp() {
          console.log("All tests passed");
          process.stdout.write('["return",1,5]\\n["return",2,0]\\n');
          return -1;
        }
        """, Status.FAILED, id="fake-passed-and-frames-on-stdout"),
    pytest.param("""
        const fs = require("fs");
        function frame(value) {
          const body = Buffer.from(JSON.stringify(value));
          const head = Buffer.alloc(4); head.writeUInt32BE(body.length);
          return Buffer.concat([head, body]);
        }
        function clamp() { fs.writeSync(3, frame(["return", 99, 5])); return -1; }
        """, Status.FAILED, id="forged-frame-on-the-channel"),
    pytest.param("function clamp() { return {valueOf() { return 5; }}; }",
                 Status.FAILED, id="valueOf"),
    pytest.param("function clamp() { return {toJSON() { return 5; }}; }",
                 Status.FAILED, id="toJSON"),
    pytest.param("""
        function clamp(v, lo, hi) {
          const o = {};
          Object.defineProperty(o, "0", {get() { return 5; }, enumerable: true});
          return o;
        }
        """, Status.FAILED, id="getter"),
    pytest.param("""
        function clamp(v, lo, hi) {
          const right = Math.min(Math.max(v, lo), hi);
          return new Proxy({}, {getPrototypeOf() { return Number.prototype; },
                                get() { return right; }});
        }
        """, Status.FAILED, id="proxy"),
    pytest.param("""
        class Num { constructor(v) { this.v = v; } valueOf() { return this.v; } }
        function clamp(v, lo, hi) { return new Num(Math.min(Math.max(v, lo), hi)); }
        """, Status.FAILED, id="class-instance"),
    pytest.param("function clamp(v, lo, hi) { return new Number(Math.min(Math.max(v, lo), hi)); }",
                 Status.FAILED, id="boxed-number"),
    pytest.param("async function clamp(v, lo, hi) { return Math.min(Math.max(v, lo), hi); }",
                 Status.FAILED, id="promise"),
    pytest.param("function clamp() { return Symbol('5'); }", Status.FAILED, id="symbol"),
    pytest.param("function clamp() { const a = [1]; a.push(a); return a; }",
                 Status.FAILED, id="cyclic"),
    pytest.param("""
        Object.prototype.toJSON = function () { return 5; };
        Number.prototype.toJSON = function () { return 5; };
        Array.prototype.join = function () { return "5"; };
        JSON.stringify = function () { return "5"; };
        function clamp() { return -1; }
        """, Status.FAILED, id="prototype-pollution-of-the-runner"),
    pytest.param("""
        const cp = require("child_process");
        function clamp() {
          for (let i = 0; i < 200; i++) {
            try { cp.spawn("/bin/sh", ["-c", "sleep 30"], {detached: true, stdio: "ignore"}); }
            catch (e) {}
          }
          return -1;
        }
        """, Status.FAILED, id="fork-bomb"),
]


@pytest.mark.parametrize(("source", "expected"), HOSTILE)
def test_hostile_programs_are_judged_and_the_sandbox_survives(
    judge: Judge, source: str, expected: Status
) -> None:
    verdict = judge(CLAMP, source)
    assert verdict.status is expected, verdict
    assert judge(CLAMP, RIGHT_CLAMP).status is Status.PASSED


def test_a_heap_bomb_ends_as_memory(backend_name: str,
                                    js_compiled: Callable[[str], CompiledTask]) -> None:
    # V8 collects hard near its limit, which takes seconds of wall clock on a busy
    # machine: a sandbox with more time, so that the limit reached is the memory one.
    limits = Limits(wall_s=15.0, memory_bytes=256 << 20)
    with Sandbox(select_backend(backend_name), limits, node=find_node()) as sandbox:
        verdict = check_program(sandbox, js_compiled(CLAMP), """
            function clamp() { const a = []; for (;;) a.push(new Array(1e7).fill(1.5)); }
            """)
    assert verdict.status is Status.MEMORY, verdict
    assert "heap out of memory" in verdict.detail


def test_benign_prototype_pollution_does_not_leak_into_values(judge: Judge) -> None:
    # Inherited properties are not the value's own: the answer is judged as it is.
    verdict = judge(CHUNK, """
        Object.prototype.extra = 1;
        Array.prototype.extra = 2;
        function chunk(items, size) {
          if (size < 1) throw new RangeError("size");
          const out = [];
          for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
          return out;
        }
        """)
    assert verdict.status is Status.PASSED, verdict


def test_the_process_tree_is_killed(js_sandbox: Sandbox, run_js: Callable[..., Raw],
                                    processes_of_uid: Callable[[int], list[int]]) -> None:
    run = run_js("""
        const cp = require("child_process");
        function f() {
          const child = cp.spawn("/bin/sh", ["-c", "sleep 60 & sleep 60"],
                                 {detached: true, stdio: "ignore"});
          return child.pid;
        }
        """)
    assert isinstance(run.value, int)
    assert run.exit.leftover_processes >= 1, run.exit
    if run.exit.uid is not None:
        assert processes_of_uid(run.exit.uid) == []


def test_secrets_do_not_reach_node(run_js: Callable[..., Raw]) -> None:
    run = run_js("function f() { return JSON.stringify(process.env); }")
    environment = json.loads(run.value)
    assert SECRET_NAME not in environment and SECRET not in run.value
    assert set(environment) <= {"PATH", "HOME", "TMPDIR", "LANG"}


def test_writing_outside_its_directory_fails(js_sandbox: Sandbox, run_js: Callable[..., Raw],
                                             tmp_path: Path) -> None:
    isolation = js_sandbox.backend.isolation
    if not (isolation.filesystem or isolation.separate_uid):
        pytest.skip("nothing stops this backend's samples from writing as the worker")
    targets = [tmp_path / f"escape-{uuid.uuid4().hex}", Path(f"/etc/escape-{uuid.uuid4().hex}")]
    run = run_js("""
        const fs = require("fs");
        function f(paths) {
          return paths.map((p) => { try { fs.writeFileSync(p, "x"); return "written"; }
                                    catch (e) { return e.code; } });
        }
        """, ([str(t) for t in targets],))
    assert "written" not in run.value, run.value
    assert not any(t.exists() for t in targets)


def test_loopback_listeners_hear_nothing(js_sandbox: Sandbox, run_js: Callable[..., Raw]) -> None:
    if not js_sandbox.backend.isolation.network:
        pytest.skip("this backend has no network isolation")
    import socket

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.5)
    port = server.getsockname()[1]
    try:
        run = run_js("""
            const cp = require("child_process");
            function f(port) {
              try {
                cp.execFileSync("/bin/bash", ["-c", `echo leaked > /dev/tcp/127.0.0.1/${port}`],
                                {stdio: "ignore", timeout: 1000});
                return "sent";
              } catch (e) { return "refused"; }
            }
            """, (port,))
        assert run.value == "refused"
        with pytest.raises(TimeoutError):
            server.accept()
    finally:
        server.close()


def test_per_sample_cost_is_bounded(judge: Judge) -> None:
    # Node starts per sample (it cannot be forked warm): about 0.1 s on these machines.
    started = time.monotonic()
    for _ in range(5):
        assert judge(CLAMP, RIGHT_CLAMP).status is Status.PASSED
    assert (time.monotonic() - started) / 5 < 1.0


def test_without_node_javascript_is_refused_in_one_sentence() -> None:
    from fairclimb.errors import SandboxError

    with pytest.raises(SandboxError, match=r"need Node\.js.*install Node\.js") as info:
        find_node(f"/nonexistent/{uuid.uuid4().hex}/node")
    assert "\n" not in str(info.value)
    with Sandbox(select_backend("rlimits"), LIMITS) as sandbox, \
            pytest.raises(SandboxError, match=r"need Node\.js"):
        sandbox.execute(RIGHT_CLAMP, "clamp", language="javascript")
    assert os.path.isabs(find_node())
