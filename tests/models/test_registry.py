"""The model registry: through the store API and through the command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from fairclimb.errors import UserInputError
from fairclimb.models import ApiStyle, ModelSpec, Terms, validate_spec
from fairclimb.store import Store

FAIRCLIMB = [sys.executable, "-m", "fairclimb"]


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*FAIRCLIMB, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120, env={**os.environ, "COLUMNS": "200"}, check=False)


SPEC = ModelSpec(name="teacher", base_url="https://api.example.com/v1", model_id="big-coder",
                 api_key_env="EXAMPLE_KEY", terms=Terms.FORBID,
                 terms_url="https://example.com/terms", style=ApiStyle.COMPLETION,
                 price_in_per_mtok=1.5, price_out_per_mtok=6.0)


@pytest.fixture(params=["file", "memory"])
def store(request: pytest.FixtureRequest, tmp_path: Path):  # type: ignore[no-untyped-def]
    url = str(tmp_path / "fairclimb.db") if request.param == "file" else "sqlite://"
    with Store.open(url) as opened:
        yield opened


def test_add_get_list_remove(store: Store) -> None:
    assert store.list_models() == [] and store.get_model("teacher") is None
    store.add_model(SPEC)
    store.add_model(ModelSpec(name="local", base_url="http://127.0.0.1:8000/v1", model_id="m"))
    assert store.get_model("teacher") == SPEC
    assert [spec.name for spec in store.list_models()] == ["local", "teacher"]
    assert store.remove_model("teacher") is True
    assert store.remove_model("teacher") is False
    assert [spec.name for spec in store.list_models()] == ["local"]


def test_adding_a_taken_name_is_user_error_and_keeps_the_first(store: Store) -> None:
    store.add_model(SPEC)
    with pytest.raises(UserInputError, match="already registered"):
        store.add_model(ModelSpec(name="teacher", base_url="http://x/v1", model_id="other"))
    assert store.get_model("teacher") == SPEC


def test_generations_first_write_wins(store: Store) -> None:
    key = "a" * 64
    assert store.get_generation(key) is None
    store.put_generation(key, "teacher", {"prompt": "p"}, {"text": "first"})
    store.put_generation(key, "teacher", {"prompt": "p"}, {"text": "second"})
    assert store.get_generation(key) == {"text": "first"}


@pytest.mark.parametrize(("changes", "message"), [
    ({"base_url": "localhost:8000"}, r"not an http\(s\) URL"),
    ({"model_id": " "}, "model id must not be empty"),
    ({"api_key_env": "sk-secret-123"}, "not the key itself"),
    ({"name": ""}, "must not be empty"),
    ({"backend": "nope"}, "unknown backend 'nope'"),
])
def test_validate_spec_rejects(changes: dict[str, str], message: str) -> None:
    fields = {"name": "m", "base_url": "http://h/v1", "model_id": "id", **changes}
    with pytest.raises(UserInputError, match=message):
        validate_spec(ModelSpec(**fields))  # type: ignore[arg-type]


def test_cli_add_list_remove(tmp_path: Path) -> None:
    added = run(["models", "add", "teacher", "--base-url", "https://api.example.com/v1",
                 "--model", "big-coder", "--api-key-env", "EXAMPLE_KEY", "--terms", "forbid",
                 "--terms-url", "https://example.com/terms", "--db", "s.db"], tmp_path)
    assert added.returncode == 0, added.stderr
    listed = run(["models", "list", "--json", "--db", "s.db"], tmp_path)
    (row,) = json.loads(listed.stdout)
    assert row["name"] == "teacher" and row["terms"] == "forbid"
    assert row["api_key_env"] == "EXAMPLE_KEY" and row["style"] == "chat"
    table = run(["models", "list", "--db", "s.db"], tmp_path)
    assert "teacher" in table.stdout and "big-coder" in table.stdout
    assert run(["models", "remove", "teacher", "--db", "s.db"], tmp_path).returncode == 0
    assert json.loads(run(["models", "list", "--json", "--db", "s.db"], tmp_path).stdout) == []


@pytest.mark.parametrize(("args", "message"), [
    (["add", "x", "--base-url", "ftp://h", "--model", "m"], "not an http(s) URL"),
    (["add", "x", "--base-url", "http://h/v1", "--model", "m", "--api-key-env", "sk-1"],
     "not the key itself"),
    (["remove", "ghost"], "unknown model 'ghost'; registered models: none yet"),
])
def test_cli_bad_input_is_one_line(tmp_path: Path, args: list[str], message: str) -> None:
    result = run(["models", *args, "--db", "s.db"], tmp_path)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_cli_duplicate_name_leaves_the_first(tmp_path: Path) -> None:
    base = ["models", "add", "m", "--model", "id", "--db", "s.db", "--base-url"]
    assert run([*base, "http://one/v1"], tmp_path).returncode == 0
    again = run([*base, "http://two/v1"], tmp_path)
    assert again.returncode == 2 and "already registered" in again.stderr
    (row,) = json.loads(run(["models", "list", "--json", "--db", "s.db"], tmp_path).stdout)
    assert row["base_url"] == "http://one/v1"


def test_provider_defaults_to_the_base_urls_host(tmp_path: Path) -> None:
    assert SPEC.provider_name == "api.example.com"
    assert ModelSpec(name="c", base_url="", model_id="/ckpt", backend="hf").provider_name == (
        "local")
    db = str(tmp_path / "p.db")
    added = run(["models", "add", "acme", "--model", "m", "--base-url",
                 "http://h.example/v1", "--provider", "Acme", "--db", db], tmp_path)
    assert added.returncode == 0, added.stderr
    with Store.open(db) as store:
        assert store.require_model("acme").provider_name == "Acme"


@pytest.mark.parametrize("backend", ["hf", "mock"])
def test_a_local_models_path_is_kept_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              backend: str) -> None:
    """Each backend's own validate hook: the model works from any directory afterwards."""
    (tmp_path / "ckpt").mkdir()
    (tmp_path / "answers.json").write_text('{"*": "x"}')
    monkeypatch.chdir(tmp_path)
    given = "ckpt" if backend == "hf" else "answers.json"
    spec = validate_spec(ModelSpec("m", "", given, backend=backend))
    assert spec.model_id == str(tmp_path / given)
