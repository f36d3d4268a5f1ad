"""fairclimb models add|list|remove|lineage: the model registry in the store."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Annotated

import typer
from rich.console import Console

from fairclimb.cli._common import DbOption, whole_table
from fairclimb.models import ApiStyle, ModelSpec, Terms, UnknownModelError, validate_spec
from fairclimb.settings import load_settings
from fairclimb.store import Store


def add_command(
    name: Annotated[str, typer.Argument(help="The name to call the model by.")],
    model: Annotated[str, typer.Option(
        "--model", help="The model id the server knows; for --backend hf, the checkpoint's "
        "directory; for --backend mock, the answers file or echo.")],
    base_url: Annotated[str, typer.Option("--base-url", help="OpenAI-compatible base URL, "
                                          "e.g. http://localhost:8000/v1.")] = "",
    backend: Annotated[str, typer.Option(
        "--backend", help="openai (an OpenAI-compatible endpoint), hf (a local Hugging "
        "Face checkpoint; needs the 'hf' extra), mock (answers from a file, for tests; "
        "--model FILE or echo) or a plugin's backend.")] = "openai",
    api_key_env: Annotated[str | None, typer.Option(
        "--api-key-env", help="NAME of the environment variable holding the API key "
        "(read at call time, never stored).")] = None,
    terms: Annotated[Terms, typer.Option(
        "--terms", help="May its outputs train other models?")] = Terms.UNKNOWN,
    terms_url: Annotated[str | None, typer.Option("--terms-url",
                                                  help="Where the terms say so.")] = None,
    style: Annotated[ApiStyle, typer.Option(
        "--style", help="chat (/chat/completions) or completion (/completions).")] = ApiStyle.CHAT,
    price_in: Annotated[float | None, typer.Option(
        "--price-in", min=0, help="USD per million prompt tokens.")] = None,
    price_out: Annotated[float | None, typer.Option(
        "--price-out", min=0, help="USD per million completion tokens.")] = None,
    provider: Annotated[str | None, typer.Option(
        "--provider", help="Who makes the model (default: the base URL's host); the arena "
        "audit counts each provider's private variants.")] = None,
    db: DbOption = None,
) -> None:
    """Register a model: an OpenAI-compatible endpoint or a local Hugging Face checkpoint."""
    spec = validate_spec(ModelSpec(
        name=name, base_url=base_url, model_id=model, api_key_env=api_key_env, terms=terms,
        terms_url=terms_url, style=style, backend=backend, price_in_per_mtok=price_in,
        price_out_per_mtok=price_out, provider=provider,
    ))
    with Store.open(load_settings(db=db).db) as store:
        store.add_model(spec)
    where = f"{spec.model_id} at {base_url}" if base_url else f"{backend}:{spec.model_id}"
    Console().print(f"registered model {name} ({where})", highlight=False)


def list_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list.")] = False,
    db: DbOption = None,
) -> None:
    """List registered models with their endpoints and terms."""
    with Store.open(load_settings(db=db).db) as store:
        specs = store.list_models()
    if as_json:
        typer.echo(json.dumps([asdict(spec) for spec in specs], indent=2))
        return
    table = whole_table("name", "model", "base url", "style", "key variable", "terms", "terms url")
    for spec in specs:
        table.add_row(spec.name, spec.model_id, spec.base_url, spec.style.value,
                      spec.api_key_env or "-", spec.terms.value, spec.terms_url or "-")
    Console().print(table)


def remove_command(
    name: Annotated[str, typer.Argument(help="The registered model to forget.")],
    db: DbOption = None,
) -> None:
    """Remove a model from the registry (its cached generations stay)."""
    with Store.open(load_settings(db=db).db) as store:
        if not store.remove_model(name):
            raise UnknownModelError(name, [spec.name for spec in store.list_models()])
    Console().print(f"removed model {name}", highlight=False)


def lineage_command(
    name: Annotated[str, typer.Argument(help="The registered model to trace.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the graph as JSON.")] = False,
    db: DbOption = None,
) -> None:
    """Trace a trained model back to its base, data, teachers (with terms) and raters."""
    from fairclimb.train import lineage_graph

    with Store.open(load_settings(db=db).db) as store:
        graph = lineage_graph(store, name)
    if as_json:
        typer.echo(json.dumps(graph.to_json(), indent=2))
        return
    for line in graph.lines():
        Console().print(line, highlight=False, soft_wrap=True)


app = typer.Typer(name="models", help="The model registry: add, list and remove models, "
                  "trace a trained model's lineage.", no_args_is_help=True)
COMMANDS = {"add": add_command, "list": list_command, "remove": remove_command,
            "lineage": lineage_command}
