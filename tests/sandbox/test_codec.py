"""The plain-data codec: round trips, strict decoding, subclasses read as their bases."""

from __future__ import annotations

import enum
import math
from collections import Counter, OrderedDict, defaultdict, namedtuple
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fairclimb.sandbox import CodecError
from fairclimb.sandbox._codec import MAX_DEPTH, decode, decode_value, encode, encode_value


def same(a: Any, b: Any) -> bool:
    """Equality that also checks exact types, float signs and NaN (NaN equals NaN)."""
    if type(a) is not type(b):
        return False
    if type(a) is float:
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)
    if type(a) is complex:
        return same(a.real, b.real) and same(a.imag, b.imag)
    if type(a) in (list, tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if type(a) is dict:
        return len(a) == len(b) and all(
            same(ka, kb) and same(va, vb)
            for (ka, va), (kb, vb) in zip(a.items(), b.items(), strict=True))
    if type(a) in (set, frozenset):
        return len(a) == len(b) and all(any(same(x, y) for y in b) for x in a)
    return bool(a == b)


BOUNDARY_INTS = [0, 2**63 - 1, -(2**63) + 1, 2**63, -(2**63), 2**64, -(2**64), 10**100,
                 -(10**300)]
huge_ints = st.integers(min_value=-(2**4000), max_value=2**4000)
ints = st.integers() | huge_ints | st.sampled_from(BOUNDARY_INTS)
floats = st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from(
    [0.0, -0.0, math.inf, -math.inf, math.nan, 5e-324, 1.7976931348623157e308])

# Keys and set members: hashable, and without NaN (NaN is never equal to itself, so a
# set holding one cannot be compared with anything).
hashable_scalars = (st.none() | st.booleans() | ints | st.floats(allow_nan=False)
                    | st.text() | st.binary())
hashables = st.recursive(
    hashable_scalars,
    lambda inner: st.lists(inner, max_size=4).map(tuple) | st.frozensets(inner, max_size=4),
    max_leaves=8,
)
scalars = (st.none() | st.booleans() | ints | floats | st.text() | st.binary()
           | st.complex_numbers())
plain = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=5)
        | st.lists(inner, max_size=5).map(tuple)
        | st.dictionaries(hashables, inner, max_size=5)
        | st.sets(hashables, max_size=5)
        | st.frozensets(hashables, max_size=5)
    ),
    max_leaves=25,
)


@given(plain)
def test_round_trip_through_text(value: Any) -> None:
    assert same(decode(encode(value)), value)


@given(plain)
def test_round_trip_through_values(value: Any) -> None:
    assert same(decode_value(encode_value(value)), value)


@given(st.lists(plain, max_size=4), st.dictionaries(st.text(), plain, max_size=4))
def test_call_arguments_round_trip(args: list[Any], kwargs: dict[str, Any]) -> None:
    # The shape the trusted side sends for a call: positional list, keyword dict.
    assert same(decode_value(encode_value(args)), args)
    assert same(decode_value(encode_value(kwargs)), kwargs)


@pytest.mark.parametrize("value", BOUNDARY_INTS, ids=str)
def test_boundary_ints_round_trip(value: int) -> None:
    assert same(decode(encode(value)), value)


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, -0.0], ids=repr)
def test_special_floats_round_trip(value: float) -> None:
    assert same(decode(encode(value)), value)


# -------------------------------------------------------------- strict decoding

def _nested(opening: str, closing: str, levels: int, inner: str = "") -> str:
    return opening * levels + inner + closing * levels


MALFORMED = {
    "unknown-tag": '{"x": 1}',
    "two-keys": '{"t": [], "s": []}',
    "no-key": "{}",
    "bare-NaN": "NaN",
    "bare-Infinity": "Infinity",
    "bare-minus-Infinity": "-Infinity",
    "NaN-inside": '{"t": [1, NaN]}',
    "untagged-2**63": str(2**63),
    "untagged-minus-2**63": str(-(2**63)),
    "untagged-big-int-inside": f"[1, {2**64}]",
    "too-deep-lists": _nested("[", "]", MAX_DEPTH + 2),
    "too-deep-tuples": _nested('{"t": [', "]}", MAX_DEPTH + 2),
    "too-deep-mixed": _nested('[{"t": [', "]}]", MAX_DEPTH // 2 + 1),
    "deep-beyond-recursion": _nested("[", "]", 100_000),
    "int-tag-not-string": '{"i": 5}',
    "int-tag-not-hex": '{"i": "xyz"}',
    "int-tag-too-long": '{"i": "' + "f" * 100_001 + '"}',
    "float-tag-finite": '{"f": "1.5"}',
    "float-tag-number": '{"f": 1.5}',
    "bytes-not-base64": '{"b": "not base64!"}',
    "bytes-not-string": '{"b": 5}',
    "bytes-not-ascii": '{"b": "é"}',
    "dict-item-not-pair": '{"d": [[1]]}',
    "dict-unhashable-key": '{"d": [[[1], 2]]}',
    "dict-body-not-list": '{"d": 5}',
    "set-unhashable-member": '{"s": [[1]]}',
    "frozenset-unhashable-member": '{"fs": [{"d": []}]}',
    "tuple-body-not-list": '{"t": 5}',
    "complex-one-part": '{"c": [1]}',
    "complex-string-part": '{"c": ["a", 1]}',
    "not-json": "not json",
    "empty": "",
    "truncated": "[1,",
}


@pytest.mark.parametrize("text", MALFORMED.values(), ids=MALFORMED.keys())
def test_decode_rejects_malformed_text(text: str) -> None:
    with pytest.raises(CodecError):
        decode(text)


def test_decode_accepts_exactly_max_depth_levels() -> None:
    assert decode(_nested("[", "]", MAX_DEPTH, "0")) is not None
    assert decode(_nested("[", "]", MAX_DEPTH)) is not None


@pytest.mark.parametrize("empty", [[], (), {}], ids=["list", "tuple", "dict"])
def test_what_encodes_also_decodes_at_the_depth_limit(empty: Any) -> None:
    value: Any = empty
    for _ in range(MAX_DEPTH):
        value = [value]
    text = encode(value)  # accepted: nothing deeper than MAX_DEPTH levels
    assert same(decode(text), value)


class _Opaque:
    pass


def _self_referential() -> list[Any]:
    loop: list[Any] = []
    loop.append(loop)
    return loop


def _too_deep() -> list[Any]:
    value: Any = 0
    for _ in range(MAX_DEPTH + 1):
        value = [value]
    return value  # type: ignore[no-any-return]


NOT_PLAIN = {
    "object": _Opaque(),
    "generator": (i for i in range(3)),
    "function": len,
    "lambda": lambda: 0,
    "type": int,
    "module": math,
    "memoryview": memoryview(b"ab"),
    "range": range(3),
    "self-referential-list": _self_referential(),
    "too-deep": _too_deep(),
    "object-inside": [1, {"k": _Opaque()}],
}


@pytest.mark.parametrize("value", NOT_PLAIN.values(), ids=NOT_PLAIN.keys())
def test_encode_rejects_what_is_not_plain_data(value: Any) -> None:
    with pytest.raises(CodecError):
        encode(value)


# ------------------------------------------------------------------ subclasses

Point = namedtuple("Point", "x y")


class Colour(enum.IntEnum):
    RED = 1


class Flags(enum.IntFlag):
    A = 1
    B = 2


class Name(enum.StrEnum):
    ALICE = "alice"


class LyingList(list[int]):
    def __iter__(self) -> Any:
        return iter([99])

    def __len__(self) -> int:
        return 1


class LyingInt(int):
    def __int__(self) -> int:
        return 99

    def __index__(self) -> int:
        return 99

    def __eq__(self, other: object) -> bool:
        return True

    __hash__ = int.__hash__


class LyingFloat(float):
    def __float__(self) -> float:
        return 99.0


class LyingStr(str):
    __slots__ = ()

    def __str__(self) -> str:
        return "lie"


class LyingDict(dict[str, int]):
    def items(self) -> Any:
        return [("lie", 99)]


SUBCLASSES = [
    pytest.param(Counter("aab"), {"a": 2, "b": 1}, id="Counter"),
    pytest.param(OrderedDict([("b", 1), ("a", 2)]), {"b": 1, "a": 2}, id="OrderedDict"),
    pytest.param(defaultdict(list, {"k": [1]}), {"k": [1]}, id="defaultdict"),
    pytest.param(Point(1, 2), (1, 2), id="namedtuple"),
    pytest.param(Colour.RED, 1, id="IntEnum"),
    pytest.param(Flags.A | Flags.B, 3, id="IntFlag"),
    pytest.param(Name.ALICE, "alice", id="StrEnum"),
    pytest.param(True, True, id="bool-True"),
    pytest.param(False, False, id="bool-False"),
    pytest.param([True, 1, 1.0], [True, 1, 1.0], id="bool-int-float-kept-apart"),
    pytest.param(bytearray(b"ab"), b"ab", id="bytearray"),
    pytest.param(LyingList([1, 2]), [1, 2], id="list-lying-iter"),
    pytest.param(LyingInt(5), 5, id="int-lying-int"),
    pytest.param(LyingFloat(0.5), 0.5, id="float-lying-float"),
    pytest.param(LyingStr("truth"), "truth", id="str-lying-str"),
    pytest.param(LyingDict(k=1), {"k": 1}, id="dict-lying-items"),
    pytest.param({Colour.RED: Point(1, 2)}, {1: (1, 2)}, id="nested-subclasses"),
]


@pytest.mark.parametrize(("value", "plain"), SUBCLASSES)
def test_subclasses_encode_as_their_base_types(value: Any, plain: Any) -> None:
    decoded = decode(encode(value))
    assert same(decoded, plain), (decoded, plain)
