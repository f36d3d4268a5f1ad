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
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from fairclimb.arena._battle_io import _SHORT_WINNERS, BattlesFileError, Winner, _battle

__all__ = ["BattleColumns", "Labels", "read_battle_columns"]

Floats = NDArray[Any]  # float64 throughout; numpy's stubs widen results
Ints = NDArray[np.int64]
Bools = NDArray[np.bool_]

_STRINGS = ("model_a", "model_b", "winner", "judge", "language", "category")
_NUMBERS = ("weight", "tstamp")
# Style control needs per-battle answers or features: the row reader computes those.
_STYLE_KEYS = (b'"features_a"', b'"features_b"', b'"answer_a"', b'"answer_b"')
# Line breaks str.splitlines() knows besides \n and \r\n: with one of these, the row
# reader's line numbers are not the file's newline count, so it reads the file itself.
_ODD_BREAKS = re.compile(rb"[\x0b\x0c\x1c-\x1e]|\xc2\x85|\xe2\x80[\xa8\xa9]|\r(?!\n)")
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
    if not data.strip():
        raise BattlesFileError(f"{path}: no battles (the file is empty); write one battle "
                               "object per line, with model_a, model_b and winner")
    if (data.lstrip().startswith(b"[") or any(key in data for key in _STYLE_KEYS)
            or _ODD_BREAKS.search(data)):
        return None
    import pyarrow as pa
    import pyarrow.json as pajson

    try:
        table = pajson.read_json(pa.py_buffer(data), parse_options=pajson.ParseOptions(
            explicit_schema=_schema(), unexpected_field_behavior="ignore"))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None  # the row reader names the line and what is wrong with it
    lines, one_object_each = _line_shape(data)
    if not one_object_each or lines != table.num_rows:
        return None  # two objects on a line, or one over two: the row reader refuses it
    if table.column("weight").null_count and _NULL_WEIGHT.search(data):
        return None  # `"weight": null` is an error there, a missing weight is 1
    return _columns(table, lambda row: _line_item(path, data, row))


def _schema() -> Any:
    import pyarrow as pa

    return pa.schema([*((name, pa.string()) for name in _STRINGS),
                      *((name, pa.float64()) for name in _NUMBERS), ("excluded", pa.bool_())])


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
    """How many lines hold something, and whether each is one ``{...}`` (JSON whitespace
    around it allowed): with the row count equal, row r is then the r-th such line."""
    count, shaped, previous = 0, True, ord("\n")
    for start in range(0, len(data), _CHUNK):
        raw = np.frombuffer(data, dtype=np.uint8, count=min(_CHUNK, len(data) - start),
                            offset=start)
        kept = raw[(raw != 32) & (raw != 9) & (raw != 13)]  # newlines and content
        if kept.size == 0:
            continue
        before = np.concatenate(([previous], kept[:-1]))
        newline = kept == 10
        first = ~newline & (before == 10)  # a line's first character
        count += int(first.sum())
        shaped &= bool(np.all(kept[first] == ord("{")))
        shaped &= bool(np.all(np.isin(before[newline], (ord("}"), 10))))
        previous = int(kept[-1])
    return count, shaped and previous in (ord("}"), 10)


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
    import pyarrow.compute as pc

    model_a, model_b = (table.column(n).combine_chunks() for n in ("model_a", "model_b"))
    bad = np.zeros(table.num_rows, dtype=bool)
    for names in (model_a, model_b):
        bad |= _filled(pc.or_kleene(pc.is_null(names), pc.equal(names, "")), True)
    bad |= _filled(pc.equal(model_a, model_b), False)
    winner = table.column("winner").combine_chunks().dictionary_encode()
    scores = np.array([_score(v) for v in winner.dictionary.to_pylist()] + [np.nan])
    score_a = scores[_filled(winner.indices, len(winner.dictionary)).astype(np.int64)]
    bad |= np.isnan(score_a)
    weight = _filled(table.column("weight"), 1.0).astype(np.float64)
    bad |= ~(np.isfinite(weight) & (weight > 0))
    if bad.any():
        where, row = item(int(np.argmax(bad)))
        _battle(row, where)  # raises the row reader's sentence for this line
        raise AssertionError(f"{where}: refused column-wise, accepted by the row reader")
    models, (a, b) = _model_indices(model_a, model_b)
    return BattleColumns(models=models, a=a, b=b, score_a=score_a, weight=weight,
                         excluded=_filled(table.column("excluded"), False).astype(bool),
                         category=_labels(table.column("category")),
                         language=_labels(table.column("language")))


def _score(winner: str | None) -> float:
    try:
        return Winner(_SHORT_WINNERS.get(str(winner), str(winner))).score_a
    except ValueError:
        return float("nan")


def _filled(column: Any, fill: Any) -> NDArray[Any]:
    import pyarrow.compute as pc

    filled: NDArray[Any] = pc.fill_null(column, fill).to_numpy(zero_copy_only=False)
    return filled


def _model_indices(*sides: Any) -> tuple[tuple[str, ...], list[Ints]]:
    """The models, sorted by name, and each side's index into them."""
    encoded = [side.dictionary_encode() for side in sides]
    names = [e.dictionary.to_pylist() for e in encoded]
    models = tuple(sorted({name for side in names for name in side}))
    position = {name: i for i, name in enumerate(models)}
    indices = [np.array([position[n] for n in side], dtype=np.int64)[
        e.indices.to_numpy(zero_copy_only=False)] for side, e in zip(names, encoded, strict=True)]
    return models, indices


def _labels(column: Any) -> Labels:
    encoded = column.combine_chunks().dictionary_encode()
    names: list[str] = encoded.dictionary.to_pylist()
    order = sorted(range(len(names)), key=names.__getitem__)
    rank = np.empty(len(names) + 1, dtype=np.int32)
    rank[order] = np.arange(len(names), dtype=np.int32)
    rank[-1] = -1  # no value given
    codes = _filled(encoded.indices, len(names)).astype(np.int64)
    return Labels(rank[codes], tuple(names[i] for i in order))
