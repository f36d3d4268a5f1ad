"""Arena votes as human feedback for the data part: preference pairs, corrections and
error labels with who judged (a pseudonym), under which briefing, and how long it took.

A vote quality control excluded (a fast vote, a flagged rater) carries its typed
``exclusions``, so the data part counts it and makes no record of it. Gold-check votes
are marked ``gold`` instead: they are real judgements between a passing and a failing
answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fairclimb.arena._battles import Arena
from fairclimb.arena._quality import battle_records, rater_quality
from fairclimb.data import Exclusion, FeedbackOptions, Vote, import_feedback
from fairclimb.store import Store

__all__ = ["arena_feedback_votes", "import_arena_feedback"]


def arena_feedback_votes(arena: Arena) -> list[Vote]:
    """Every stored vote as a :class:`fairclimb.data.Vote` (``vote_id`` is
    ``arena:<battle id>``, so importing again adds nothing twice), then every pair of
    every submitted ranking (``arena-rank:<id>:<i>-<j>``)."""
    votes = arena.data.votes()
    texts = arena.data.vote_texts()
    records = battle_records(votes, rater_quality(votes, arena.options))
    briefing = arena.briefing.current()
    # Pay is known in US dollars only when the briefing in force pays in them; the
    # briefing a vote was cast under is the rater's latest accepted one.
    usd_rate = briefing.pay_per_hour if briefing and briefing.currency == "USD" else None
    out = []
    for vote, record in zip(votes, records, strict=True):
        prompt, answer_a, answer_b, briefing_version = texts[vote.battle_id]
        out.append(Vote(
            prompt=prompt, answer_a=answer_a, answer_b=answer_b, model_a=vote.model_a,
            model_b=vote.model_b, winner=record.winner, rater=vote.judge,
            briefing_version="" if briefing_version is None else str(briefing_version),
            seconds=vote.seconds, gold=vote.gold_winner is not None,
            labels_a=tuple(vote.labels_a), labels_b=tuple(vote.labels_b),
            comment=vote.comment, correction=vote.correction,
            exclusions=tuple(e for e in record.exclusions if e.kind is not Exclusion.GOLD_CHECK),
            tstamp=vote.created_at.isoformat(), vote_id=f"arena:{vote.battle_id}",
            pay_usd=None if usd_rate is None else round(vote.seconds / 3600 * usd_rate, 4)))
    return out + arena.rankings.votes()


def import_arena_feedback(store: Store, dataset: str,
                          options: FeedbackOptions | None = None,
                          overrides: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Add the arena's votes in *store* to *dataset* as training records, through the
    data part's record gate (flagged votes counted and left out; a vote already imported
    is not added again; *overrides*: model -> reason, for models whose terms forbid
    training)."""
    return import_feedback(store, arena_feedback_votes(Arena(store)), dataset, "arena",
                           options, overrides=overrides)
