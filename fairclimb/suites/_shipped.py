"""The suites fairclimb ships, each registered by name in the ``fairclimb.suites``
entry-point group (pyproject.toml) exactly as a plugin's suite is."""

from __future__ import annotations

import functools

from fairclimb.suites._bundled import load_bundled
from fairclimb.suites._humaneval import load_humaneval
from fairclimb.suites._info import SuiteInfo

__all__ = ["HUMANEVAL", "IMPLEMENT", "JAVASCRIPT", "OPTIMIZE", "SHIPPED", "WEBDEV"]


def _bundled(name: str, description: str) -> SuiteInfo:
    """A suite written for fairclimb, shipped as TOML files (see ``_bundled.py``)."""
    return SuiteInfo(name=name, description=description, origin="fairclimb",
                     loader=functools.partial(load_bundled, name))


HUMANEVAL = SuiteInfo(
    name="humaneval",
    description="HumanEval: 164 hand-written Python functions with unit tests",
    origin="openai/human-eval",
    loader=load_humaneval,
)
IMPLEMENT = _bundled(
    "fairclimb-implement",
    "Original Python functions from everyday work, with creation dates; public and "
    "private splits")
JAVASCRIPT = _bundled(
    "fairclimb-js",
    "Original JavaScript tasks (implement from JSDoc, fix a bug), run in Node.js and "
    "checked by trusted Python tests")
OPTIMIZE = _bundled(
    "fairclimb-optimize",
    "Make a slow correct function fast: scored by tests, then by CPU cost on a heavy "
    "input between a slow and a fast reference")
WEBDEV = _bundled(
    "fairclimb-webdev",
    "Original prompts for small self-contained web pages; no automatic tests, judged "
    "by people in the arena")

#: name -> entry-point value, in the order ``fairclimb suites`` lists them; the same
#: entries are in pyproject.toml's [project.entry-points."fairclimb.suites"]
SHIPPED = {
    info.name: f"{__name__}:{attribute}"
    for attribute, info in (("HUMANEVAL", HUMANEVAL), ("IMPLEMENT", IMPLEMENT),
                            ("JAVASCRIPT", JAVASCRIPT), ("OPTIMIZE", OPTIMIZE),
                            ("WEBDEV", WEBDEV))
}
