"""The codec across Node: JavaScript values come back as the plain data they stand for."""

from __future__ import annotations

import math
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from fairclimb.sandbox import CallKind, Limits, Sandbox, find_node, select_backend

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")

# (JavaScript expression, the Python value it must arrive as)
RETURNED: list[tuple[str, Any]] = [
    ("42", 42), ("-0", 0), ("2 ** 53 - 1", 2**53 - 1), ("1.5", 1.5), ("-2.25e-10", -2.25e-10),
    ("2 ** 60", float(2**60)), ("1e21", 1e21), ("Infinity", math.inf), ("-Infinity", -math.inf),
    ("'text ✓'", "text ✓"), ("''", ""), ("true", True), ("false", False), ("null", None),
    ("undefined", None), ("[1, [2, 'x'], []]", [1, [2, "x"], []]), ("[ , 1]", [None, 1]),
    ("({a: 1, b: {c: [true]}})", {"a": 1, "b": {"c": [True]}}), ("({})", {}),
    ("Object.assign(Object.create(null), {k: 1})", {"k": 1}),
    ("({['__proto__']: 1})", {"__proto__": 1}), ("10n ** 30n", 10**30), ("-(2n ** 70n)", -(2**70)),
    ("5n", 5), ("Object.defineProperty({a: 1}, 'hidden', {value: 2})", {"a": 1}),
]

UNENCODABLE = ["() => 1", "new Date(0)", "new Map()", "new Set([1])", "Symbol('s')",
               "new Number(5)", "new (class A {})()", "Promise.resolve(1)",
               "new Proxy({}, {})", "(() => { const a = []; a.push(a); return a; })()",
               "({get x() { return 1; }})", "({[Symbol('k')]: 1})", "new Uint8Array(2)",
               "({valueOf() { return 1; }})", "({toJSON() { return 1; }})"]

# Python arguments and what JavaScript's identity gives back.
ECHOED: list[tuple[Any, Any]] = [
    (0, 0), (-7, -7), (2.5, 2.5), ("s", "s"), (None, None), (True, True),
    ([1, [2, None]], [1, [2, None]]), ((1, 2), [1, 2]), ({"a": (1,)}, {"a": [1]}),
    ({1: "int key"}, {"1": "int key"}), ({"__proto__": 1}, {"__proto__": 1}),
    (2**70, 2**70), (-(2**64) - 1, -(2**64) - 1), (math.inf, math.inf), (-math.inf, -math.inf),
]


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(select_backend("auto"), Limits(wall_s=20.0), node=find_node()) as started:
        yield started


def test_returned_values(sandbox: Sandbox) -> None:
    cases = "[" + ", ".join(f"() => ({expression})" for expression, _ in RETURNED) + "]"
    execution = sandbox.execute(f"const cases = {cases};\nfunction f(i) {{ return cases[i](); }}",
                                "f", language="javascript")
    try:
        assert execution.load().ok
        for index, (expression, expected) in enumerate(RETURNED):
            result = execution.call((index,), {})
            assert result.kind is CallKind.RETURNED, (expression, result)
            assert result.value == expected and type(result.value) is type(expected), expression
    finally:
        execution.finish()


def test_nan_comes_back_as_nan(sandbox: Sandbox) -> None:
    execution = sandbox.execute("function f() { return [NaN, 0 / 0]; }", "f",
                                language="javascript")
    try:
        assert execution.load().ok
        value = execution.call((), {}).value
        assert len(value) == 2 and all(math.isnan(item) for item in value)
    finally:
        execution.finish()


def test_values_that_are_not_plain_data(sandbox: Sandbox) -> None:
    cases = "[" + ", ".join(f"() => ({expression})" for expression in UNENCODABLE) + "]"
    execution = sandbox.execute(f"const cases = {cases};\nfunction f(i) {{ return cases[i](); }}",
                                "f", language="javascript")
    try:
        assert execution.load().ok
        for index, expression in enumerate(UNENCODABLE):
            result = execution.call((index,), {})
            assert result.kind is CallKind.UNENCODABLE, (expression, result)
    finally:
        execution.finish()


def test_arguments_round_trip(sandbox: Sandbox) -> None:
    execution = sandbox.execute("const f = (x) => x;", "f", language="javascript")
    try:
        assert execution.load().ok
        for argument, expected in ECHOED:
            result = execution.call((argument,), {})
            assert result.kind is CallKind.RETURNED, (argument, result)
            assert result.value == expected and type(result.value) is type(expected), argument
        refused = execution.call((1,), {"keyword": 2})
        assert refused.kind is CallKind.RAISED and "keyword" in refused.message
    finally:
        execution.finish()
