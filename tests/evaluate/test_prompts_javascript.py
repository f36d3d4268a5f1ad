"""JavaScript tasks ask for JavaScript, and JavaScript answers are pulled out of fences."""

from __future__ import annotations

import pytest

from fairclimb.evaluate import build_request, extract_code, sample_line
from fairclimb.evaluate.generation._prompts import JS_COMPLETION_STOPS
from fairclimb.models import ApiStyle, GenerationParams
from fairclimb.suites import Language, Task, get_suite

FN = "function add(x, y) {\n  return x + y;\n}\n"
ARROW = "const add = (x, y) => x + y;\n"

EXTRACTION = [
    ("javascript label", f"Here:\n```javascript\n{FN}```\nDone.", FN),
    ("js label", f"```js\n{FN}```", FN),
    ("block defining the function wins", f"```js\nconst z = 1;\n```\n```js\n{FN}```", FN),
    ("arrow function counts", f"```js\nconst z = 1;\n```\n```\n{ARROW}```", ARROW),
    ("python block is not the answer", "```python\nx = 1\n```\n```js\nlet y;\n```", "let y;\n"),
    ("unlabelled block", f"```\n{FN}```", FN),
    ("no fence", FN, FN),
    ("similar name does not count",
     "```js\nlet a;\n```\n```js\nfunction addAll(x) {}\n```", "let a;\n"),
]


@pytest.mark.parametrize(("answer", "expected"), [(a, e) for _, a, e in EXTRACTION],
                         ids=[name for name, _, _ in EXTRACTION])
def test_extract_javascript(answer: str, expected: str) -> None:
    assert extract_code(answer, "add", Language.JAVASCRIPT) == expected


@pytest.fixture(scope="module")
def js_tasks() -> dict[str, Task]:
    suite = get_suite("fairclimb-js")
    return {task.kind.value: task for task in suite.tasks}


@pytest.mark.parametrize("kind", ["implement", "debug"])
def test_chat_requests_ask_for_javascript(js_tasks: dict[str, Task], kind: str) -> None:
    task = js_tasks[kind]
    request = build_request(task, ApiStyle.CHAT, GenerationParams(), 0)
    system, user = (message.content for message in request.messages)
    assert "JavaScript" in system and "Python" not in system
    assert "```javascript" in user and "python" not in user.lower()
    assert f"`{task.entry_point}`" in user
    if kind == "debug":
        assert "has a bug" in user and task.buggy.strip() in user


def test_completion_requests_stop_at_javascript_boundaries(js_tasks: dict[str, Task]) -> None:
    task = js_tasks["implement"]
    request = build_request(task, ApiStyle.COMPLETION, GenerationParams(), 0)
    assert request.prompt == task.prompt
    assert set(JS_COMPLETION_STOPS) <= set(request.params.stop)
    assert "\ndef " not in request.params.stop
    line = sample_line(task, ApiStyle.COMPLETION, "  return 1;\n}\n\nconsole.log(x)",
                       request.params.stop)
    assert line["completion"] == "  return 1;\n}\n"


def test_chat_answers_become_whole_javascript_programs(js_tasks: dict[str, Task]) -> None:
    task = js_tasks["implement"]
    answer = f"Sure.\n```javascript\nfunction {task.entry_point}() {{ return 1; }}\n```"
    line = sample_line(task, ApiStyle.CHAT, answer)
    assert line["solution"] == f"function {task.entry_point}() {{ return 1; }}\n"
