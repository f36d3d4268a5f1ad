"""The Node runner bounds its encoding as the Python codec does (MAX_OBJECTS values,
counted alike), so a JavaScript answer that is too large is told so, "value too large",
instead of being sent whole and refused as an invalid answer; on both backends."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from fairclimb.sandbox import (
    MAX_OBJECTS,
    CallKind,
    CodecError,
    Limits,
    Sandbox,
    bubblewrap_works,
    encode_value,
    find_node,
    select_backend,
)

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")

# Values by their size in the codec's count: a list of n zeros is n + 1 values, an
# object of k entries 3k + 1 (each entry: its [key, value] pair and both).
PROGRAM = """
function f(kind, n) {
  if (kind === "list") return new Array(n).fill(0);
  if (kind === "nested") return Array.from({length: n}, () => []);
  if (kind === "sparse") return new Array(n);
  const object = {};
  for (let i = 0; i < n; i++) object["k" + i] = i;
  return object;
}
"""
CASES = [  # (kind, n, within the bound)
    ("list", MAX_OBJECTS - 1, True), ("list", MAX_OBJECTS, False),
    ("nested", MAX_OBJECTS // 2, True), ("nested", MAX_OBJECTS, False),
    ("object", (MAX_OBJECTS - 1) // 3, True), ("object", (MAX_OBJECTS - 1) // 3 + 1, False),
    ("sparse", 10**9, False),  # a billion holes: refused before a billion steps
]


def _python_value(kind: str, n: int) -> object:
    if kind == "list":
        return [0] * n
    if kind == "nested":
        return [[] for _ in range(n)]
    return {f"k{i}": i for i in range(n)}


@pytest.fixture(scope="module", params=["bwrap", "rlimits"])
def sandbox(request: pytest.FixtureRequest) -> Iterator[Sandbox]:
    if request.param == "bwrap" and not bubblewrap_works():
        pytest.skip("bubblewrap is missing or cannot create namespaces here")
    limits = Limits(wall_s=20.0, memory_bytes=1 << 30)
    with Sandbox(select_backend(request.param), limits, node=find_node()) as started:
        yield started


@pytest.mark.parametrize(("kind", "n", "fits"), CASES,
                         ids=[f"{kind}-{n}" for kind, n, _ in CASES])
def test_a_too_large_javascript_value_is_reported_as_too_large(
        sandbox: Sandbox, kind: str, n: int, fits: bool) -> None:
    execution = sandbox.execute(PROGRAM, "f", language="javascript")
    try:
        assert execution.load().ok
        result = execution.call((kind, n), {})
    finally:
        execution.finish()
    if fits:
        assert result.kind is CallKind.RETURNED, result.message
        assert result.value == _python_value(kind, n)
    else:
        assert result.kind is CallKind.UNENCODABLE, result
        assert f"value too large: more than {MAX_OBJECTS} objects" in result.message


@pytest.mark.parametrize(("kind", "n", "fits"), [c for c in CASES if c[0] != "sparse"])
def test_python_counts_the_same_values_alike(kind: str, n: int, fits: bool) -> None:
    value = _python_value(kind, n)
    if fits:
        encode_value(value)
    else:
        with pytest.raises(CodecError, match="value too large"):
            encode_value(value)
