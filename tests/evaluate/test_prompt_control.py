"""Prompt control: --system, --template, --raw, and natural-language prompts."""

from __future__ import annotations

import pytest

from fairclimb.errors import UserInputError
from fairclimb.evaluate import PromptControl, build_request
from fairclimb.models import ApiStyle, GenerationParams, ModelSpec
from fairclimb.suites import Language, Task, get_suite

PARAMS = GenerationParams()
STUB = get_suite("humaneval").tasks[0]


def words(entry: str = "", language: Language = Language.PYTHON) -> Task:
    return Task(task_id="mine/0", suite="mine", prompt="Write a function that adds two numbers.",
                entry_point=entry, reference="", tests="", language=language)


@pytest.mark.parametrize("language", [Language.PYTHON, Language.JAVASCRIPT])
def test_a_natural_language_prompt_is_sent_as_written_not_fenced(language: Language) -> None:
    request = build_request(words("add", language), ApiStyle.CHAT, PARAMS, 0)
    user = request.messages[-1].content
    assert user.startswith("Write a function that adds two numbers.\n\n")
    assert "```python\nWrite" not in user and "```javascript\nWrite" not in user
    assert "Complete the following" not in user and "`add`" in user


def test_without_an_entry_point_nothing_asks_for_an_unnamed_function() -> None:
    for task in (words(), Task(task_id="t", suite="s", prompt="def f(x):\n    pass\n",
                               entry_point="", reference="", tests="")):
        user = build_request(task, ApiStyle.CHAT, PARAMS, 0).messages[-1].content
        assert "``" not in user.replace("```", ""), user
        assert "complete code" in user


def test_a_code_prompt_keeps_fairclimbs_prompt_and_cache_key() -> None:
    plain = build_request(STUB, ApiStyle.CHAT, PARAMS, 0)
    assert plain.messages[-1].content.startswith("Complete the following Python function.")
    assert build_request(STUB, ApiStyle.CHAT, PARAMS, 0, PromptControl()) == plain
    assert "prompt_template" not in plain.params.as_dict()


def test_system_template_and_raw() -> None:
    system = build_request(STUB, ApiStyle.CHAT, PARAMS, 0, PromptControl(system="Be terse."))
    assert system.messages[0].content == "Be terse."
    assert system.messages[1] == build_request(STUB, ApiStyle.CHAT, PARAMS, 0).messages[1]
    raw = build_request(STUB, ApiStyle.CHAT, PARAMS, 0, PromptControl(raw=True))
    assert [m.role for m in raw.messages] == ["user"]
    assert raw.messages[0].content == STUB.prompt
    template = PromptControl(template="Task {{ task_id }} ({{ entry_point }}):\n{{ prompt }}")
    templated = build_request(STUB, ApiStyle.CHAT, PARAMS, 0, template)
    assert templated.messages[-1].content == (
        f"Task HumanEval/0 (has_close_elements):\n{STUB.prompt}")
    completion = build_request(STUB, ApiStyle.COMPLETION, PARAMS, 0, template)
    assert completion.prompt == templated.messages[-1].content


def test_the_control_is_in_the_cache_key_and_provenance() -> None:
    spec = ModelSpec(name="m", base_url="http://x/v1", model_id="m")
    keys = set()
    for control in (PromptControl(), PromptControl(system="a"), PromptControl(system="b"),
                    PromptControl(template="{{ prompt }}"), PromptControl(raw=True),
                    PromptControl(template="{{ prompt }} ")):
        request = build_request(STUB, ApiStyle.CHAT, PARAMS, 0, control)
        keys.add(request.cache_key(spec))
        assert request.params.as_dict().get("prompt_template", "") == control.digest
    assert len(keys) == 6
    extra = GenerationParams(extra_body={"top_k": 20})
    assert build_request(STUB, ApiStyle.CHAT, extra, 0).cache_key(spec) not in keys


def test_a_template_naming_an_unknown_field_is_one_sentence() -> None:
    with pytest.raises(UserInputError, match="'nope' is undefined"):
        build_request(STUB, ApiStyle.CHAT, PARAMS, 0, PromptControl(template="{{ nope }}"))
