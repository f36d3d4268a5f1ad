"""Trusted-side checking: the suite's tests run here and call the candidate by proxy.

The tests of a task run in this (trusted) process, in a namespace built from the
suite's own prompt and reference, so helpers such as ``poly`` are the suite's, whatever
the candidate redefines. ``candidate`` is a :class:`CandidateProxy`: each call crosses
into the sandbox, and what comes back is plain data built by the trusted codec.

A pass needs positive evidence: ``check`` returned normally, at least one call was
made, every call was answered with plain data, and nothing stopped the sample.
"""

from __future__ import annotations

import ast
import builtins
import linecache
import logging
import random
import reprlib
import signal
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fairclimb.errors import SandboxError
from fairclimb.evaluate._records import Status, Verdict
from fairclimb.evaluate._text import well_formed
from fairclimb.evaluate.judge._alarm import TimeLimitReached, time_limit
from fairclimb.sandbox import Call, CallKind, Execution, ExitReport, LoadResult, Sandbox
from fairclimb.suites import Language, Task

__all__ = ["CompiledTask", "check_program", "compile_task", "predict_calls"]


class _ShortRepr(reprlib.Repr):
    """Bounded reprs of values that came from the sandbox, whatever their size.

    ``repr`` of an int of more than 4,300 digits raises (Python's int-to-str limit), and
    a smaller one is still text of that size; such an int is described by its size.
    """

    _BITS = 1000  # about 300 digits; beyond this, digits say nothing a person reads

    def repr_int(self, x: int, level: int) -> str:
        if x.bit_length() <= self._BITS:
            return super().repr_int(x, level)
        digits = int(x.bit_length() * 0.30103) + 1
        return f"<{'-' if x < 0 else ''}int of about {digits} digits>"

    # reprlib has no bytes case: it would build the whole repr (4x the value) first.
    def repr_bytes(self, x: bytes, level: int) -> str:
        return self._short(repr(x[: self.maxstring]), len(x))

    def repr_bytearray(self, x: bytearray, level: int) -> str:
        return self._short(repr(x[: self.maxstring]), len(x))

    def _short(self, text: str, size: int) -> str:
        if size <= self.maxstring:
            return text
        return f"{text[: self.maxstring]}… ({size} bytes)"


log = logging.getLogger(__name__)
_repr = _ShortRepr()
_repr.maxstring = 80
_repr.maxother = 80
_repr.maxlist = _repr.maxtuple = _repr.maxdict = _repr.maxset = 8
_DETAIL_LIMIT = 500
_TEST_SEED = 1234
_NODE_OUT_OF_MEMORY = "JavaScript heap out of memory"


class _Stop(BaseException):
    """Ends a check early. A BaseException so that ``except Exception`` in tests cannot
    swallow it; the proxy also remembers it, so even a bare ``except`` cannot."""

    def __init__(self, status: Status | None, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


@dataclass(frozen=True, slots=True)
class CompiledTask:
    """A task ready to check answers: its trusted namespace and ``check`` function.

    ``predicted`` are the calls the tests make first whatever the answers are (see
    :func:`predict_calls`); the sandbox answers them without a round trip each.
    """

    task: Task
    namespace: dict[str, Any]
    filename: str
    predicted: tuple[Call, ...] = ()

    @property
    def check(self) -> Callable[[Any], object]:
        check: Callable[[Any], object] = self.namespace["check"]
        return check


def compile_task(task: Task) -> CompiledTask:
    """Build the trusted namespace: the suite's prompt and reference, then its tests.

    The tests are Python whatever the task's language; for a JavaScript task the
    reference is JavaScript and stays out of the namespace (its tests define in Python
    any helper they need).
    """
    filename = f"<tests of {task.task_id}>"
    # So that tracebacks, and hence failure details, can quote the failing line.
    linecache.cache[filename] = (len(task.tests), None, task.tests.splitlines(True), filename)
    namespace: dict[str, Any] = {"__name__": "fairclimb_tests"}
    if task.language is Language.PYTHON:
        exec(compile(task.reference_program, f"<prompt of {task.task_id}>", "exec"), namespace)
    exec(compile(task.tests, filename, "exec"), namespace)
    if not callable(namespace.get("check")):
        raise ValueError(f"the tests of {task.task_id} define no check(candidate) function")
    return CompiledTask(task, namespace, filename, predict_calls(task.tests))


def predict_calls(tests: str) -> tuple[Call, ...]:
    """The leading calls of ``check(candidate)`` that do not depend on any answer.

    They are the candidate calls, with literal arguments, of the leading straight-line
    statements of ``check`` that hold exactly one such call each (``assert
    candidate([1, 2]) == 3``). The prediction is only an optimisation: a call that
    differs from it is made live, so a wrong guess costs time, never correctness.
    """
    try:
        tree = ast.parse(tests)
    except SyntaxError:
        return ()
    check = next((node for node in tree.body
                  if isinstance(node, ast.FunctionDef) and node.name == "check"), None)
    if check is None or not check.args.args:
        return ()
    name = check.args.args[0].arg
    calls: list[Call] = []
    for statement in check.body:
        found = [node for node in ast.walk(statement) if _calls(node, name)]
        if not found:
            if isinstance(statement, (ast.Expr, ast.Assign, ast.Import, ast.ImportFrom,
                                      ast.Assert, ast.Pass)):
                continue
            break
        if len(found) > 1 or not isinstance(statement, (ast.Assert, ast.Expr, ast.Assign)):
            break
        call = _literal_call(found[0])
        if call is None:
            break
        calls.append(call)
    return tuple(calls)


def _calls(node: ast.AST, name: str) -> bool:
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id == name) or (isinstance(node, ast.Name) and node.id == name
                                          and not isinstance(node.ctx, ast.Load))


def _literal_call(node: ast.AST) -> Call | None:
    if not isinstance(node, ast.Call):
        return None
    try:
        args = tuple(ast.literal_eval(arg) for arg in node.args
                     if not isinstance(arg, ast.Starred))
        kwargs = {kw.arg: ast.literal_eval(kw.value) for kw in node.keywords if kw.arg}
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None
    if len(args) != len(node.args) or len(kwargs) != len(node.keywords):
        return None
    return args, kwargs


class CandidateProxy:
    """Stands in for the candidate function inside the trusted tests."""

    def __init__(self, execution: Execution, name: str) -> None:
        self._execution = execution
        self._name = name
        self.calls = 0
        self._last_args: tuple[tuple[Any, ...], dict[str, Any]] = ((), {})
        self.last_value: Any = None
        self.last_raised: BaseException | None = None
        self.stopped: _Stop | None = None

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self.stopped is not None:
            raise self.stopped
        self._last_args = (args, kwargs)
        result = self._execution.call(args, kwargs)
        if result.kind is CallKind.RETURNED:
            self.calls += 1
            self.last_value = result.value
            return result.value
        if result.kind is CallKind.RAISED:
            self.calls += 1
            self.last_raised = _as_exception(result.error_type, result.message)
            raise self.last_raised
        self.stopped = self._stop_for(result.kind, result.message)
        raise self.stopped

    @property
    def last_call(self) -> str:
        """The last call, as the tests made it (described only when a detail needs it)."""
        return _describe_call(self._name, *self._last_args)

    def _stop_for(self, kind: CallKind, message: str) -> _Stop:
        if kind is CallKind.UNENCODABLE:
            return _Stop(Status.FAILED, f"{self.last_call} returned {message}")
        if kind is CallKind.TIMED_OUT:
            return _Stop(Status.TIMEOUT, f"time limit reached during {self.last_call}")
        if kind is CallKind.PROTOCOL:
            return _Stop(Status.FAILED, f"{self.last_call}: {message}")
        return _Stop(None, f"the program stopped during {self.last_call}")


def _as_exception(error_type: str, message: str) -> BaseException:
    """The candidate's exception as a trusted object tests can catch by type."""
    kind = getattr(builtins, error_type, None)
    if isinstance(kind, type) and issubclass(kind, Exception):
        try:
            return kind(message)
        except Exception:  # an exception type whose constructor wants other arguments
            pass
    return _CandidateError(f"{error_type}: {message}")


class _CandidateError(Exception):
    """A candidate exception of a type the trusted side does not know."""


def _describe_call(name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    parts = [_repr.repr(arg) for arg in args]
    parts += [f"{key}={_repr.repr(value)}" for key, value in kwargs.items()]
    return f"{name}({', '.join(parts)})"


def check_program(sandbox: Sandbox, compiled: CompiledTask, program: str) -> Verdict:
    """Run *program* in the sandbox and judge it with the task's trusted tests.

    Whatever judging raises, short of the sandbox itself failing (:class:`SandboxError`,
    which the caller handles), becomes this sample's verdict: a value the sample sent
    can make formatting, comparing or the tests themselves raise, and that must never
    stop the checker (whose successor would, for optimize tasks, measure the references
    again and so change the scale mid-run).
    """
    try:
        return _check_program(sandbox, compiled, program)
    except SandboxError:
        raise
    except (Exception, _Stop, TimeLimitReached) as exc:
        log.warning("judging a sample of %s raised %s", compiled.task.task_id,
                    type(exc).__name__)
        return Verdict(status=Status.FAILED,
                       detail=_clip(f"the trusted checker could not judge this sample: "
                                    f"{type(exc).__name__}: {_text_of(exc)}"))


def _text_of(exc: BaseException) -> str:
    """``str(exc)``, or a placeholder when even that raises (a huge int in its args)."""
    try:
        return str(exc)[:_DETAIL_LIMIT]
    except Exception:
        return "<its message cannot be shown>"


def _check_program(sandbox: Sandbox, compiled: CompiledTask, program: str) -> Verdict:
    task = compiled.task
    execution = sandbox.execute(program, task.entry_point, compiled.predicted,
                                language=task.language.value)
    try:
        loaded = _load(execution, sandbox.limits.wall_s)
        if loaded.ok:
            proxy = CandidateProxy(execution, task.entry_point)
            status, detail = _run_check(compiled, proxy, sandbox.limits.wall_s)
        else:
            proxy = None
            status, detail = None, ""
    finally:
        report = execution.finish()
    if not loaded.ok:
        status, detail = _load_failure(loaded, report)
    elif status is None:
        status, detail = _exit_status(report, detail)
    return Verdict(
        status=status,
        detail=_clip(detail),
        calls=proxy.calls if proxy else 0,
        # Informative only (costs are the meter's): a lost zygote measured nothing.
        cpu_s=report.cpu_s if report.measured else 0.0,
        wall_s=report.wall_s,
    )


def _load(execution: Execution, wall_s: float) -> LoadResult:
    """Wait for the program to load; what it sends instead is read under a time limit."""
    try:
        with time_limit(wall_s + 1.0):
            return execution.load()
    except TimeLimitReached:
        return LoadResult(ok=False, timed_out=True)


def _run_check(
    compiled: CompiledTask, proxy: CandidateProxy, wall_s: float
) -> tuple[Status | None, str]:
    """Call ``check(candidate)``; ``None`` as status means "ask the exit report"."""
    random.seed(_TEST_SEED)  # tests that draw random inputs draw the same ones each time
    try:
        with time_limit(wall_s + 1.0):
            try:
                compiled.check(proxy)
            except (_Stop, TimeLimitReached):
                raise
            except BaseException as exc:
                if proxy.stopped is not None:
                    return proxy.stopped.status, proxy.stopped.detail
                return _exception_status(exc, proxy, compiled.filename)
    except _Stop as stop:
        return stop.status, stop.detail
    except TimeLimitReached:
        return Status.TIMEOUT, "time limit reached while checking the answers"
    if proxy.stopped is not None:  # the tests swallowed a stop; it still counts
        return proxy.stopped.status, proxy.stopped.detail
    if proxy.calls == 0:
        return Status.FAILED, "the tests never called the candidate"
    return Status.PASSED, f"{proxy.calls} calls checked"


def _exception_status(
    exc: BaseException, proxy: CandidateProxy, filename: str
) -> tuple[Status, str]:
    if exc is proxy.last_raised:
        status = Status.MEMORY if isinstance(exc, MemoryError) else Status.ERROR
        text = (_text_of(exc) if isinstance(exc, _CandidateError)
                else f"{type(exc).__name__}: {_text_of(exc)}")
        return status, f"{proxy.last_call} raised {text}"
    where = _test_line(exc, filename)
    if isinstance(exc, AssertionError):
        got = f"; it returned {_repr.repr(proxy.last_value)}" if proxy.calls else ""
        return Status.FAILED, f"check failed at `{where}` after {proxy.last_call}{got}"
    if isinstance(exc, KeyboardInterrupt):
        raise exc
    return Status.FAILED, (
        f"the check raised {type(exc).__name__}: {_text_of(exc)} at `{where}` "
        f"after {proxy.last_call} returned {_repr.repr(proxy.last_value)}"
    )


def _test_line(exc: BaseException, filename: str) -> str:
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename == filename:
            return (frame.line or f"line {frame.lineno}").strip()
    return "the tests"


def _load_failure(loaded: LoadResult, report: ExitReport) -> tuple[Status, str]:
    if loaded.status:
        what = "loading the program raised" if loaded.status != "invalid" else "invalid program:"
        return Status(loaded.status), f"{what} {loaded.error_type}: {loaded.message}"
    if loaded.timed_out:
        return Status.TIMEOUT, "time limit reached while loading the program"
    return _exit_status(report, "the program stopped while loading")


def _exit_status(report: ExitReport, context: str) -> tuple[Status, str]:
    """Classify a child that went away, from how it ended."""
    if report.killed_for == "output":
        return Status.ERROR, f"{context}: output limit exceeded ({report.output_bytes} bytes)"
    if report.killed_for == "sandbox_lost":
        return Status.CRASHED, f"{context}: the sandbox was lost and restarted"
    sig = report.signal
    if sig == signal.SIGABRT and _NODE_OUT_OF_MEMORY in report.output:
        return Status.MEMORY, f"{context}: {_NODE_OUT_OF_MEMORY}"  # V8 aborts when full
    if sig == signal.SIGKILL and report.killed_for in ("wall", "request"):
        return Status.TIMEOUT, f"{context}: time limit reached"
    if sig is not None:
        if sig == signal.SIGXCPU:
            return Status.TIMEOUT, f"{context}: CPU time limit reached"
        name = signal.Signals(sig).name if sig in signal.Signals._value2member_map_ else sig
        return Status.CRASHED, f"{context}: killed by signal {name}"
    tail = report.output.strip().splitlines()[-1:] if report.output.strip() else []
    if tail and "MemoryError" in tail[0]:
        return Status.MEMORY, f"{context}: {tail[0]}"
    said = f" ({tail[0][:200]})" if tail else ""
    return Status.ERROR, f"{context}: it exited with code {report.exit_code}{said}"


def _clip(text: str) -> str:
    """A detail as it may be written anywhere: bounded and well-formed (the sandbox's
    text, such as an exception message, may hold lone surrogates or NUL)."""
    text = well_formed(text)
    return text if len(text) <= _DETAIL_LIMIT else text[: _DETAIL_LIMIT - 1] + "…"
