"""The admin's review: every vote with what the rater wrote, exclusions an admin
overrules (recorded with who and why), and battles the admin asks several raters to
judge (for inter-rater agreement).

Overrules and repeat requests are kept in the arena's settings table (one key per
battle, ``overrule:ID`` and ``raters:ID``), so they need no schema change; each is a
typed record here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from fairclimb.arena._accounts import SignedIn
from fairclimb.arena._battle_io import Battle
from fairclimb.errors import UserInputError
from fairclimb.store import ArenaStore, NewBattle, VoteRow

__all__ = ["MAX_RATERS", "Overrule", "ReviewRow", "Reviews"]

MAX_RATERS = 10
_OVERRULE = "overrule:"
_RATERS = "raters:"
_MAX_WHY = 2_000


@dataclass(frozen=True, slots=True)
class Overrule:
    """An admin counted a vote quality control had excluded."""

    battle_id: int
    by: str
    why: str
    at: str  # ISO 8601, UTC
    excluded_for: str  # the reasons quality control gave, as people read them


@dataclass(frozen=True, slots=True)
class ReviewRow:
    """One vote as the review screen shows it."""

    vote: VoteRow
    record: Battle  # counted or excluded, after any overrule
    overrule: Overrule | None
    raters_wanted: int  # 1 unless the admin asked for more


class Reviews:
    def __init__(self, data: ArenaStore) -> None:
        self._data = data

    def overrules(self) -> dict[int, Overrule]:
        return {int(k[len(_OVERRULE):]): Overrule(**v) for k, v in self._data.config().items()
                if k.startswith(_OVERRULE) and isinstance(v, dict)}

    def apply(self, votes: Sequence[VoteRow], records: Sequence[Battle]) -> list[Battle]:
        """*records* (one per vote, in order) with overruled exclusions counted (and
        still listed, for audit)."""
        overruled = self.overrules()
        return [replace(r, overruled=f"overruled by {overruled[v.battle_id].by}: "
                        f"{overruled[v.battle_id].why}")
                if r.excluded and v.battle_id in overruled else r
                for v, r in zip(votes, records, strict=True)]

    def overrule(self, admin: SignedIn, battle_id: int, why: str,
                 records: dict[int, Battle]) -> Overrule:
        admin.require_admin()
        record = records.get(battle_id)
        if record is None:
            raise UserInputError(f"battle {battle_id} has no vote to review")
        if not record.excluded:
            raise UserInputError(f"the vote on battle {battle_id} already counts")
        if not why.strip() or len(why) > _MAX_WHY:
            raise UserInputError("say why the vote should count (up to 2,000 characters); "
                                 "the reason is kept with your name")
        made = Overrule(battle_id, admin.account.username, why.strip(),
                        datetime.now(UTC).isoformat(timespec="seconds"), record.reason)
        self._data.set_config(f"{_OVERRULE}{battle_id}", _as_json(made))
        return made

    def ask_raters(self, admin: SignedIn, battle_id: int, raters: int) -> None:
        """Have *raters* raters in all judge the answers of battle *battle_id*."""
        admin.require_admin()
        if battle_id not in self._data.battle_pairs():
            raise UserInputError(f"there is no battle {battle_id}")
        if not 1 <= raters <= MAX_RATERS:
            raise UserInputError(f"ask for 1 to {MAX_RATERS} raters per battle")
        self._data.set_config(f"{_RATERS}{battle_id}", raters)

    def wanted(self) -> dict[int, int]:
        return {int(k[len(_RATERS):]): int(v) for k, v in self._data.config().items()
                if k.startswith(_RATERS)}

    def repeat_for(self, rater_id: int, seen: set[int]) -> NewBattle | None:
        """A battle the admin wants more raters on that this rater has not seen, as a
        new battle for them (sides swapped on every other copy, against position bias)."""
        wanted = self.wanted()
        if not wanted:
            return None
        battles = self._data.battle_pairs()
        for battle_id, raters in sorted(wanted.items()):
            original = battles.get(battle_id)
            if original is None or original.sample_a in seen or original.sample_b in seen:
                continue
            pair = {original.sample_a, original.sample_b}
            copies = sum(1 for b in battles.values() if {b.sample_a, b.sample_b} == pair)
            if copies >= raters:
                continue
            swap = copies % 2 == 1
            return replace(original, rater_id=rater_id, served_at=datetime.now(UTC),
                           gold_winner=None,
                           sample_a=original.sample_b if swap else original.sample_a,
                           sample_b=original.sample_a if swap else original.sample_b,
                           model_a=original.model_b if swap else original.model_a,
                           model_b=original.model_a if swap else original.model_b)
        return None


def _as_json(overrule: Overrule) -> dict[str, Any]:
    return {"battle_id": overrule.battle_id, "by": overrule.by, "why": overrule.why,
            "at": overrule.at, "excluded_for": overrule.excluded_for}
