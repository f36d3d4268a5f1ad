"""Battle records and the FastChat / LMArena battle file format.

A battle file is a JSON list or JSONL of objects with ``model_a``, ``model_b`` and
``winner`` (one of ``model_a``, ``model_b``, ``tie``, ``tie (bothbad)``), plus the
optional ``tstamp``, ``judge``, ``language``, ``category`` (the task kind), ``weight``
(inverse probability of the pair being drawn), ``excluded`` with ``exclusions`` (the
:class:`Exclusion` kinds; ``excluded`` alone is read as ``marked``) and, for style
control, ``features_a`` / ``features_b`` (objects of numbers) or ``answer_a`` /
``answer_b`` (the answers' text, from which :func:`code_features` are computed). Other
keys are ignored on import and not written on export.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fairclimb.data import Excluded, Exclusion, Winner, exclusion_text
from fairclimb.errors import UserInputError

__all__ = [
    "Battle",
    "BattlesFileError",
    "Winner",
    "code_features",
    "read_battles",
    "write_battles",
]


@dataclass(frozen=True)
class Battle:
    """One vote between two models' answers: FastChat's battle fields, the weight that
    undoes uneven pair sampling, and why it does not count (``exclusions``, typed).

    The one battle record: stored votes, ranking pairs and battle files all become it,
    and the leaderboard, ``fairclimb ratings`` and the exports read it. An exclusion an
    admin overruled stays listed (for audit) with ``overruled`` saying who and why.
    """

    model_a: str
    model_b: str
    winner: Winner
    tstamp: float | None = None
    judge: str | None = None
    language: str | None = None
    category: str | None = None  # the task kind
    weight: float = 1.0
    exclusions: tuple[Excluded, ...] = ()
    overruled: str | None = None  # who counted it anyway, and why
    features_a: Mapping[str, float] = field(default_factory=dict)
    features_b: Mapping[str, float] = field(default_factory=dict)

    @property
    def excluded(self) -> bool:
        """Kept for audit but not counted."""
        return bool(self.exclusions) and self.overruled is None

    @property
    def reason(self) -> str:
        """The exclusions as one sentence for people (never parsed back)."""
        text = exclusion_text(self.exclusions)
        return text if self.overruled is None else f"counted: {text} ({self.overruled})"

    def to_json(self) -> dict[str, Any]:
        """The API's vote row: FastChat's fields, the weight, and the exclusions both
        typed (``exclusions``, what a program reads) and worded (``reason``)."""
        return {"model_a": self.model_a, "model_b": self.model_b, "winner": self.winner.value,
                "tstamp": self.tstamp, "judge": self.judge, "language": self.language,
                "kind": self.category, "weight": self.weight, "excluded": self.excluded,
                "exclusions": [e.kind.value for e in self.exclusions], "reason": self.reason}


class BattlesFileError(UserInputError):
    """A battle file that is missing, unreadable or malformed."""


_COMMENT = re.compile(r"^\s*(#|//|--)")


def code_features(text: str) -> dict[str, float]:
    """Style features of one answer: its length in characters and its comment density.

    Comment density is the share of non-blank lines that are comments (``#``, ``//``
    or ``--``): the style signals a rater may reward regardless of correctness.
    """
    lines = [line for line in text.splitlines() if line.strip()]
    comments = sum(1 for line in lines if _COMMENT.match(line))
    return {"length": float(len(text)), "comment_density": comments / len(lines) if lines else 0.0}


def read_battles(path: Path, known_models: Sequence[str] | None = None) -> list[Battle]:
    """Read a battle file (JSON list or JSONL); with ``known_models``, refuse others."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BattlesFileError(f"cannot read battle file {path}: {exc}") from None
    items = list(_items(path, text))
    battles = [_battle(item, where) for where, item in items]
    if known_models is not None:
        known = set(known_models)
        for (where, _), battle in zip(items, battles, strict=True):
            for name in (battle.model_a, battle.model_b):
                if name not in known:
                    listed = ", ".join(sorted(known)) or "none"
                    raise BattlesFileError(
                        f"{where}: unknown model {name!r} (known models: {listed}); "
                        "register it or fix the name")
    return battles


def _items(path: Path, text: str) -> Iterable[tuple[str, Any]]:
    if text.lstrip().startswith("["):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise BattlesFileError(
                f"{path}:{exc.lineno}: not valid JSON ({exc.msg}, column {exc.colno}); "
                "write a JSON list of battle objects or one object per line") from None
        for index, item in enumerate(data):
            yield f"{path}: item {index}", item
        return
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            yield f"{path}:{number}", json.loads(line)
        except json.JSONDecodeError as exc:
            raise BattlesFileError(
                f"{path}:{number}: not valid JSON ({exc.msg}, column {exc.colno}); each line "
                "must be one battle object") from None


def _battle(item: Any, where: str) -> Battle:
    if not isinstance(item, dict):
        raise BattlesFileError(f"{where}: expected a battle object, got {type(item).__name__}")
    for key in ("model_a", "model_b"):
        if not isinstance(item.get(key), str) or not item[key]:
            raise BattlesFileError(f"{where}: {key!r} is missing or not a model name")
    if item["model_a"] == item["model_b"]:
        raise BattlesFileError(f"{where}: model_a and model_b are both {item['model_a']!r}; "
                               "a battle needs two different models")
    try:
        # import-feedback's spellings (a, b, both_bad) too: one vote format everywhere
        winner = Winner.parse(str(item.get("winner")))
    except ValueError:
        allowed = ", ".join(w.value for w in Winner)
        raise BattlesFileError(f"{where}: winner {item.get('winner')!r} is not one of "
                               f"{allowed}") from None
    weight = item.get("weight", 1.0)
    if (not isinstance(weight, int | float) or isinstance(weight, bool)
            or not math.isfinite(weight) or weight <= 0):
        raise BattlesFileError(f"{where}: weight {weight!r} must be a positive number")
    tstamp = item.get("tstamp")
    if tstamp is not None and (not isinstance(tstamp, int | float) or isinstance(tstamp, bool)):
        raise BattlesFileError(f"{where}: tstamp {tstamp!r} must be a number (Unix seconds)")
    return Battle(
        model_a=item["model_a"], model_b=item["model_b"], winner=winner,
        tstamp=None if tstamp is None else float(tstamp),
        judge=_optional_str(item, "judge", where),
        language=_optional_str(item, "language", where),
        category=_optional_str(item, "category", where),
        weight=float(weight), exclusions=_exclusions(item, where),
        # An export lists an overruled vote's exclusions with "excluded": false.
        overruled="counted in the battle file" if item.get("excluded") is False
        and item.get("exclusions") else None,
        features_a=_features(item, "a", where), features_b=_features(item, "b", where),
    )


def _exclusions(item: dict[str, Any], where: str) -> tuple[Excluded, ...]:
    kinds = item.get("exclusions")
    if not kinds:
        return (Excluded(Exclusion.MARKED),) if item.get("excluded") else ()
    if not isinstance(kinds, list):
        raise BattlesFileError(f"{where}: exclusions must be a list of reasons")
    try:
        return tuple(Excluded(Exclusion(str(kind))) for kind in kinds)
    except ValueError:
        allowed = ", ".join(e.value for e in Exclusion)
        raise BattlesFileError(f"{where}: exclusions {kinds!r} must be among "
                               f"{allowed}") from None


def _optional_str(item: dict[str, Any], key: str, where: str) -> str | None:
    value = item.get(key)
    if value is not None and not isinstance(value, str):
        raise BattlesFileError(f"{where}: {key} {value!r} must be a string")
    return value


def _features(item: dict[str, Any], side: str, where: str) -> dict[str, float]:
    given = item.get(f"features_{side}")
    if given is None:
        answer = item.get(f"answer_{side}")
        return code_features(answer) if isinstance(answer, str) else {}
    if not isinstance(given, dict) or not all(
            isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
            for v in given.values()):
        raise BattlesFileError(f"{where}: features_{side} must be an object of numbers")
    return {str(k): float(v) for k, v in given.items()}


def write_battles(path: Path, battles: Iterable[Battle]) -> int:
    """Write battles as JSONL in FastChat's format (plus our optional keys); return the count."""
    lines = []
    for battle in battles:
        row: dict[str, Any] = {"model_a": battle.model_a, "model_b": battle.model_b,
                               "winner": battle.winner.value}
        for key in ("tstamp", "judge", "language", "category"):
            if getattr(battle, key) is not None:
                row[key] = getattr(battle, key)
        if battle.weight != 1.0:
            row["weight"] = battle.weight
        if battle.excluded:
            row["excluded"] = True
            row["exclusions"] = [e.kind.value for e in battle.exclusions]
        if battle.features_a or battle.features_b:
            row["features_a"], row["features_b"] = dict(battle.features_a), dict(battle.features_b)
        lines.append(json.dumps(row, ensure_ascii=False))
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    tmp.replace(path)  # a failed write leaves the old file whole
    return len(lines)
