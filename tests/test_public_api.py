"""Each part's public API is its __init__'s __all__, and nothing else leaks."""

from __future__ import annotations

import importlib
import inspect

import pytest

PARTS = ["fairclimb.suites", "fairclimb.sandbox", "fairclimb.evaluate", "fairclimb.store",
         "fairclimb.models", "fairclimb.arena", "fairclimb.web", "fairclimb.data",
         "fairclimb.audit", "fairclimb.ladder"]


@pytest.mark.parametrize("name", PARTS)
def test_all_matches_public_names(name: str) -> None:
    module = importlib.import_module(name)
    declared = set(module.__all__)
    # dir() and getattr(), not vars(): a facade may load its names on first use (PEP 562)
    public = {
        attr for attr in dir(module)
        if not attr.startswith("_") and not inspect.ismodule(getattr(module, attr))
    }
    assert declared == public
    assert module.__all__ == sorted(module.__all__, key=lambda n: (n[0].islower(), n))
