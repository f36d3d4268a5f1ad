"""The codec bounds what decoding can cost the trusted side: values, nesting, time.

Hostile texts are refused before they are parsed; honest values at the bound pass; a
program in the sandbox that sends a hostile frame gets a verdict, and the checker's
memory stays small, on both backends.
"""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Iterator
from typing import Any

import pytest

from fairclimb.evaluate._checker import check_program, compile_task
from fairclimb.evaluate._records import Status
from fairclimb.sandbox import CodecError, Limits, Sandbox, bubblewrap_works, select_backend
from fairclimb.sandbox._codec import MAX_DEPTH, MAX_OBJECTS, decode, encode, encode_value, loads
from fairclimb.suites import Task

MIB = 1 << 20

HOSTILE_TEXTS = {
    "empty lists": "[" + "[]," * (3 * MAX_OBJECTS) + "[]]",
    "empty tuples": "[" + '{"t":[]},' * (2 * MAX_OBJECTS) + "0]",
    "zeros": "[" + "0," * (5 * MAX_OBJECTS) + "0]",
    "dict pairs": '{"d":[' + "[0,0]," * (2 * MAX_OBJECTS) + "[0,0]]}",
    "nested deep": "[" * 200_000 + "]" * 200_000,
}


@pytest.mark.parametrize("name", sorted(HOSTILE_TEXTS))
def test_hostile_texts_are_refused_cheaply(name: str) -> None:
    text = HOSTILE_TEXTS[name]
    tracemalloc.start()
    started = time.monotonic()
    try:
        with pytest.raises(CodecError):
            decode(text)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert time.monotonic() - started < 5
    # Nothing like the gigabytes the parser would have built: the text itself at most.
    assert peak < 3 * len(text) + 64 * MIB, peak


def test_strings_full_of_commas_are_not_counted_as_values() -> None:
    text = encode(["a,b:[{" * 1_000_000, "x"])
    assert decode(text) == ["a,b:[{" * 1_000_000, "x"]


@pytest.mark.parametrize("value", [
    list(range(MAX_OBJECTS - 1)),
    [()] * (MAX_OBJECTS // 2 - 1),
    {i: i for i in range((MAX_OBJECTS - 2) // 3)},
])
def test_what_encodes_within_the_bound_also_decodes(value: Any) -> None:
    assert decode(encode(value)) == value


@pytest.mark.parametrize("value", [
    list(range(MAX_OBJECTS + 1)),
    [[]] * MAX_OBJECTS,
    {i: None for i in range(MAX_OBJECTS // 3 + 1)},
])
def test_encoding_refuses_what_decoding_would(value: Any) -> None:
    with pytest.raises(CodecError, match="too large"):
        encode_value(value)


def test_loads_keeps_the_nesting_bound_to_decode() -> None:
    deep = "[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5)
    assert isinstance(loads(deep), list)
    with pytest.raises(CodecError):
        decode(deep)


# -- from a real sandbox ------------------------------------------------------------

LIMITS = Limits(wall_s=10.0, memory_bytes=512 << 20)
TASK = Task(task_id="test-bounds/f", suite="test-bounds", prompt="", entry_point="f",
            reference="def f():\n    return 1\n",
            tests="def check(candidate):\n    assert candidate() == 1\n", reference_whole=True)
# Writes its own answer frame: 60 MB of "[]," (20 million lists once parsed), under the
# 64 MiB frame limit, then waits to be killed.
RAW_FRAME = """
import socket, struct, time

def f():
    body = b'["return",1,[' + b'[],' * 20_000_000 + b'[]]]'
    channel = socket.socket(fileno=3)
    channel.sendall(struct.pack('>I', len(body)) + body)
    time.sleep(60)
"""
# An honest program whose answer is too large: told so by the codec in the sandbox.
TOO_LARGE = "def f():\n    return [[] for _ in range(3_000_000)]\n"


@pytest.fixture(scope="module", params=["bwrap", "rlimits"])
def sandbox(request: pytest.FixtureRequest) -> Iterator[Sandbox]:
    if request.param == "bwrap" and not bubblewrap_works():
        pytest.skip("bubblewrap is missing or cannot create namespaces here")
    with Sandbox(select_backend(request.param), LIMITS) as started:
        yield started


@pytest.mark.slow
@pytest.mark.parametrize(("program", "phrase"), [
    (RAW_FRAME, "invalid answer"), (TOO_LARGE, "too large")])
def test_a_huge_answer_is_a_verdict_and_costs_the_checker_little(
        sandbox: Sandbox, program: str, phrase: str) -> None:
    compiled = compile_task(TASK)
    tracemalloc.start()
    try:
        verdict = check_program(sandbox, compiled, program)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert verdict.status is Status.FAILED, verdict
    assert phrase in verdict.detail, verdict
    # The frame itself is held once (64 MiB at most); nothing is built from it.
    assert peak < 200 * MIB, peak
