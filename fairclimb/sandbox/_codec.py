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

This module is also executed inside the sandbox (its source is prepended to the
zygote's), so it uses the standard library only and no ``from __future__`` import.
"""

import base64
import json
import math
from typing import Any, NoReturn

__all__ = ["CodecError", "decode", "decode_value", "encode", "encode_value"]

MAX_DEPTH = 100
# About 120,000 decimal digits: beyond any honest answer, and small enough that trusted
# arithmetic on it (say, a test evaluating a polynomial at it) stays quick.
_MAX_HEX_DIGITS = 100_000
_INT_LIMIT = 1 << 63


class CodecError(ValueError):
    """A value that is not plain data, or text that is not of the codec's form."""


def encode_value(value: Any, depth: int = 0) -> Any:
    """Encode *value* into JSON-ready data; subclasses of built-ins become built-ins."""
    if depth > MAX_DEPTH:
        raise CodecError(f"value nested deeper than {MAX_DEPTH} levels")
    kind = type(value)
    if value is None or kind is bool or kind is str:
        return value
    if kind is int:
        return value if -_INT_LIMIT < value < _INT_LIMIT else {"i": hex(value)}
    if kind is float:
        return value if math.isfinite(value) else {"f": repr(value)}
    if kind is list:
        return [encode_value(item, depth + 1) for item in value]
    # Subclasses of built-ins (Counter, defaultdict, namedtuple, IntEnum…) are read
    # through the base type's own methods, so an overridden __iter__ or __int__ cannot
    # change what is sent; the trusted side rebuilds plain objects anyway. The checks
    # use the real type, not isinstance, which a faked __class__ could fool.
    if issubclass(kind, int):
        return encode_value(int.__int__(value), depth)
    if issubclass(kind, float):
        return encode_value(float.__float__(value), depth)
    if issubclass(kind, str):
        return str.__str__(value)
    if issubclass(kind, list):
        return [encode_value(item, depth + 1) for item in list.__iter__(value)]
    if issubclass(kind, tuple):
        return {"t": [encode_value(item, depth + 1) for item in tuple.__iter__(value)]}
    if issubclass(kind, dict):
        return {"d": [[encode_value(k, depth + 1), encode_value(v, depth + 1)]
                      for k, v in dict.items(value)]}
    if issubclass(kind, frozenset):
        return {"fs": [encode_value(item, depth + 1) for item in frozenset.__iter__(value)]}
    if issubclass(kind, set):
        return {"s": [encode_value(item, depth + 1) for item in set.__iter__(value)]}
    if issubclass(kind, (bytes, bytearray)):
        return {"b": base64.b64encode(bytes(value)).decode("ascii")}
    if issubclass(kind, complex):
        return {"c": [encode_value(complex.__getattribute__(value, "real"), depth + 1),
                      encode_value(complex.__getattribute__(value, "imag"), depth + 1)]}
    raise CodecError(f"an object of type {kind.__name__!r} is not plain data")


def encode(value: Any) -> str:
    """Encode *value* as JSON text."""
    return json.dumps(encode_value(value), separators=(",", ":"), allow_nan=False)


def _reject_constant(name: str) -> NoReturn:
    raise CodecError(f"bare {name} is not allowed; non-finite floats are tagged")


def decode(text: str | bytes) -> Any:
    """Decode JSON text of the codec's form into fresh built-in objects."""
    try:
        raw = json.loads(text, parse_constant=_reject_constant)
    except RecursionError:
        raise CodecError("value nested too deeply") from None
    except ValueError as exc:
        raise CodecError(f"not codec text: {exc}") from None
    return decode_value(raw)


def decode_value(raw: Any, depth: int = 0) -> Any:
    """Turn JSON-decoded data of the codec's form into plain Python values."""
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
        return [decode_value(item, depth + 1) for item in raw]
    if kind is not dict or len(raw) != 1:
        raise CodecError("an object must have exactly one tag")
    ((tag, body),) = raw.items()
    try:
        return _DECODERS[tag](body, depth + 1)
    except KeyError:
        raise CodecError(f"unknown tag {tag!r}") from None
    except (TypeError, ValueError) as exc:
        if isinstance(exc, CodecError):
            raise
        raise CodecError(f"malformed {tag!r} value: {exc}") from None


def _items(body: Any, depth: int) -> list[Any]:
    if type(body) is not list:
        raise CodecError("a collection must be a list")
    return [decode_value(item, depth) for item in body]


def _decode_dict(body: Any, depth: int) -> dict[Any, Any]:
    result: dict[Any, Any] = {}
    for pair in _items(body, depth):
        if type(pair) is not list or len(pair) != 2:
            raise CodecError("a dict item must be a [key, value] pair")
        result[pair[0]] = pair[1]  # TypeError for unhashable keys → CodecError
    return result


def _decode_int(body: Any, depth: int) -> int:
    if type(body) is not str or len(body) > _MAX_HEX_DIGITS:
        raise CodecError(f"a tagged int must be a hex string of at most {_MAX_HEX_DIGITS} digits")
    return int(body, 16)


def _decode_float(body: Any, depth: int) -> float:
    if body not in ("nan", "inf", "-inf"):
        raise CodecError("a tagged float must be nan, inf or -inf")
    return float(body)


def _decode_bytes(body: Any, depth: int) -> bytes:
    if type(body) is not str:
        raise CodecError("bytes must be a base64 string")
    return base64.b64decode(body.encode("ascii"), validate=True)


def _decode_complex(body: Any, depth: int) -> complex:
    parts = _items(body, depth)
    if len(parts) != 2 or any(type(p) not in (int, float) for p in parts):
        raise CodecError("a complex must be [real, imag]")
    return complex(parts[0], parts[1])


_DECODERS: dict[str, Any] = {
    "t": lambda body, depth: tuple(_items(body, depth)),
    "s": lambda body, depth: set(_items(body, depth)),
    "fs": lambda body, depth: frozenset(_items(body, depth)),
    "d": _decode_dict,
    "i": _decode_int,
    "f": _decode_float,
    "b": _decode_bytes,
    "c": _decode_complex,
}
