"""What a checker process pays before it checks anything: every ``fairclimb eval`` starts
one per worker, so their imports are paid on every command."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

# The parts a checker never uses: the store (SQLAlchemy, Alembic), the models part (HTTP
# clients), NumPy and Rich. Importing them took ~1 s of CPU per checker.
HEAVY = ("fairclimb.store", "fairclimb.models", "sqlalchemy", "alembic", "aiohttp", "numpy",
         "rich")


def _loaded_after(statement: str) -> set[str]:
    code = f"import sys\n{statement}\nprint('\\n'.join(sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    return set(out.split())


@pytest.mark.parametrize("statement", [
    "import fairclimb.evaluate.judge._pool",  # where a checker process starts
    "import fairclimb.evaluate",
])
def test_the_checker_imports_nothing_heavy(statement: str) -> None:
    loaded = _loaded_after(statement)
    assert sorted(name for name in loaded if name.split(".")[0] in HEAVY
                  or name.startswith(HEAVY)) == []


def test_the_facade_still_gives_every_name() -> None:
    import fairclimb.evaluate as evaluate

    assert set(evaluate.__all__) <= set(dir(evaluate))
    for name in evaluate.__all__:
        getattr(evaluate, name)  # each loads from its module on first use
    with pytest.raises(AttributeError):
        evaluate.no_such_name  # noqa: B018


def test_a_checker_starts_one_sandbox(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each start is a bubblewrap and an interpreter; a second one was paid by every
    checker of every command, and its zygote was left to notice it was dropped."""
    import multiprocessing

    from fairclimb.evaluate.judge import _pool
    from fairclimb.sandbox import Limits, Sandbox

    starts: list[int] = []
    start = Sandbox.start

    def counting(self: Sandbox) -> None:
        starts.append(id(self))
        start(self)

    monkeypatch.setattr(Sandbox, "start", counting)
    ours, theirs = multiprocessing.Pipe()
    ours.send(None)  # stop as soon as it is ready
    interrupt = signal.getsignal(signal.SIGINT)  # a checker ignores Ctrl-C; pytest must not
    try:
        _pool._checker_main(theirs, "auto", Limits(wall_s=2.0), None)
    finally:
        signal.signal(signal.SIGINT, interrupt)
    assert ours.recv() == ("ready", None)
    assert len(starts) == 1


def test_eval_on_an_up_to_date_store_imports_no_migrations_nor_http(tmp_path: Path) -> None:
    """``fairclimb eval --samples`` on a store that is already at the newest revision
    needs neither Alembic (with Mako) to migrate nor the HTTP client (aiohttp) and the
    template engine (Jinja2) that only drawing from a model needs: together they were
    about a third of the command's start-up CPU."""
    from fairclimb.store import Store

    url = f"sqlite:///{tmp_path / 'store.db'}"
    Store.open(url).close()  # made and stamped once, as by a user's first command
    loaded = _loaded_after("import fairclimb.cli._eval\nfrom fairclimb.store import Store\n"
                           f"Store.open({url!r}).close()")
    assert sorted(name for name in loaded
                  if name.split(".")[0] in ("alembic", "mako", "aiohttp", "jinja2")) == []


def test_the_eval_command_loads_no_store_before_its_checkers_start() -> None:
    """The command's module is light: the store (SQLAlchemy) and the engine's NumPy are
    imported inside it after the checker processes started, so their start overlaps."""
    loaded = _loaded_after("import fairclimb.cli._eval")
    assert sorted(name for name in loaded
                  if name.split(".")[0] in ("sqlalchemy", "numpy", "alembic", "aiohttp")
                  or name == "fairclimb.store") == []
