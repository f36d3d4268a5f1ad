"""Fixtures of the data tests: a store on a SQLite file, teachers served by the local
OpenAI-protocol server, and a prompts file whose tests tell right answers from wrong."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from fairclimb.models import ModelSpec, Terms
from fairclimb.store import Store

PROMPTS = [
    {"prompt": "def add(a, b):\n    \"\"\"Return the sum of a and b.\"\"\"\n",
     "entry_point": "add",
     "tests": "def check(candidate):\n    assert candidate(1, 2) == 3\n"
              "    assert candidate(-4, 4) == 0\n"},
    {"prompt": "def square(x):\n    \"\"\"Return x times x.\"\"\"\n",
     "entry_point": "square",
     "tests": "def check(candidate):\n    assert candidate(3) == 9\n"
              "    assert candidate(-2) == 4\n"},
]
GOOD = {"add": "def add(a, b):\n    return a + b\n",
        "square": "def square(x):\n    return x * x\n"}
BAD = {"add": "def add(a, b):\n    return a - b\n",
       "square": "def square(x):\n    return x + x\n"}


def parity_responder(request: dict[str, Any]) -> str:
    """Right answers for even seeds, wrong ones for odd seeds (seed = base + sample)."""
    text = "\n".join(str(m.get("content", "")) for m in request.get("messages", []))
    name = "add" if "def add" in text else "square" if "def square" in text else "other"
    if name == "other":
        return "```python\ndef solution():\n    return 42\n```\n"
    good = int(request.get("seed", 0)) % 2 == 0
    return f"```python\n{(GOOD if good else BAD)[name]}```\n"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(str(tmp_path / "fairclimb.db")) as opened:
        yield opened


@pytest.fixture
def prompts_file(tmp_path: Path) -> Path:
    path = tmp_path / "prompts.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in PROMPTS))
    return path


@pytest.fixture
def teacher(store: Store, fake_openai: Any) -> Callable[[Terms], ModelSpec]:
    """Register a teacher with the given terms, served by the fake server."""
    fake_openai.set_responder(parity_responder)

    def register(terms: Terms) -> ModelSpec:
        spec = ModelSpec(name=f"teacher-{terms.value}", base_url=fake_openai.base_url,
                         model_id="fake-coder", terms=terms,
                         terms_url=f"https://example.invalid/terms/{terms.value}")
        store.add_model(spec)
        return spec

    return register
