"""fairclimb: make a coding model better, and prove it honestly.

The verbs, each returning its part's typed result::

    import fairclimb

    outcome = fairclimb.evaluate_samples("samples.jsonl", "runs/mine")
    print(outcome.summary.pass_at_k)

``evaluate_samples``, ``evaluate_model``, ``generate``, ``rate``, ``distill``, ``train``
and ``serve_arena`` live in :mod:`fairclimb._verbs` and load on first use (PEP 562), so
``import fairclimb`` (and ``fairclimb --help``) stays cheap.
"""

from fairclimb._version import __version__

# Not typing.TYPE_CHECKING: importing typing alone costs more than this whole module;
# mypy treats any constant of this name as true.
TYPE_CHECKING = False

if TYPE_CHECKING:
    from fairclimb._verbs import (
        distill,
        evaluate_model,
        evaluate_samples,
        generate,
        rate,
        serve_arena,
        train,
    )

__all__ = ["__version__", "distill", "evaluate_model", "evaluate_samples", "generate", "rate",
           "serve_arena", "train"]

_VERBS = frozenset(__all__) - {"__version__"}


def __getattr__(name: str) -> object:
    if name == "train":  # the part, callable as the verb (see fairclimb/train/__init__.py)
        import importlib

        return importlib.import_module("fairclimb.train")
    if name in _VERBS:
        from fairclimb import _verbs

        value = getattr(_verbs, name)
        globals()[name] = value  # later look-ups skip this function
        return value
    raise AttributeError(f"module 'fairclimb' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
