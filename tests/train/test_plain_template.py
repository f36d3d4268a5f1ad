"""A checkpoint without a chat template is trained on exactly the text the hf backend
prompts such a checkpoint with: ``role: content`` lines, then ``assistant:`` (the format
the backend documents; tests/models/test_hf_backend.py pins the backend's side of it)."""

from __future__ import annotations

from pathlib import Path

import pytest
from trainer_fixtures import make_checkpoint

from fairclimb.models import Message
from fairclimb.train._model import load_tokenizer
from fairclimb.train._sft import prompt_completion

pytest.importorskip("transformers", reason="the train extra is not installed")

MESSAGES = (Message("system", "be brief"), Message("user", "hi there"))


def test_the_plain_template_renders_the_backends_lines(tmp_path: Path) -> None:
    import transformers

    base = make_checkpoint(tmp_path / "base", ["be brief hi there"])
    bare = transformers.AutoTokenizer.from_pretrained(base, local_files_only=True)
    assert not getattr(bare, "chat_template", None)
    templated = load_tokenizer(base)
    said = [{"role": m.role, "content": m.content} for m in MESSAGES]
    rendered = templated.apply_chat_template(said, tokenize=False, add_generation_prompt=True)
    # Hugging Face renders templates with trim_blocks, which drops a newline written
    # right after a block tag: the lines must survive it.
    assert rendered == "system: be brief\nuser: hi there\nassistant:"
    row = prompt_completion([*said, {"role": "assistant", "content": "olive"}], templated)
    assert row == {"prompt": "system: be brief\nuser: hi there\nassistant:",
                   "completion": " olive"}
