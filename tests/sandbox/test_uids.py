"""Sample uids: never repeated on one boot, whichever process or run reserves them."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest

from fairclimb.errors import SandboxError
from fairclimb.sandbox import _uids
from fairclimb.sandbox._uids import FIRST_UID, UidSource


def _take(counter: str, count: int) -> list[int]:
    source = UidSource(Path(counter))
    return [source.take() for _ in range(count)]


def test_uids_never_repeat_across_sources_and_processes(tmp_path: Path) -> None:
    counter = tmp_path / "uids"
    with multiprocessing.get_context("spawn").Pool(3) as pool:
        taken = pool.starmap(_take, [(str(counter), 1500)] * 3)
    taken.append(_take(str(counter), 10))  # a later run
    every = [uid for batch in taken for uid in batch]
    assert len(set(every)) == len(every)
    assert min(every) >= FIRST_UID


def test_the_counter_starts_again_after_a_reboot(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    counter = tmp_path / "uids"
    first = _take(str(counter), 3)
    monkeypatch.setattr(_uids, "_boot", lambda: "another-boot")
    assert _take(str(counter), 1) == [FIRST_UID]
    assert first[0] == FIRST_UID


def test_a_damaged_counter_never_gives_a_uid_below_the_range(tmp_path: Path) -> None:
    counter = tmp_path / "uids"
    counter.write_text(f"{_uids._boot()} 5\n")
    assert _take(str(counter), 1) == [FIRST_UID]


def test_an_exhausted_range_is_one_clear_error(tmp_path: Path) -> None:
    counter = tmp_path / "uids"
    counter.write_text(f"{_uids._boot()} {(1 << 31) - 10}\n")
    with pytest.raises(SandboxError, match="every user id"):
        _take(str(counter), 1)
