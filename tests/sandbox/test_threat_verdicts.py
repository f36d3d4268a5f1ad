"""Threat model, part 1: programs that try to turn a wrong answer into a pass.

Invariant 1 of DESIGN.md: untrusted code never decides its own verdict. Each row is a
real program judged on a real HumanEval task by the trusted checker; a row passes only
where the function is genuinely correct.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from fairclimb.evaluate import Status, Verdict

Judge = Callable[[str, str], Verdict]
RunRaw = Callable[..., Any]


def case(task_id: str, source: str, expected: Status, id: str) -> object:
    return pytest.param(task_id, source, expected, id=id)


def assert_verdict(verdict: Verdict, expected: Status) -> None:
    if expected is not Status.PASSED:
        assert not verdict.passed, verdict
    assert verdict.status is expected, verdict


# ---------------------------------------------------- 1. objects that always agree

ALWAYS_EQUAL = [
    case("HumanEval/53", """
        class Yes:
            def __eq__(self, other): return True
            def __ne__(self, other): return False
            __hash__ = object.__hash__
        def add(x, y):
            return Yes()
        """, Status.FAILED, "eq-always-true"),
    case("HumanEval/2", """
        class Zero:
            def __eq__(self, other): return True
            def __sub__(self, other): return Zero()
            def __rsub__(self, other): return Zero()
            def __abs__(self): return 0
            def __lt__(self, other): return True
            def __float__(self): return 0.5
        def truncate_number(number):
            return Zero()
        """, Status.FAILED, "sub-and-abs-always-zero"),
    case("HumanEval/53", """
        class Int(int):
            def __eq__(self, other): return True
            def __ne__(self, other): return False
            def __int__(self): return 1
            def __index__(self): return 1
            __hash__ = int.__hash__
        def add(x, y):
            return Int(-1)
        """, Status.FAILED, "int-subclass-wrong-value"),
    # The codec reads subclasses through the base type: the right value is a pass.
    case("HumanEval/53", """
        class Int(int):
            def __eq__(self, other): return True
            __hash__ = int.__hash__
        def add(x, y):
            return Int(x + y)
        """, Status.PASSED, "int-subclass-right-value"),
    case("HumanEval/2", """
        class Float(float):
            def __eq__(self, other): return True
            def __sub__(self, other): return Float(0.0)
            def __rsub__(self, other): return Float(0.0)
            def __abs__(self): return Float(0.0)
            def __float__(self): return 0.5
            __hash__ = float.__hash__
        def truncate_number(number):
            return Float(7.0)
        """, Status.FAILED, "float-subclass-wrong-value"),
    case("HumanEval/30", """
        class List(list):
            def __eq__(self, other): return True
            def __iter__(self): return iter([4, 5, 6])
            def __len__(self): return 3
        def get_positive(l):
            return List()
        """, Status.FAILED, "list-subclass-lying-iter"),
    case("HumanEval/27", """
        class Str(str):
            def __eq__(self, other): return True
            def __str__(self): return "hELLO!"
            __hash__ = str.__hash__
        def flip_case(string):
            return Str("nope")
        """, Status.FAILED, "str-subclass-wrong-value"),
    case("HumanEval/111", """
        class Dict(dict):
            def __eq__(self, other): return True
            def items(self): return [("a", 2), ("b", 2)]
        def histogram(test):
            return Dict()
        """, Status.FAILED, "dict-subclass-lying-items"),
    # isinstance() believes __class__, so the codec takes the int path and the base
    # method refuses the object: the child dies instead of answering.
    case("HumanEval/53", """
        class Liar:
            @property
            def __class__(self): return int
            def __eq__(self, other): return True
        def add(x, y):
            return Liar()
        """, Status.FAILED, "object-lying-about-its-class"),
]


@pytest.mark.parametrize(("task_id", "source", "expected"), ALWAYS_EQUAL)
def test_objects_that_always_agree_are_not_trusted(
    judge: Judge, task_id: str, source: str, expected: Status
) -> None:
    assert_verdict(judge(task_id, source), expected)


# ------------------------------------------- 2. patched builtins and modules

PATCHED = [
    case("HumanEval/2", """
        import builtins
        builtins.abs = lambda value: 0
        def truncate_number(number):
            return 0.5 if number == 3.5 else 99.0
        """, Status.FAILED, "builtins-abs"),
    case("HumanEval/4", """
        import builtins
        builtins.abs = lambda value: 0
        def mean_absolute_deviation(numbers):
            return 99.0
        """, Status.FAILED, "builtins-abs-mad"),
    # The zygote's own json needs isinstance: the sample breaks only itself.
    case("HumanEval/2", """
        import builtins
        builtins.isinstance = lambda *args: True
        def truncate_number(number):
            return 0.5 if number == 3.5 else 99.0
        """, Status.ERROR, "builtins-isinstance"),
    case("HumanEval/2", """
        import math
        math.isclose = lambda *args, **kwargs: True
        def truncate_number(number):
            return 0.5 if number == 3.5 else 99.0
        """, Status.FAILED, "math-isclose"),
    case("HumanEval/32", """
        import math
        math.fabs = lambda value: 0.0
        math.pow = lambda *args: 0.0
        def find_zero(xs):
            return 12345.0
        """, Status.FAILED, "math-fabs-and-pow"),
    case("HumanEval/32", """
        import sys, types
        sys.modules["math"] = types.SimpleNamespace(
            fabs=lambda value: 0.0, pow=lambda *args: 0.0, isclose=lambda *a, **k: True)
        def find_zero(xs):
            return 12345.0
        """, Status.FAILED, "fake-math-module"),
    case("HumanEval/32", """
        import builtins, types
        _real_import = builtins.__import__
        def _import(name, *args, **kwargs):
            if name == "math":
                return types.SimpleNamespace(fabs=lambda v: 0.0, pow=lambda *a: 0.0)
            return _real_import(name, *args, **kwargs)
        builtins.__import__ = _import
        def find_zero(xs):
            return 12345.0
        """, Status.FAILED, "import-hook"),
    # The tests draw their random inputs in the trusted process, from its own random.
    case("HumanEval/53", """
        import random
        random.randint = lambda a, b: 0
        random.seed = lambda *args, **kwargs: None
        KNOWN = {(0, 1): 1, (1, 0): 1, (2, 3): 5, (5, 7): 12, (7, 5): 12, (0, 0): 0}
        def add(x, y):
            return KNOWN.get((x, y), -1)
        """, Status.FAILED, "random-module"),
    # The zygote frames its answers with json.dumps: patching it only forges a value,
    # which the trusted tests still check (here: "True" for every call).
    case("HumanEval/0", """
        import json
        _real_dumps = json.dumps
        def _forge(message, **kwargs):
            if isinstance(message, list) and message[:1] == ["return"]:
                message = ["return", message[1], True]
            return _real_dumps(message, **kwargs)
        json.dumps = _forge
        def has_close_elements(numbers, threshold):
            return False
        """, Status.FAILED, "zygote-json-dumps"),
]


@pytest.mark.parametrize(("task_id", "source", "expected"), PATCHED)
def test_patched_builtins_and_modules_stay_in_the_sandbox(
    judge: Judge, task_id: str, source: str, expected: Status
) -> None:
    assert_verdict(judge(task_id, source), expected)


# ----------------------------------------------- 3. prompt helpers the tests use

POLY_FREE_FIND_ZERO = """
    import math
    def _poly(xs, x):
        return sum(c * math.pow(x, i) for i, c in enumerate(xs))
    def find_zero(xs):
        begin, end = -1.0, 1.0
        while _poly(xs, begin) * _poly(xs, end) > 0:
            begin *= 2.0
            end *= 2.0
        while end - begin > 1e-10:
            center = (begin + end) / 2.0
            if _poly(xs, center) * _poly(xs, begin) > 0:
                begin = center
            else:
                end = center
        return begin
    """

HELPERS = [
    case("HumanEval/32", """
        def poly(xs, x):
            return 0.0
        def find_zero(xs):
            return 0.0
        """, Status.FAILED, "poly-redefined-wrong-candidate"),
    case("HumanEval/38", """
        def encode_cyclic(s):
            return s
        def decode_cyclic(s):
            return s
        """, Status.FAILED, "encode_cyclic-redefined-wrong-candidate"),
    case("HumanEval/50", """
        def encode_shift(s):
            return s
        def decode_shift(s):
            return s
        """, Status.FAILED, "encode_shift-redefined-wrong-candidate"),
    case("HumanEval/32", POLY_FREE_FIND_ZERO + """
    def poly(xs, x):
        raise RuntimeError("sabotaged")
    """, Status.PASSED, "poly-sabotaged-correct-candidate"),
    case("HumanEval/38", """
        def encode_cyclic(s):
            return "sabotaged"
        def decode_cyclic(s):
            groups = [s[3 * i:min(3 * i + 3, len(s))] for i in range((len(s) + 2) // 3)]
            return "".join((g[-1] + g[:-1]) if len(g) == 3 else g for g in groups)
        """, Status.PASSED, "encode_cyclic-sabotaged-correct-candidate"),
    case("HumanEval/50", """
        def encode_shift(s):
            return ""
        def decode_shift(s):
            return "".join(chr(((ord(ch) - 5 - ord("a")) % 26) + ord("a")) for ch in s)
        """, Status.PASSED, "encode_shift-sabotaged-correct-candidate"),
]


@pytest.mark.parametrize(("task_id", "source", "expected"), HELPERS)
def test_the_tests_use_the_suites_own_helpers(
    judge: Judge, task_id: str, source: str, expected: Status
) -> None:
    assert_verdict(judge(task_id, source), expected)


# --------------------------------------------------------------- 4. exiting early

EXITS = [
    case("HumanEval/53", """
        import sys
        sys.exit(0)
        """, Status.ERROR, "sys.exit-at-import"),
    case("HumanEval/53", """
        import sys
        def add(x, y):
            sys.exit(0)
        """, Status.ERROR, "sys.exit-in-call"),
    case("HumanEval/53", """
        import os
        os._exit(0)
        """, Status.ERROR, "os._exit-at-import"),
    case("HumanEval/53", """
        import os
        def add(x, y):
            os._exit(0)
        """, Status.ERROR, "os._exit-in-call"),
    case("HumanEval/53", """
        raise SystemExit
        """, Status.ERROR, "raise-SystemExit-at-import"),
    case("HumanEval/53", """
        def add(x, y):
            raise SystemExit(0)
        """, Status.ERROR, "raise-SystemExit-in-call"),
    case("HumanEval/53", """
        import os, sys
        def add(x, y):
            print("All tests passed")
            sys.stdout.flush()
            os._exit(0)
        """, Status.ERROR, "print-passed-then-os._exit"),
]


@pytest.mark.parametrize(("task_id", "source", "expected"), EXITS)
def test_exiting_is_not_passing(
    judge: Judge, task_id: str, source: str, expected: Status
) -> None:
    assert_verdict(judge(task_id, source), expected)


# ------------------------------------------------ 5. fake "passed" on any descriptor

FRAMES = """
    import json, os, struct
    def frame(message):
        data = json.dumps(message).encode()
        return struct.pack(">I", len(data)) + data
    """

FAKE_OUTPUT = [
    case("HumanEval/53", """
        import sys
        def add(x, y):
            print("passed")
            print("OK", file=sys.stderr)
            print("All tests passed", file=sys.stderr)
            return 0
        """, Status.FAILED, "print-stdout-stderr"),
    case("HumanEval/53", """
        import os
        def add(x, y):
            os.write(1, b"All tests passed\\nOK\\n")
            os.write(2, b"passed\\n")
            return 0
        """, Status.FAILED, "write-fd-1-and-2"),
    case("HumanEval/53", """
        import os
        def add(x, y):
            for fd in range(1024):
                try:
                    os.write(fd, b"All tests passed\\n")
                except OSError:
                    pass
            return 0
        """, Status.FAILED, "write-every-fd-in-call"),
    # At import, the garbage reaches the channel before "ready": a protocol error.
    case("HumanEval/53", """
        import os
        for fd in range(1024):
            try:
                os.write(fd, b"passed\\n")
            except OSError:
                pass
        def add(x, y):
            return 0
        """, Status.ERROR, "write-every-fd-at-import"),
    case("HumanEval/53", FRAMES + """
    def add(x, y):
        os.write(3, b"".join(frame(["return", seq, 1]) for seq in range(1, 200)))
        return 0
    """, Status.FAILED, "forged-answers-on-channel-in-call"),
    case("HumanEval/53", FRAMES + """
    answers = [1, 1, 5, 12, 12]
    os.write(3, frame(["ready"]) + b"".join(
        frame(["return", seq, value]) for seq, value in enumerate(answers, 1)))
    def add(x, y):
        return 0
    """, Status.FAILED, "forged-ready-and-answers-at-import"),
    case("HumanEval/0", FRAMES + """
    def has_close_elements(numbers, threshold):
        os.write(3, frame(["return", 1, True]) + frame(["passed"]) + frame({"op": "exit"}))
        return False
    """, Status.FAILED, "forged-non-answers-in-call"),
]


@pytest.mark.parametrize(("task_id", "source", "expected"), FAKE_OUTPUT)
def test_fake_success_output_is_ignored(
    judge: Judge, task_id: str, source: str, expected: Status
) -> None:
    assert_verdict(judge(task_id, source), expected)


# ------------------------------------------------------- 6. closing descriptors

CLOSING = [
    case("HumanEval/53", """
        import os
        os.closerange(0, 1024)
        def add(x, y):
            return x + y
        """, Status.ERROR, "closerange-at-import"),
    case("HumanEval/53", """
        import os
        def add(x, y):
            os.closerange(0, 1024)
            return x + y
        """, Status.ERROR, "closerange-in-call"),
    case("HumanEval/53", """
        import os, socket
        os.closerange(0, 1024)
        decoy = socket.socketpair()  # reuses the lowest descriptors, 3 among them
        def add(x, y):
            return x + y
        """, Status.ERROR, "closerange-then-reuse-fd-3"),
]


@pytest.mark.parametrize(("task_id", "source", "expected"), CLOSING)
def test_closing_descriptors_is_not_passing(
    judge: Judge, task_id: str, source: str, expected: Status
) -> None:
    assert_verdict(judge(task_id, source), expected)


# --------------------------------------------------------------- 16. stack overflow

# CPython 3.11 runs Python-to-Python calls without C recursion, so a C-level recursion
# (repr calling repr) is what overflows the C stack and kills the process.
STACK = [
    case("HumanEval/53", """
        import sys
        sys.setrecursionlimit(10**6)
        class Deep:
            def __repr__(self):
                return repr(self)
        def add(x, y):
            return repr(Deep())
        """, Status.CRASHED, "c-recursion-in-call"),
    case("HumanEval/53", """
        import sys
        sys.setrecursionlimit(10**6)
        class Deep:
            def __repr__(self):
                return repr(self)
        repr(Deep())
        def add(x, y):
            return x + y
        """, Status.CRASHED, "c-recursion-at-import"),
    case("HumanEval/53", """
        import sys, functools
        sys.setrecursionlimit(10**6)
        def deep(n):
            return functools.reduce(lambda a, b: deep(n + 1), [1, 2])
        def add(x, y):
            return deep(0)
        """, Status.CRASHED, "recursion-through-reduce"),
]


@pytest.mark.parametrize(("task_id", "source", "expected"), STACK)
def test_stack_overflow_is_a_crash(
    judge: Judge, task_id: str, source: str, expected: Status
) -> None:
    assert_verdict(judge(task_id, source), expected)


@pytest.mark.slow
def test_deep_python_recursion_is_not_passing(judge: Judge) -> None:
    # Pure-Python recursion runs until the memory limit; CPython 3.11 then reports a
    # SystemError (or the wall clock runs out first): an error, never a pass.
    verdict = judge("HumanEval/53", """
        import sys
        sys.setrecursionlimit(10**6)
        def deep(n):
            return deep(n + 1) + 1
        def add(x, y):
            return deep(0)
        """)
    assert not verdict.passed, verdict
    assert verdict.status in {Status.ERROR, Status.MEMORY, Status.TIMEOUT}, verdict


# ---------------------------------------------- 17. looking for the expected values

SNOOPING = [
    case("HumanEval/0", """
        import gc, sys, types
        def _find_tests():
            found = []
            frame = sys._getframe()
            while frame is not None:
                for scope in (frame.f_locals, frame.f_globals):
                    if "check" in scope or "METADATA" in scope or "candidate" in scope:
                        found.append(scope)
                frame = frame.f_back
            for obj in gc.get_objects():
                if isinstance(obj, types.FunctionType) and obj.__name__ == "check":
                    found.append(obj.__code__.co_consts)
            return found
        def has_close_elements(numbers, threshold):
            found = _find_tests()
            return bool(found) or True
        """, Status.FAILED, "frames-and-gc-for-check"),
    case("HumanEval/2", """
        import gc
        def truncate_number(number):
            # any float literal lying around that looks like a fractional part
            for obj in gc.get_objects():
                if isinstance(obj, (list, tuple, dict)):
                    values = obj.values() if isinstance(obj, dict) else obj
                    for value in list(values):
                        if type(value) is float and 0 < value < 1 and value != 0.5:
                            return value
            return 0.5
        """, Status.FAILED, "gc-for-expected-floats"),
]


@pytest.mark.parametrize(("task_id", "source", "expected"), SNOOPING)
def test_snooping_finds_no_expected_values(
    judge: Judge, task_id: str, source: str, expected: Status
) -> None:
    assert_verdict(judge(task_id, source), expected)


def test_frames_and_gc_hold_nothing_of_the_tests(run_raw: RunRaw) -> None:
    run = run_raw("""
        import gc, sys, types
        def f():
            frames, suspicious = [], []
            frame = sys._getframe()
            while frame is not None:
                frames.append(frame.f_code.co_filename)
                for scope in (frame.f_locals, frame.f_globals):
                    suspicious += [k for k in ("check", "METADATA", "candidate") if k in scope]
                frame = frame.f_back
            needle = " ".join(["assert", "candidate("])  # not folded into a constant
            for obj in gc.get_objects():
                if isinstance(obj, types.FunctionType) and obj.__name__ == "check":
                    suspicious.append("check function")
                elif isinstance(obj, dict) and "METADATA" in obj:
                    suspicious.append("tests namespace")
                elif isinstance(obj, (list, tuple)):
                    if any(type(s) is str and needle in s for s in obj):
                        suspicious.append("test source")
            return frames, sorted(set(suspicious))
        """)
    frames, suspicious = run.value
    assert suspicious == []
    assert all("fairclimb" not in name and "tests of" not in name for name in frames), frames


# ----------------------------------------------------------- 18. non-plain answers

NOT_PLAIN = [
    case("HumanEval/53", """
        def add(x, y):
            return (value for value in [x + y])
        """, Status.FAILED, "generator"),
    case("HumanEval/53", """
        def add(x, y):
            return lambda: x + y
        """, Status.FAILED, "lambda"),
    case("HumanEval/53", """
        import os
        class Payload:
            def __reduce__(self):
                return (os.system, ("echo pwned",))
        def add(x, y):
            return Payload()
        """, Status.FAILED, "object-with-reduce"),
    case("HumanEval/53", """
        def add(x, y):
            value = x + y
            for _ in range(200):
                value = [value]
            return value
        """, Status.FAILED, "nested-beyond-codec-depth"),
    case("HumanEval/53", """
        def add(x, y):
            value = x + y
            for _ in range(100_000):
                value = [value]
            return value
        """, Status.FAILED, "nested-100000-deep"),
    case("HumanEval/53", """
        def add(x, y):
            loop = [x + y]
            loop.append(loop)
            return loop
        """, Status.FAILED, "self-referential-list"),
    case("HumanEval/53", """
        import os
        def add(x, y):
            return os
        """, Status.FAILED, "module"),
    case("HumanEval/53", """
        def add(x, y):
            return memoryview(b"12")
        """, Status.FAILED, "memoryview"),
]


@pytest.mark.parametrize(("task_id", "source", "expected"), NOT_PLAIN)
def test_only_plain_data_comes_back(
    judge: Judge, task_id: str, source: str, expected: Status
) -> None:
    assert_verdict(judge(task_id, source), expected)
