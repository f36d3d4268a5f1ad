"""What an admin switches while a study runs: pause the arena, retire a model or one
answer, keep the leaderboard private (admins only), and pay per period as CSV.

Each switch is one key of the arena's settings table, read when it matters (a draw,
a page), so every server process sees a change at once.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import datetime
from typing import TypeVar

from fairclimb.arena._accounts import SignedIn
from fairclimb.arena._pay import PayRow
from fairclimb.errors import UserInputError
from fairclimb.store import ArenaStore

__all__ = ["Controls", "pay_csv"]

_PAUSED = "paused"
_PRIVATE = "private_leaderboard"
_RETIRED_MODELS = "retired_models"
_RETIRED_SAMPLES = "retired_samples"


class Controls:
    def __init__(self, data: ArenaStore) -> None:
        self._data = data

    def paused(self) -> bool:
        return bool(self._data.config().get(_PAUSED, False))

    def private(self) -> bool:
        return bool(self._data.config().get(_PRIVATE, False))

    def retired_models(self) -> set[str]:
        return {str(m) for m in self._data.config().get(_RETIRED_MODELS, [])}

    def retired_samples(self) -> set[int]:
        return {int(s) for s in self._data.config().get(_RETIRED_SAMPLES, [])}

    def set_paused(self, admin: SignedIn, paused: bool) -> None:
        admin.require_admin()
        self._data.set_config(_PAUSED, paused)

    def set_private(self, admin: SignedIn, private: bool) -> None:
        admin.require_admin()
        self._data.set_config(_PRIVATE, private)

    def retire_model(self, admin: SignedIn, model: str, retired: bool = True) -> None:
        """A retired model is drawn into no new battle; its votes still count."""
        admin.require_admin()
        known = {row[2] for row in self._data.sample_pool()}
        if model not in known:
            raise UserInputError(f"no answers of model {model!r} in the arena; known "
                                 f"models: {', '.join(sorted(known)) or 'none'}")
        self._data.set_config(_RETIRED_MODELS, sorted(_toggle(self.retired_models(), model,
                                                              retired)))

    def retire_sample(self, admin: SignedIn, sample_id: int, retired: bool = True) -> None:
        """A retired answer (wrongly imported, say) is shown in no new battle."""
        admin.require_admin()
        if sample_id not in {row[0] for row in self._data.sample_pool()}:
            raise UserInputError(f"there is no answer {sample_id}")
        self._data.set_config(_RETIRED_SAMPLES, sorted(_toggle(self.retired_samples(),
                                                               sample_id, retired)))

    def drawable(self, pool: Sequence[tuple[int, int, str, bool | None]]
                 ) -> list[tuple[int, int, str, bool | None]]:
        """The sample pool less retired models and answers."""
        models, samples = self.retired_models(), self.retired_samples()
        return [row for row in pool if row[2] not in models and row[0] not in samples]


T = TypeVar("T")


def _toggle(items: set[T], item: T, present: bool) -> set[T]:
    return items | {item} if present else items - {item}


def pay_csv(rows: Sequence[PayRow], start: datetime | None, end: datetime | None) -> str:
    """Pay as CSV, one row per account and currency, for the period [start, end)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["period_start", "period_end", "username", "pseudonym", "role", "tasks",
                     "paid_minutes", "currency", "amount"])
    period = [start.isoformat() if start else "", end.isoformat() if end else ""]
    for row in rows:
        for currency, amount in row.owed or (("", 0.0),):
            writer.writerow([*period, _cell(row.username), row.pseudonym, row.role, row.tasks,
                             f"{row.seconds / 60:.2f}", currency, f"{amount:.2f}"])
    return out.getvalue()


def _cell(text: str) -> str:
    """Spreadsheet formula injection: a cell that starts like a formula is quoted."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
