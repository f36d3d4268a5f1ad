"""Battle files read as columns (pyarrow): millions of battles without a Python object each.

The same files as :func:`~fairclimb.arena.read_battles` (JSONL in FastChat's format), and
Parquet with the same columns. Validation is column-wise; the first bad line is then
handed to the row reader's own check, so the one-line ``file:line:`` error is the very
sentence :func:`read_battles` gives. Where the columns cannot say exactly what the row
reader would (a JSON list, answers or features for style control, a line pyarrow does
not parse, odd line breaks), :func:`read_battle_columns` returns None and the caller
reads rows: slower, never different.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from fairclimb.arena._battle_io import BattlesFileError, Winner, _battle

__all__ = ["BattleColumns", "Labels", "no_battles", "read_battle_columns"]

Floats = NDArray[Any]  # float64 throughout; numpy's stubs widen results
Ints = NDArray[np.int64]
Bools = NDArray[np.bool_]

_STRINGS = ("model_a", "model_b", "winner", "judge", "language", "category")
_NUMBERS = ("weight", "tstamp")
# Style control needs per-battle answers or features: the row reader computes those.
_STYLE = ("features_a", "features_b", "answer_a", "answer_b")
_LIST = re.compile(rb"[ \t\r\n]*\[")  # a JSON list of battles
_NULL_WEIGHT = re.compile(rb'"weight"\s*:\s*null')
_CHUNK = 1 << 24  # bytes scanned at a time for the line shape: bounds memory


@dataclass(frozen=True)
class Labels:
    """A column of optional strings as codes into ``labels`` (-1: none given)."""

    codes: NDArray[np.int32]
    labels: tuple[str, ...]

    def equals(self, value: str) -> Bools:
        if value not in self.labels:
            return np.zeros(self.codes.size, dtype=bool)
        matched: Bools = self.codes == self.labels.index(value)
        return matched

    @classmethod
    def of(cls, values: list[str | None]) -> Labels:
        labels = tuple(sorted({v for v in values if v is not None}))
        index = {v: i for i, v in enumerate(labels)}
        return cls(np.array([-1 if v is None else index[v] for v in values], dtype=np.int32),
                   labels)


@dataclass(frozen=True)
class BattleColumns:
    """Battles as columns: model indices into ``models``, A's score, weight, filters."""

    models: tuple[str, ...]
    a: Ints
    b: Ints
    score_a: Floats
    weight: Floats
    excluded: Bools
    category: Labels
    language: Labels

    def __len__(self) -> int:
        return int(self.a.size)


def read_battle_columns(path: Path) -> BattleColumns | None:
    """Read a JSONL or Parquet battle file as columns; None where rows must be read."""
    if path.suffix.lower() == ".parquet":
        return _from_parquet(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise BattlesFileError(f"cannot read battle file {path}: {exc}") from None
    if _LIST.match(data) or _odd_breaks(data):
        return None
    import pyarrow as pa
    import pyarrow.json as pajson

    lines, one_object_each = _line_shape(data)  # before the parse: its arrays are gone
    try:
        table = pajson.read_json(pa.py_buffer(data), parse_options=pajson.ParseOptions(
            explicit_schema=_schema(style=True), unexpected_field_behavior="ignore"))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None  # the row reader names the line and what is wrong with it
    if table.num_rows == 0:
        raise no_battles(path)
    if any(table.column(key).null_count < table.num_rows for key in _STYLE):
        return None  # answers or features for style control: the row reader has them
    if not one_object_each or lines != table.num_rows:
        return None  # two objects on a line, or one over two: the row reader refuses it
    if table.column("weight").null_count and _NULL_WEIGHT.search(data):
        return None  # `"weight": null` is an error there, a missing weight is 1
    try:
        return _columns(table, lambda row: _line_item(path, data, row))
    finally:
        del table
        pa.default_memory_pool().release_unused()  # the parse's buffers: not kept for the fit


def no_battles(path: Path) -> BattlesFileError:
    return BattlesFileError(f"{path}: no battles in the file; write one battle object per "
                            "line, with model_a, model_b and winner")


def _odd_breaks(data: bytes) -> bool:
    """Whether ``data`` has a line break str.splitlines() knows besides \n and \r\n.
    With one, the row reader's line numbers are not the newline count: it reads."""
    if any(byte in data for byte in (b"\x0b", b"\x0c", b"\x1c", b"\x1d", b"\x1e")):
        return True
    if b"\r" in data and data.count(b"\r") != data.count(b"\r\n"):
        return True
    return any(last in data and whole in data for last, whole in (  # one byte first: fast
        (b"\x85", b"\xc2\x85"), (b"\xa8", b"\xe2\x80\xa8"), (b"\xa9", b"\xe2\x80\xa9")))


def _schema(style: bool = False) -> Any:
    import pyarrow as pa

    fields = [*((name, pa.string()) for name in _STRINGS),
              *((name, pa.float64()) for name in _NUMBERS), ("excluded", pa.bool_())]
    if style:  # only whether they are there: an empty struct ignores what is inside
        fields += [("features_a", pa.struct([])), ("features_b", pa.struct([])),
                   ("answer_a", pa.string()), ("answer_b", pa.string())]
    return pa.schema(fields)


def _from_parquet(path: Path) -> BattleColumns:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except (OSError, pa.ArrowException) as exc:
        raise BattlesFileError(f"cannot read battle file {path} as Parquet: {exc}") from None
    if table.num_rows == 0:
        raise BattlesFileError(f"{path}: no battles (the table has no rows)")
    schema = _schema()
    columns = []
    for field in schema:
        if field.name not in table.column_names:
            columns.append(pa.nulls(table.num_rows, field.type))
            continue
        try:
            columns.append(table.column(field.name).cast(field.type))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            raise BattlesFileError(
                f"{path}: column {field.name} holds {table.schema.field(field.name).type}; "
                f"it must hold {field.type} values") from None
    typed = pa.Table.from_arrays(columns, schema=schema)

    def item(row: int) -> tuple[str, dict[str, Any]]:
        values = typed.slice(row, 1).to_pylist()[0]
        return f"{path}: row {row + 1}", {k: v for k, v in values.items() if v is not None}

    return _columns(typed, item)


def _line_shape(data: bytes) -> tuple[int, bool]:
    """How many lines hold anything, and whether each is one ``{...}`` (JSON whitespace
    around it allowed): with as many rows, row r is the r-th such line."""
    raw = np.frombuffer(data, dtype=np.uint8)
    ends = np.concatenate([np.flatnonzero(raw[i:i + _CHUNK] == 10) + i
                           for i in range(0, raw.size, _CHUNK)] + [np.array([raw.size])])
    starts = np.concatenate(([0], ends[:-1] + 1))
    filled = ends > starts
    starts, ends = starts[filled], ends[filled]
    last = raw[ends - 1]
    crlf = (last == 13) & (ends - starts >= 2)
    last = np.where(crlf, raw[np.maximum(ends - 2, 0)], last)
    plain = (raw[starts] == ord("{")) & (last == ord("}"))  # nearly every line
    count = int(plain.sum())
    for start, end in zip(starts[~plain].tolist(), ends[~plain].tolist(), strict=True):
        line = data[start:end].strip(b" \t\r")
        if line and not (line.startswith(b"{") and line.endswith(b"}")):
            return count, False
        count += bool(line)
    return count, True


def _line_item(path: Path, data: bytes, row: int) -> tuple[str, Any]:
    """The row-th battle's line number (as the row reader counts) and its object."""
    seen = -1
    for number, line in enumerate(data.decode("utf-8").splitlines(), start=1):
        if line.strip():
            seen += 1
            if seen == row:
                return f"{path}:{number}", json.loads(line)
    raise AssertionError(f"row {row} is past the end of {path}")  # _line_shape said so


def _columns(table: Any, item: Any) -> BattleColumns:
    """Validate column-wise; the first bad row is reported by the row reader's check."""
    sides = [_encoded(table.column(name)) for name in ("model_a", "model_b")]
    models = tuple(sorted({name for names, _ in sides for name in names if name}))
    position = {name: i for i, name in enumerate(models)}
    a, b = (np.array([position.get(n, -1) for n in names] + [-1], dtype=np.int64)[codes]
            for names, codes in sides)  # -1: missing or empty, either way refused
    bad = (a < 0) | (b < 0) | (a == b)
    winners, codes = _encoded(table.column("winner"))
    score_a = np.array([_score(w) for w in winners] + [math.nan])[codes]
    bad |= np.isnan(score_a)
    weight = _numpy(table.column("weight"), np.float64, 1.0)
    bad |= ~(np.isfinite(weight) & (weight > 0))
    if bad.any():
        where, row = item(int(np.argmax(bad)))
        _battle(row, where)  # raises the row reader's sentence for this line
        raise AssertionError(f"{where}: refused column-wise, accepted by the row reader")
    return BattleColumns(models=models, a=a, b=b, score_a=score_a, weight=weight,
                         excluded=_numpy(table.column("excluded"), np.bool_, False),
                         category=_labels(table.column("category")),
                         language=_labels(table.column("language")))


def _score(winner: str) -> float:
    try:
        return Winner.parse(winner).score_a
    except ValueError:
        return math.nan


def _encoded(column: Any) -> tuple[list[str], Ints]:
    """A string column as its distinct values and each row's index into them (-1: null)."""
    encoded = column.combine_chunks().dictionary_encode()
    return encoded.dictionary.to_pylist(), _numpy(encoded.indices, np.int32, -1).astype(
        np.int64)


def _numpy(column: Any, dtype: Any, fill: Any) -> NDArray[Any]:
    """A column of numbers or booleans as a NumPy array, nulls as ``fill``. Read from the
    Arrow buffers: pyarrow's own conversion imports pandas (~0.5 s of a command)."""
    import pyarrow as pa

    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    n, offset = len(array), array.offset
    validity, data = array.buffers()[:2]
    values: NDArray[Any]
    if data is None:
        values = np.full(n, fill, dtype=dtype)
    elif pa.types.is_boolean(array.type):
        values = _bits(data, offset, n)
    else:
        values = np.frombuffer(data, dtype=dtype, count=n,
                               offset=offset * np.dtype(dtype).itemsize)
    if array.null_count:
        values = np.where(_bits(validity, offset, n), values, fill).astype(dtype)
    return values


def _bits(buffer: Any, offset: int, n: int) -> Bools:
    """An Arrow bitmap (validity or booleans, least significant bit first) as booleans."""
    bits = np.unpackbits(np.frombuffer(buffer, dtype=np.uint8), bitorder="little")
    unpacked: Bools = bits[offset:offset + n].astype(bool)
    return unpacked


def _labels(column: Any) -> Labels:
    names, codes = _encoded(column)
    order = sorted(range(len(names)), key=names.__getitem__)
    rank = np.empty(len(names) + 1, dtype=np.int32)
    rank[order] = np.arange(len(names), dtype=np.int32)
    rank[-1] = -1  # no value given
    return Labels(rank[codes], tuple(names[i] for i in order))
