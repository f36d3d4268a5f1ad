"""The contamination audit derives record texts on its own, so a bug in the data part's
derivation (issue 10, defect 1: ``str()`` of message lists) is caught, not repeated."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fairclimb.audit import audit_contamination
from fairclimb.data import Vote, import_feedback
from fairclimb.store import Store
from fairclimb.suites import get_suite

HUMANEVAL_0 = get_suite("humaneval").tasks[0]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(str(tmp_path / "a.db")) as opened:
        yield opened


def _votes() -> list[Vote]:
    leaked = HUMANEVAL_0.prompt + HUMANEVAL_0.reference
    return [Vote(prompt="Write has_close_elements.", answer_a=leaked,
                 answer_b="def has_close_elements(numbers, threshold):\n    return False\n",
                 model_a="m-a", model_b="m-b", winner="a", rater="otter", vote_id="v1",
                 labels_b=("wrong output",), comment="B ignores the threshold")]


def test_audit_agrees_with_a_correct_gate(store: Store) -> None:
    import_feedback(store, _votes(), "d", "votes")
    audit = audit_contamination(store, "d")
    assert audit.matches and {r.task_id for r in audit.recomputed} == {"HumanEval/0"}


def test_audit_catches_what_a_buggy_gate_missed(store: Store,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    def repr_text(kind: str, content: dict[str, Any]) -> str:  # the bug of defect 1
        return "\n".join(str(value) for value in content.values())

    # Planted where the data part derives check texts (a string target: the test does
    # not import the data part's private modules), and left there while the audit runs:
    # an audit that reused the data part's derivation would repeat the bug and agree.
    monkeypatch.setattr("fairclimb.data._curate.record_text", repr_text)
    import_feedback(store, _votes(), "d", "votes")
    audit = audit_contamination(store, "d")
    assert not audit.matches
    assert {r.task_id for r in audit.missing} == {"HumanEval/0"}
