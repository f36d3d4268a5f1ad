"""Votes in the battle format FastChat's own analysis reads (``elo_analysis.py`` after
``clean_battle_data.py``): ``question_id``, ``model_a``/``model_b``, ``winner``,
``judge``, ``turn``, ``anony``, ``language``, ``tstamp``, ``conversation_a``/``_b``
(OpenAI-style messages) and ``dedup_tag``; plus ``category`` (the task kind) and
``weight`` (1 / the pair's draw probability), which :func:`read_battles` reads.

By default only the votes that count; with ``include_excluded`` the others too, marked
``excluded`` with their ``exclusions`` (the :class:`~fairclimb.data.Exclusion` kinds a
program reads) and ``reason`` (the details, for people). The rich export adds what the
rater wrote: error labels per answer, the comment and the correction.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fairclimb.arena._battle_io import Battle
from fairclimb.store import VoteRow

__all__ = ["ExportOptions", "fastchat_rows"]


@dataclass(frozen=True, slots=True)
class ExportOptions:
    include_excluded: bool = False
    rich: bool = False  # labels, comment, correction, seconds, battle id


def fastchat_rows(votes: Sequence[VoteRow], records: Sequence[Battle],
                  texts: Mapping[int, tuple[str, str, str, int | None]],
                  informed: set[int], options: ExportOptions) -> list[dict[str, Any]]:
    """One row per vote (*records* is :func:`battle_records` of *votes*, in order);
    *informed* are the battles whose rater knew the names (not anonymous)."""
    rows = []
    for vote, record in zip(votes, records, strict=True):
        if record.excluded and not options.include_excluded:
            continue
        prompt, answer_a, answer_b, _ = texts.get(vote.battle_id, ("", "", "", None))
        row: dict[str, Any] = {
            "question_id": hashlib.sha256(prompt.encode()).hexdigest()[:32],
            "model_a": record.model_a, "model_b": record.model_b,
            "winner": record.winner.value,
            "judge": record.judge, "turn": 1, "anony": vote.battle_id not in informed,
            "language": record.language, "category": record.category, "tstamp": record.tstamp,
            "weight": record.weight,
            "conversation_a": _conversation(prompt, answer_a),
            "conversation_b": _conversation(prompt, answer_b),
            "dedup_tag": {"high_freq": False, "sampled": True},
        }
        if options.include_excluded:
            row["excluded"], row["reason"] = record.excluded, record.reason
            row["exclusions"] = [e.kind.value for e in record.exclusions]
        if options.rich:
            row.update(battle_id=vote.battle_id, labels_a=list(vote.labels_a),
                       labels_b=list(vote.labels_b), comment=vote.comment,
                       correction=vote.correction, seconds=vote.seconds)
        rows.append(row)
    return rows


def _conversation(prompt: str, answer: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": prompt}, {"role": "assistant", "content": answer}]
