"""The store's public API is exactly its ``__all__``."""

from __future__ import annotations

import dataclasses

import pytest

import fairclimb.store as store_api


def test_all_matches_public_names() -> None:
    public = {name for name in vars(store_api) if not name.startswith("_")}
    assert set(store_api.__all__) == public


@pytest.mark.parametrize("record", [store_api.NewRun, store_api.RunRecord, store_api.ResultRow])
def test_records_are_frozen_dataclasses(record: type) -> None:
    assert dataclasses.is_dataclass(record)
    assert record.__dataclass_params__.frozen  # type: ignore[attr-defined]
