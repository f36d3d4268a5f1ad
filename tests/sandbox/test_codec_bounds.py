"""The codec bounds what decoding can cost the trusted side: values, nesting, time.

Hostile texts are refused before they are parsed, and honest values at the bound pass
(``tests/evaluate/test_checker_bounds.py`` sends such texts from real sandboxes).
"""

from __future__ import annotations

import json
import time
import tracemalloc
from typing import Any

import pytest

from fairclimb.sandbox import CodecError
from fairclimb.sandbox._codec import MAX_DEPTH, MAX_OBJECTS, decode, encode, encode_value, loads

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


# Ints that Python hashes alike (hash is modulo 2**61 - 1): a set or dict of them is
# built in quadratic time, inside one C call that no alarm can interrupt.
_M = (1 << 61) - 1
_BIG = [{"i": hex(i * _M)} for i in range(4, 60_000)]
COLLIDING = [json.dumps({"s": _BIG}), json.dumps({"fs": _BIG}),
             json.dumps({"d": [[key, 0] for key in _BIG]}), json.dumps({"s": [1] * 60_000})]


@pytest.mark.parametrize("text", COLLIDING, ids=["set", "frozenset", "dict", "repeats"])
def test_sets_and_dicts_of_colliding_hashes_are_refused_quickly(text: str) -> None:
    started = time.monotonic()
    with pytest.raises(CodecError, match="hash"):
        decode(text)
    assert time.monotonic() - started < 2


@pytest.mark.parametrize("value", [
    set(range(-50_000, 50_000)),  # -1 and -2 hash alike, as some honest values do
    frozenset(f"w{i}" for i in range(50_000)),
    {(i, -i): i for i in range(50_000)},
    {i * 0.5 for i in range(50_000)},
])
def test_honest_sets_and_dicts_decode(value: Any) -> None:
    assert decode(encode(value)) == value
