"""Paths as well-formed text: any bytes of a file name, never two paths as one text."""

from __future__ import annotations

import os
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from fairclimb.evaluate._text import path_text, well_formed

NAMES = st.binary(min_size=1, max_size=20).filter(
    lambda name: b"/" not in name and b"\x00" not in name and name not in (b".", b".."))


@given(NAMES, NAMES)
def test_path_text_is_well_formed_and_keeps_paths_apart(first: bytes, second: bytes) -> None:
    one, other = (Path(os.fsdecode(b"/tmp/" + name)) for name in (first, second))
    text = path_text(one)
    assert well_formed(text) == text
    text.encode("utf-8")  # strict: any writer takes it
    if first != second and b"\\" not in first + second:
        assert path_text(other) != text


def test_a_utf8_path_is_itself() -> None:
    assert path_text(Path("/tmp/r\u00e9sultats")) == "/tmp/r\u00e9sultats"
    assert path_text(Path(os.fsdecode(b"/tmp/s\xff.jsonl"))) == "/tmp/s\\xff.jsonl"
