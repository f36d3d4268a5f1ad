"""The plain-data codec between the trusted side and the sandbox.

Values cross the boundary as JSON text in which lists and scalars are themselves and
every other plain type is a one-key object::

    {"t": [...]}  tuple        {"s": [...]}  set         {"fs": [...]} frozenset
    {"d": [[k, v], ...]} dict  {"b": "<base64>"} bytes    {"i": "<hex>"} int beyond 2**63
    {"f": "nan"|"inf"|"-inf"} non-finite float             {"c": [re, im]} complex

:func:`decode` is the trusted side's only way to read what the sandbox says. It builds
fresh built-in objects, so whatever the candidate returned, the trusted side compares
real ``int``, ``list``, ``dict``… whose ``__eq__`` it can trust. Anything that is not of
this form is rejected with :class:`CodecError`.

Decoding is bounded in what it can cost the trusted side: at most :data:`MAX_DEPTH`
levels of nesting and :data:`MAX_OBJECTS` values in all, counted in the text *before*
it is parsed (:func:`loads`), so a frame of ``[[],[],…]`` is refused instead of
growing into gigabytes of lists. Encoding keeps the same bounds, so an honest program
that returns more is told its value is too large instead of being cut off.

This module is also executed inside the sandbox (its source is prepended to the
zygote's), so it uses the standard library only and no ``from __future__`` import.
"""

import base64
import json
import math
import re
from typing import Any, NoReturn

__all__ = ["CodecError", "decode", "decode_value", "encode", "encode_value", "loads"]

MAX_DEPTH = 100
# Values in one value, counted as JSON nodes of its encoded form (a scalar or a
# collection is one; a dict entry is three, its [key, value] pair and both): far
# beyond any honest answer or argument (the heavy inputs hold some tens of thousands),
# and few enough that parsing and rebuilding them costs the checker about 150 MB and
# well under a second.
MAX_OBJECTS = 500_000
# Structural marks ("[{,:" outside strings) a text may hold: a value within
# MAX_OBJECTS never has more than 4 per node (an empty tuple, {"t":[]}, and its comma).
_MAX_MARKS = 4 * MAX_OBJECTS
# A JSON string once its escapes are gone, so that what it holds is not structure.
_BARE_STRING = re.compile(rb'"[^"]*"')
_STRUCTURE = (b"[", b"{", b",", b":")
# Sets and dicts larger than this have their keys' hashes checked for collisions.
_SPREAD_FROM = 1000
# About 120,000 decimal digits: beyond any honest answer, and small enough that trusted
# arithmetic on it (say, a test evaluating a polynomial at it) stays quick.
_MAX_HEX_DIGITS = 100_000
_INT_LIMIT = 1 << 63


class CodecError(ValueError):
    """A value that is not plain data, or text that is not of the codec's form."""


class _Budget:
    """How many more values one encode or decode may produce."""

    __slots__ = ("left",)

    def __init__(self) -> None:
        self.left = MAX_OBJECTS

    def take(self, count: int) -> None:
        self.left -= count
        if self.left < 0:
            raise CodecError(f"value too large: more than {MAX_OBJECTS} objects")


def encode_value(value: Any, depth: int = 0, budget: _Budget | None = None) -> Any:
    """Encode *value* into JSON-ready data; subclasses of built-ins become built-ins.

    :class:`CodecError` when it is not plain data, nested deeper than
    :data:`MAX_DEPTH` or holds more than :data:`MAX_OBJECTS` values.
    """
    if budget is None:
        budget = _Budget()
    budget.take(1)
    return _encode(value, depth, budget)


def _encode(value: Any, depth: int, budget: _Budget) -> Any:
    if depth > MAX_DEPTH:
        raise CodecError(f"value nested deeper than {MAX_DEPTH} levels")
    # The value itself was charged by its container (or by encode_value, at the root);
    # a collection charges its items, so there is one call per collection, not per item.
    kind = type(value)
    if value is None or kind is bool or kind is str:
        return value
    if kind is int:
        return value if -_INT_LIMIT < value < _INT_LIMIT else {"i": hex(value)}
    if kind is float:
        return value if math.isfinite(value) else {"f": repr(value)}
    if kind is list:
        budget.take(len(value))
        return [_encode(item, depth + 1, budget) for item in value]
    # Subclasses of built-ins (Counter, defaultdict, namedtuple, IntEnum…) are read
    # through the base type's own methods, so an overridden __iter__ or __int__ cannot
    # change what is sent; the trusted side rebuilds plain objects anyway. The checks
    # use the real type, not isinstance, which a faked __class__ could fool.
    if issubclass(kind, int):
        return _encode(int.__int__(value), depth, budget)
    if issubclass(kind, float):
        return _encode(float.__float__(value), depth, budget)
    if issubclass(kind, str):
        return str.__str__(value)
    if issubclass(kind, list):
        budget.take(list.__len__(value))
        return [_encode(item, depth + 1, budget) for item in list.__iter__(value)]
    if issubclass(kind, tuple):
        budget.take(tuple.__len__(value))
        return {"t": [_encode(item, depth + 1, budget) for item in tuple.__iter__(value)]}
    if issubclass(kind, dict):
        budget.take(3 * dict.__len__(value))  # each entry: its [key, value] pair and both
        return {"d": [[_encode(k, depth + 1, budget), _encode(v, depth + 1, budget)]
                      for k, v in dict.items(value)]}
    if issubclass(kind, frozenset):
        budget.take(frozenset.__len__(value))
        return {"fs": [_encode(item, depth + 1, budget) for item in frozenset.__iter__(value)]}
    if issubclass(kind, set):
        budget.take(set.__len__(value))
        return {"s": [_encode(item, depth + 1, budget) for item in set.__iter__(value)]}
    if issubclass(kind, (bytes, bytearray)):
        return {"b": base64.b64encode(bytes(value)).decode("ascii")}
    if issubclass(kind, complex):
        budget.take(2)
        return {"c": [_encode(complex.__getattribute__(value, "real"), depth + 1, budget),
                      _encode(complex.__getattribute__(value, "imag"), depth + 1, budget)]}
    raise CodecError(f"an object of type {kind.__name__!r} is not plain data")


def encode(value: Any) -> str:
    """Encode *value* as JSON text."""
    return json.dumps(encode_value(value), separators=(",", ":"), allow_nan=False)


def _reject_constant(name: str) -> NoReturn:
    raise CodecError(f"bare {name} is not allowed; non-finite floats are tagged")


def loads(text: str | bytes) -> Any:
    """Parse JSON text (a sandbox frame, say) whose values the codec's bounds allow.

    Before anything is built, the text's structure (brackets, commas, colons outside
    strings) is counted: more than :data:`MAX_OBJECTS` values is :class:`CodecError`,
    so the parser never holds more than that. Nesting deeper than the parser's own
    recursion limit is :class:`CodecError` too; :func:`decode_value` then applies
    :data:`MAX_DEPTH`.
    """
    # Every JSON node but the first follows one of "[{,:", so the marks bound what the
    # parser builds; a text shorter than the bound cannot hold more.
    if len(text) > _MAX_MARKS:
        data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
        if _marks(data) > _MAX_MARKS:
            raise CodecError(f"value too large: more than {MAX_OBJECTS} objects")
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except RecursionError:
        raise CodecError("value nested too deeply") from None
    except ValueError as exc:
        raise CodecError(f"not codec text: {exc}") from None


def _marks(data: bytes) -> int:
    """The structural marks of JSON *data*, not counting those inside its strings
    (more than the bound when it holds more strings than a value may)."""
    count = sum(data.count(mark) for mark in _STRUCTURE)
    if count <= _MAX_MARKS:
        return count
    # Strings may hold marks too. Without its escapes (an escaped backslash first, so
    # that what remains of a backslash escapes the next character), a string is
    # "[^"]*"; each is a value, so more than MAX_OBJECTS of them is too many anyway.
    bare = data.replace(b"\\\\", b"").replace(b'\\"', b"")
    if bare.count(b'"') > 2 * MAX_OBJECTS:
        return _MAX_MARKS + 1
    bare = _BARE_STRING.sub(b"", bare)
    return sum(bare.count(mark) for mark in _STRUCTURE)


def decode(text: str | bytes) -> Any:
    """Decode JSON text of the codec's form into fresh built-in objects."""
    return decode_value(loads(text))


def decode_value(raw: Any, depth: int = 0, budget: _Budget | None = None) -> Any:
    """Turn JSON-decoded data of the codec's form into plain Python values.

    :class:`CodecError` when it is not of the codec's form, nested deeper than
    :data:`MAX_DEPTH` or holds more than :data:`MAX_OBJECTS` values.
    """
    if budget is None:
        budget = _Budget()
    budget.take(1)
    return _decode(raw, depth, budget)


def _decode(raw: Any, depth: int, budget: _Budget) -> Any:
    # Charged as encoding charges: by the container, for all its items at once.
    kind = type(raw)
    if raw is None or kind is bool or kind is str or kind is float:
        return raw
    if kind is int:
        if -_INT_LIMIT < raw < _INT_LIMIT:
            return raw
        raise CodecError("large integers must be tagged")
    if depth > MAX_DEPTH:  # the same bound as encode_value's
        raise CodecError(f"value nested deeper than {MAX_DEPTH} levels")
    if kind is list:
        budget.take(len(raw))
        return [_decode(item, depth + 1, budget) for item in raw]
    if kind is not dict or len(raw) != 1:
        raise CodecError("an object must have exactly one tag")
    ((tag, body),) = raw.items()
    try:
        return _DECODERS[tag](body, depth + 1, budget)
    except KeyError:
        raise CodecError(f"unknown tag {tag!r}") from None
    except (TypeError, ValueError) as exc:
        if isinstance(exc, CodecError):
            raise
        raise CodecError(f"malformed {tag!r} value: {exc}") from None


def _items(body: Any, depth: int, budget: _Budget) -> list[Any]:
    if type(body) is not list:
        raise CodecError("a collection must be a list")
    budget.take(len(body))
    return [_decode(item, depth, budget) for item in body]


def _decode_dict(body: Any, depth: int, budget: _Budget) -> dict[Any, Any]:
    pairs = _items(body, depth, budget)
    for pair in pairs:
        if type(pair) is not list or len(pair) != 2:
            raise CodecError("a dict item must be a [key, value] pair")
    _spread([pair[0] for pair in pairs])
    return {key: value for key, value in pairs}  # TypeError for unhashable keys


def _hashed(body: Any, depth: int, budget: _Budget) -> list[Any]:
    """The items of a set or frozenset, once they are known to hash apart."""
    items = _items(body, depth, budget)
    _spread(items)
    return items


def _spread(keys: list[Any]) -> None:
    """Refuse many keys that share few hash values (ints equal modulo 2**61 - 1, say):
    a set or dict of them is built in quadratic time, in one call no alarm interrupts.
    Honest sets and dicts hold distinct keys, which almost never hash alike."""
    if len(keys) <= _SPREAD_FROM:
        return
    try:
        distinct = len({hash(key) for key in keys})
    except TypeError:
        return  # an unhashable key: building the set raises, and says so
    if distinct * 2 < len(keys):
        raise CodecError(f"{len(keys)} set items or dict keys share {distinct} hash values")


def _decode_int(body: Any, depth: int, budget: _Budget) -> int:
    if type(body) is not str or len(body) > _MAX_HEX_DIGITS:
        raise CodecError(f"a tagged int must be a hex string of at most {_MAX_HEX_DIGITS} digits")
    return int(body, 16)


def _decode_float(body: Any, depth: int, budget: _Budget) -> float:
    if body not in ("nan", "inf", "-inf"):
        raise CodecError("a tagged float must be nan, inf or -inf")
    return float(body)


def _decode_bytes(body: Any, depth: int, budget: _Budget) -> bytes:
    if type(body) is not str:
        raise CodecError("bytes must be a base64 string")
    return base64.b64decode(body.encode("ascii"), validate=True)


def _decode_complex(body: Any, depth: int, budget: _Budget) -> complex:
    parts = _items(body, depth, budget)
    if len(parts) != 2 or any(type(p) not in (int, float) for p in parts):
        raise CodecError("a complex must be [real, imag]")
    return complex(parts[0], parts[1])


_DECODERS: dict[str, Any] = {
    "t": lambda body, depth, budget: tuple(_items(body, depth, budget)),
    "s": lambda body, depth, budget: set(_hashed(body, depth, budget)),
    "fs": lambda body, depth, budget: frozenset(_hashed(body, depth, budget)),
    "d": _decode_dict,
    "i": _decode_int,
    "f": _decode_float,
    "b": _decode_bytes,
    "c": _decode_complex,
}
