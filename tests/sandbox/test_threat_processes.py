"""Threat model, part 2: programs that attack the processes around them.

Invariant 2 of DESIGN.md: wall-clock, CPU, memory and process-count limits, and the
whole process tree killed at the end. Every attack is judged (never a pass), and the
same warm sandbox must judge a correct program correctly right afterwards.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from fairclimb.evaluate import Status, Verdict
from fairclimb.sandbox import Isolation, Sandbox

Judge = Callable[[str, str], Verdict]
RunRaw = Callable[..., Any]

ADD = "HumanEval/53"
CORRECT_ADD = """
    def add(x, y):
        return x + y
    """


def assert_verdict(verdict: Verdict, expected: Status) -> None:
    assert not verdict.passed, verdict
    assert verdict.status is expected, verdict


def assert_still_judges(judge: Judge) -> None:
    verdict = judge(ADD, CORRECT_ADD)
    assert verdict.status is Status.PASSED, verdict


def contained_processes(isolation: Isolation) -> bool:
    """Whether a sample's signals and forks are fenced off from the host's processes."""
    return isolation.processes or isolation.separate_uid


# ------------------------------------------------------- 7. killing what is around

# (source, status with a separate uid, status without one). Without a uid of its own a
# sample may signal the zygote; then the zygote is lost and restarted ("crashed").
KILLS = [
    pytest.param("""
        import os, signal, time
        def add(x, y):
            try:
                os.kill(os.getppid(), signal.SIGKILL)
            except OSError:
                pass
            time.sleep(0.5)
            return 0
        """, Status.FAILED, Status.CRASHED, id="kill-parent"),
    pytest.param("""
        import os, signal, time
        try:
            os.kill(os.getppid(), signal.SIGKILL)
        except OSError:
            pass
        time.sleep(0.5)
        def add(x, y):
            return 0
        """, Status.FAILED, Status.CRASHED, id="kill-parent-at-import"),
    pytest.param("""
        import os, signal, time
        def add(x, y):
            try:
                os.killpg(os.getpgid(os.getppid()), signal.SIGKILL)
            except OSError:
                pass
            time.sleep(0.5)
            return 0
        """, Status.FAILED, Status.CRASHED, id="killpg-parent-group"),
    pytest.param("""
        import os, signal
        def add(x, y):
            os.killpg(0, signal.SIGKILL)
            return 0
        """, Status.CRASHED, Status.CRASHED, id="killpg-own-group"),
    pytest.param("""
        import os, signal
        def add(x, y):
            try:
                os.kill(-1, signal.SIGKILL)
            except OSError:
                pass
            return 0
        """, Status.FAILED, None, id="kill-everything"),
]


@pytest.mark.parametrize(("source", "with_uid", "without_uid"), KILLS)
def test_killing_around_is_contained(
    judge: Judge, sandbox: Sandbox, source: str, with_uid: Status,
    without_uid: Status | None,
) -> None:
    isolation = sandbox.backend.isolation
    if without_uid is None and not contained_processes(isolation):
        pytest.skip(f"{sandbox.backend.name} has no process isolation and no separate uid: "
                    "kill(-1) would signal every process of this user, the test runner too")
    expected = with_uid if isolation.separate_uid else without_uid
    assert expected is not None
    assert_verdict(judge(ADD, source), expected)
    assert_still_judges(judge)


# -------------------------------------------- 8 and 9. never finishing, on purpose

LOOPS = [
    pytest.param("""
        while True:
            pass
        """, id="loop-at-import"),
    pytest.param("""
        def add(x, y):
            while True:
                pass
        """, id="loop-in-call"),
    pytest.param("""
        import signal
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        def add(x, y):
            while True:
                pass
        """, id="ignore-SIGTERM"),
    pytest.param("""
        import signal
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        def add(x, y):
            while True:
                pass
        """, id="ignore-SIGINT"),
    pytest.param("""
        import signal
        signal.signal(signal.SIGXCPU, signal.SIG_IGN)
        def add(x, y):
            while True:
                pass
        """, id="ignore-SIGXCPU"),
    pytest.param("""
        import signal
        for name in ("SIGTERM", "SIGINT", "SIGXCPU", "SIGHUP", "SIGALRM", "SIGUSR1"):
            signal.signal(getattr(signal, name), signal.SIG_IGN)
        while True:
            try:
                while True:
                    pass
            except BaseException:
                pass
        """, id="ignore-all-and-swallow-at-import"),
]


@pytest.mark.parametrize("source", LOOPS)
def test_endless_programs_time_out(
    judge: Judge, sandbox: Sandbox,
    processes_of_uid: Callable[[int], list[int]], source: str,
) -> None:
    started = time.monotonic()
    verdict = judge(ADD, source)
    elapsed = time.monotonic() - started
    assert_verdict(verdict, Status.TIMEOUT)
    assert elapsed < sandbox.limits.wall_s + 3, elapsed
    if sandbox.last_uid is not None:
        assert processes_of_uid(sandbox.last_uid) == []
    assert_still_judges(judge)


# ------------------------------------------------------------------- 10. memory

MEMORY = [
    pytest.param("""
        def add(x, y):
            return len(bytearray(10**10))
        """, id="bytearray-in-call"),
    pytest.param("""
        hoard = bytearray(10**10)
        def add(x, y):
            return x + y
        """, id="bytearray-at-import"),
    pytest.param("""
        def add(x, y):
            hoard = []
            while True:
                hoard.append(" " * 10**6)
        """, id="list-growth"),
    pytest.param("""
        def add(x, y):
            text = "x"
            while True:
                text += text
        """, id="string-doubling"),
]


@pytest.mark.parametrize("source", MEMORY)
def test_memory_bombs_hit_the_memory_limit(judge: Judge, source: str) -> None:
    assert_verdict(judge(ADD, source), Status.MEMORY)
    assert_still_judges(judge)


def test_memory_bomb_stays_within_its_limit(run_raw: RunRaw, sandbox: Sandbox) -> None:
    run = run_raw("""
        def f():
            hoard = []
            try:
                while True:
                    hoard.append(" " * 10**6)
            except MemoryError:
                return len(hoard)
        """)
    grown = run.value
    assert isinstance(grown, int) and grown > 16  # it did try
    assert run.exit.max_rss_kb * 1024 <= sandbox.limits.memory_bytes


# -------------------------------------------------------- 11. fork flood

FLOOD_IN_CALL = """
    import os
    def add(x, y):
        while True:
            try:
                os.fork()
            except OSError:
                pass
    """
FLOOD_AT_IMPORT = """
    import os
    while True:
        try:
            os.fork()
        except OSError:
            pass
    """
# Where nothing but the process-count limit stands between a flood and the machine,
# and that limit does not bind (root), the flood is bounded by the program itself.
FAN_IN_CALL = """
    import os, time
    def add(x, y):
        for _ in range(48):
            try:
                if os.fork() == 0:
                    while True:
                        time.sleep(1)
            except OSError:
                break
        while True:
            pass
    """


def _flood_is_bounded(sandbox: Sandbox) -> bool:
    return sandbox.backend.isolation.separate_uid or os.geteuid() != 0


@pytest.mark.parametrize("where", ["in-call", "at-import"])
def test_fork_flood_is_contained(
    judge: Judge, sandbox: Sandbox,
    processes_of_uid: Callable[[int], list[int]], where: str,
) -> None:
    if _flood_is_bounded(sandbox):
        source = FLOOD_IN_CALL if where == "in-call" else FLOOD_AT_IMPORT
    else:
        source = FAN_IN_CALL
    assert_verdict(judge(ADD, source), Status.TIMEOUT)
    if sandbox.last_uid is not None:
        assert processes_of_uid(sandbox.last_uid) == []
    assert_still_judges(judge)


FAN_RETURNING_PIDS = """
    import os, time
    def f(count):
        pids = []
        for _ in range(count):
            try:
                pid = os.fork()
            except OSError:
                break
            if pid == 0:
                while True:
                    time.sleep(1)
            pids.append(pid)
        return pids
    """

ROOT_SAMPLES_HAVE_NO_PROCESS_LIMIT = (
    "samples run as root here (the rlimits backend without a separate uid, declared by "
    "Isolation.separate_uid) and RLIMIT_NPROC does not bind root: the process limit "
    "needs bubblewrap or a world-readable interpreter"
)


def test_process_count_is_limited(run_raw: RunRaw, sandbox: Sandbox) -> None:
    if not sandbox.backend.isolation.separate_uid and os.geteuid() == 0:
        pytest.skip(ROOT_SAMPLES_HAVE_NO_PROCESS_LIMIT)
    run = run_raw(FAN_RETURNING_PIDS, "f", (sandbox.limits.processes + 16,))
    pids = run.value
    assert len(pids) < sandbox.limits.processes


def test_forked_children_are_killed(
    run_raw: RunRaw, sandbox: Sandbox,
    processes_of_uid: Callable[[int], list[int]],
    start_time: Callable[[int], int | None],
) -> None:
    during: dict[str, object] = {}

    def look(run: Any) -> None:
        if sandbox.last_uid is not None:
            during["uid"] = processes_of_uid(sandbox.last_uid)
        if not sandbox.backend.isolation.processes:  # the pids are the host's own
            during["started"] = [start_time(pid) for pid in run.value]

    run = run_raw(FAN_RETURNING_PIDS, "f", (8,), before_finish=look)
    assert len(run.value) == 8
    assert run.exit is not None and run.exit.leftover_processes >= 8
    if sandbox.last_uid is not None:
        assert len(during["uid"]) >= 9  # sample + children
        assert processes_of_uid(sandbox.last_uid) == []
    if not sandbox.backend.isolation.processes:
        assert None not in during["started"]
        assert [start_time(pid) for pid in run.value] == [None] * 8


# ------------------------------------------------------------------ 12. daemons

DAEMON = """
    import os, time
    def f(late_file):
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.setsid()
            if os.fork() == 0:
                os.write(w, str(os.getpid()).encode())
                os.close(w)
                if late_file:  # outlive the sample, then leave a trace
                    time.sleep(0.5)
                    with open(late_file, "w") as handle:
                        handle.write("the daemon survived")
                    os._exit(0)
                os.execv("/bin/sleep", ["sleep", "1000"])
            os._exit(0)
        os.waitpid(pid, 0)
        os.close(w)
        return int(os.read(r, 64))
    """


def test_double_forked_daemon_dies_with_the_sample(
    run_raw: RunRaw, sandbox: Sandbox,
    processes_of_uid: Callable[[int], list[int]],
    start_time: Callable[[int], int | None],
) -> None:
    during: dict[str, object] = {}

    def look(run: Any) -> None:
        if sandbox.last_uid is not None:
            during["uid"] = processes_of_uid(sandbox.last_uid)
        if not sandbox.backend.isolation.processes:
            comm = Path(f"/proc/{run.value}/comm")
            for _ in range(200):  # until the daemon has exec'd sleep
                during["comm"] = comm.read_text().strip()
                if during["comm"] == "sleep":
                    break
                time.sleep(0.01)
            during["started"] = start_time(run.value)

    run = run_raw(DAEMON, "f", ("",), before_finish=look)
    assert isinstance(run.value, int)
    assert run.exit is not None and run.exit.leftover_processes >= 1
    if sandbox.last_uid is not None:
        assert len(during["uid"]) >= 2  # sample + daemon
        assert processes_of_uid(sandbox.last_uid) == []
    if not sandbox.backend.isolation.processes:
        assert during["comm"] == "sleep" and during["started"] is not None
        assert start_time(run.value) != during["started"]


def test_daemon_leaves_no_late_trace(run_raw: RunRaw, sandbox: Sandbox, tmp_path: Path) -> None:
    if sandbox.backend.isolation.filesystem:
        late = f"/tmp/fairclimb-late-{tmp_path.name}"  # in the sandbox's own /tmp
    else:
        tmp_path.chmod(0o777)
        late = str(tmp_path / "late")
    run = run_raw(DAEMON, "f", (late,))
    assert isinstance(run.value, int)
    time.sleep(1.0)  # twice what the daemon waits before writing
    seen = run_raw("""
        import os
        def f(path):
            return os.path.exists(path)
        """, "f", (late,))
    assert seen.value is False
    assert not os.path.exists(late)


def test_daemon_does_not_decide_the_verdict(judge: Judge) -> None:
    verdict = judge(ADD, """
        import os, time
        def add(x, y):
            pid = os.fork()
            if pid == 0:
                os.setsid()
                if os.fork() == 0:
                    time.sleep(1000)
                os._exit(0)
            os.waitpid(pid, 0)
            return 0
        """)
    assert_verdict(verdict, Status.FAILED)
    assert_still_judges(judge)


# A child that stays alive while the zygote looks, and a grandchild under it: the
# grandchild becomes the zygote's only after the zygote has listed and killed its
# children. It must be killed all the same, and the sample end promptly.
TREE = """
    import os, time
    def f(lifetime):
        r, w = os.pipe()
        if os.fork() == 0:
            if os.fork() == 0:
                os.write(w, str(os.getpid()).encode())
                time.sleep(lifetime)
                os._exit(0)
            time.sleep(lifetime)
            os._exit(0)
        return int(os.read(r, 64))
    """

def test_process_tree_dies_promptly_with_the_sample(
    run_raw: RunRaw, sandbox: Sandbox,
    processes_of_uid: Callable[[int], list[int]],
    start_time: Callable[[int], int | None], request: pytest.FixtureRequest,
) -> None:
    lifetime = 3.0  # bounded, so that the bug costs this test seconds, not a process
    run = run_raw(TREE, "f", (lifetime,))
    assert isinstance(run.value, int)
    assert run.exit.killed_for is None and run.exit.leftover_processes >= 2, run.exit
    if sandbox.last_uid is not None:
        assert processes_of_uid(sandbox.last_uid) == []
    if not sandbox.backend.isolation.processes:
        assert start_time(run.value) is None, "the grandchild outlived the sample"
    assert run.finish_s < 1.0, f"ending the sample took {run.finish_s:.1f} s"
