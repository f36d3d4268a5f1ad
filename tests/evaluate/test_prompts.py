"""Prompt templates, code extraction and the sample lines built from answers."""

from __future__ import annotations

from dataclasses import replace

import pytest

from fairclimb.evaluate import build_request, extract_code, sample_line, solution_program
from fairclimb.evaluate.generation._prompts import COMPLETION_STOPS, truncate_completion
from fairclimb.models import ApiStyle, GenerationParams
from fairclimb.suites import Suite, TaskKind, get_suite

ADD = "def add(x, y):\n    return x + y\n"

EXTRACTION = [
    ("one python block", f"Here:\n```python\n{ADD}```\nDone.", ADD),
    ("block defining the entry point wins",
     f"```python\nimport math\n```\nthen\n```python\n{ADD}```", ADD),
    ("py label", f"```py\n{ADD}```", ADD),
    ("unlabelled block", f"```\n{ADD}```", ADD),
    ("defining block even if unlabelled", f"```python\nx = 1\n```\n```\n{ADD}```", ADD),
    ("first python block when none defines it",
     "```text\nnot code\n```\n```python\nx = 1\n```\n```python\ny = 2\n```", "x = 1\n"),
    ("no fences: the whole answer", ADD, ADD),
    ("cut off by the token limit", f"```python\n{ADD}    # more", f"{ADD}    # more"),
    ("async def counts", "```python\nasync def add(x, y):\n    pass\n```",
     "async def add(x, y):\n    pass\n"),
    ("a similar name does not count",
     "```python\nx = 1\n```\n```python\ndef add_all(x):\n    pass\n```", "x = 1\n"),
]


@pytest.mark.parametrize(("answer", "expected"), [(a, e) for _, a, e in EXTRACTION],
                         ids=[name for name, _, _ in EXTRACTION])
def test_extract_code(answer: str, expected: str) -> None:
    assert extract_code(answer, "add") == expected


INNER = "    # inner comments stay\n    return x + y\n"
TRUNCATION = [
    ("    return x + y\n", "    return x + y\n"),
    ("    return x + y\n\ndef other():\n    pass\n", "    return x + y\n"),
    ("    return x + y\n\n\nif __name__ == '__main__':\n    add(1, 2)", "    return x + y\n\n"),
    ("    return x + y\nprint(add(1, 2))", "    return x + y"),
    ("    return x + y\n# test\nclass A: pass", "    return x + y"),
    (INNER, INNER),
]


@pytest.mark.parametrize(("text", "expected"), TRUNCATION)
def test_truncate_completion(text: str, expected: str) -> None:
    assert truncate_completion(text) == expected


def test_completion_request_sends_the_prompt_as_is_with_stops(humaneval: Suite) -> None:
    task = humaneval.tasks[53]
    params = GenerationParams(temperature=0.2, stop=("\n\n\n",))
    request = build_request(task, ApiStyle.COMPLETION, params, 3)
    assert request.prompt == task.prompt
    assert request.messages == ()
    assert request.sample_index == 3
    assert request.params.stop[0] == "\n\n\n"
    assert set(COMPLETION_STOPS) <= set(request.params.stop)
    assert request.params.temperature == 0.2


def test_chat_request_asks_for_the_entry_point(humaneval: Suite) -> None:
    task = humaneval.tasks[0]
    params = GenerationParams()
    request = build_request(task, ApiStyle.CHAT, params, 0)
    assert request.prompt == ""
    assert [m.role for m in request.messages] == ["system", "user"]
    user = request.messages[1].content
    assert "`has_close_elements`" in user and "```python" in user
    assert task.prompt.strip() in user
    assert request.params == params


@pytest.mark.parametrize("kind", [TaskKind.IMPLEMENT, TaskKind.DEBUG, TaskKind.OPTIMIZE,
                                  TaskKind.EXPLAIN])
def test_each_kind_has_its_own_chat_template(humaneval: Suite, kind: TaskKind) -> None:
    task = replace(humaneval.tasks[0], kind=kind)
    user = build_request(task, ApiStyle.CHAT, GenerationParams(), 0).messages[1].content
    implement = build_request(replace(task, kind=TaskKind.IMPLEMENT), ApiStyle.CHAT,
                              GenerationParams(), 0).messages[1].content
    assert (user == implement) == (kind is TaskKind.IMPLEMENT)
    assert "has_close_elements" in user


def test_cache_keys_differ_per_sample_and_style(humaneval: Suite) -> None:
    from fairclimb.models import ModelSpec

    spec = ModelSpec(name="m", base_url="http://x/v1", model_id="m")
    task = humaneval.tasks[0]
    keys = {build_request(task, ApiStyle.CHAT, GenerationParams(), i).cache_key(spec)
            for i in range(5)}
    assert len(keys) == 5


def test_solution_puts_back_the_prompts_imports_and_helpers(humaneval: Suite) -> None:
    has_close = humaneval.tasks[0]  # from typing import List
    code = ("def has_close_elements(numbers: List[float], threshold: float) -> bool:\n"
            "    return False\n")
    program = solution_program(has_close, code)
    assert program.startswith("from typing import List\n")
    assert program.endswith(code)
    decode = humaneval.get("HumanEval/38")  # encode_cyclic is a prompt helper
    assert decode is not None
    answer = "def decode_cyclic(s: str):\n    return encode_cyclic(encode_cyclic(s))\n"
    program = solution_program(decode, answer)
    assert "def encode_cyclic(" in program and program.endswith(answer)
    assert solution_program(humaneval.tasks[53], ADD) == ADD  # nothing to add


def test_solution_keeps_what_the_answer_already_has(humaneval: Suite) -> None:
    task = humaneval.tasks[0]
    code = ("from typing import List\n\n"
            "def has_close_elements(numbers: List[float], threshold: float) -> bool:\n"
            "    return False\n")
    assert solution_program(task, code) == code


def test_sample_lines_follow_the_contract(humaneval: Suite) -> None:
    task = humaneval.tasks[53]
    assert sample_line(task, ApiStyle.COMPLETION, "    return x + y\n\ndef f(): pass") == {
        "task_id": "HumanEval/53", "completion": "    return x + y\n"}
    assert sample_line(task, ApiStyle.CHAT, f"Sure!\n```python\n{ADD}```") == {
        "task_id": "HumanEval/53", "solution": ADD}


def test_webdev_request_asks_for_one_html_page_and_the_answer_is_its_html_block() -> None:
    task = get_suite("fairclimb-webdev").tasks[0]
    request = build_request(task, ApiStyle.CHAT, GenerationParams(), 0)
    system, user = request.messages
    assert "HTML document" in system.content and "Python" not in system.content
    assert task.prompt.strip() in user.content and "```html" in user.content
    assert "```python" not in user.content
    page = "<!doctype html>\n<html><body><script>let x = 1;</script></body></html>\n"
    answer = f"Here it is:\n```css\nbody {{}}\n```\n```html\n{page}```\nEnjoy."
    assert extract_code(answer, "index.html") == page
    line = sample_line(task, ApiStyle.CHAT, answer)
    assert line == {"task_id": task.task_id, "solution": page}
    assert extract_code(page, "index.html") == page  # no fence: the whole answer


@pytest.mark.parametrize(("suite", "kind", "what"), [
    ("fairclimb-optimize", TaskKind.OPTIMIZE, "faster"),
    ("fairclimb-js", TaskKind.DEBUG, "fixed"),
])
def test_whole_program_tasks_ask_for_and_get_the_whole_program(
        suite: str, kind: TaskKind, what: str) -> None:
    task = next(t for t in get_suite(suite).tasks if t.kind is kind)
    fence = "javascript" if task.language.value == "javascript" else "python"
    chat = build_request(task, ApiStyle.CHAT, GenerationParams(), 0)
    system, user = (message.content for message in chat.messages)
    assert f"whole {what} program" in system and f"whole {what} program" in user
    assert user.startswith(task.prompt.strip())
    assert user.count("```") == task.prompt.count("```") + 1  # the prompt is not re-fenced
    program = task.reference.strip() + "\n"
    assert sample_line(task, ApiStyle.CHAT, f"Here:\n```{fence}\n{program}```\n") == {
        "task_id": task.task_id, "solution": program}
    base = build_request(task, ApiStyle.COMPLETION, GenerationParams(), 0)
    assert base.prompt is not None and base.prompt.endswith(f"```{fence}\n")
    assert "```" in base.params.stop
    line = sample_line(task, ApiStyle.COMPLETION, program + "```\nMore words.",
                       base.params.stop)
    assert line == {"task_id": task.task_id, "solution": program}


def test_a_whole_program_answer_gets_back_the_imports_it_left_out() -> None:
    task = next(t for t in get_suite("fairclimb-optimize").tasks
                if t.slow_reference.lstrip().startswith(("import", "from")))
    first = task.slow_reference.strip().splitlines()[0]
    answer = f"```python\ndef {task.entry_point}(*args):\n    return 1\n```"
    solution = sample_line(task, ApiStyle.CHAT, answer)["solution"]
    assert solution.startswith(first) and f"def {task.entry_point}(*args)" in solution
