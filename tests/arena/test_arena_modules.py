"""The arena's modules stay readable: none grows far past the ~400-line guideline
(CONVENTIONS.md 9), and the facade keeps the calls the web layer and the CLI make."""

from pathlib import Path

import pytest

import fairclimb.arena as arena
from fairclimb.arena import Arena

_LIMIT = 410  # "~400": a few lines of slack, not a second module's worth
_MODULES = sorted(Path(arena.__file__).parent.glob("*.py"))


@pytest.mark.parametrize("module", _MODULES, ids=[m.name for m in _MODULES])
def test_module_stays_under_the_size_guideline(module: Path) -> None:
    lines = len(module.read_text(encoding="utf-8").splitlines())
    assert lines <= _LIMIT, f"{module.name} has {lines} lines; split it by concern"


@pytest.mark.parametrize("name", [
    "next_battle", "skip", "vote", "start_live", "begin_live", "battle", "shown_verdicts",
    "test_agreement", "leaderboard", "review", "overrule", "export_votes", "pay",
    "quality", "sampling", "gold_rate", "set_gold_rate", "execute_answers",
    "import_generations", "import_samples", "add_prompt", "require_open",
])
def test_facade_keeps_its_calls(name: str) -> None:
    assert callable(getattr(Arena, name))
