"""A generation cache as ``fairclimb generate`` leaves it (chat calls to humaneval
tasks, with prose around the code), for the arena's import tests."""

from __future__ import annotations

from sqlalchemy import text

from fairclimb.evaluate import build_request
from fairclimb.models import ApiStyle, GenerationParams
from fairclimb.store import Store
from fairclimb.suites import get_suite

TASKS = get_suite("humaneval").tasks[:2]


def _reply(entry_point: str, model: str) -> str:
    return (f"Sure! Here is how I would write it.\n\n```python\ndef {entry_point}(*args):\n"
            f"    return None  # {model}\n```\n\nThis handles every case.")


def fill_cache(store: Store) -> dict[str, list[str]]:
    """Chat calls of two models to two humaneval tasks, and one call to no task; returns
    each model's cache keys."""
    keys: dict[str, list[str]] = {}
    for model in ("m1", "m2"):
        for index, task in enumerate(TASKS):
            request = build_request(task, ApiStyle.CHAT, GenerationParams(), 0)
            key = f"{model}-{index}"
            store.put_generation(key, model, {
                "messages": [{"role": m.role, "content": m.content} for m in request.messages],
                "prompt": None, "prompt_hash": request.prompt_hash},
                {"text": _reply(task.entry_point, model)})
            keys.setdefault(model, []).append(key)
    store.put_generation("stray", "m1", {"messages": [{"role": "user", "content": "hi"}],
                                         "prompt_hash": "0" * 64}, {"text": "hello"})
    return keys


def stored_answers(store: Store) -> list[tuple[str, str, str, str | None]]:
    """(model, prompt text, answer, task id) of every stored answer."""
    query = text("SELECT s.model, p.text, s.answer, p.task_id FROM arena_samples s "
                 "JOIN arena_prompts p ON p.id = s.prompt_id ORDER BY s.id")
    with store.transaction("test") as session:
        return [(r[0], r[1], r[2], r[3]) for r in session.execute(query)]
