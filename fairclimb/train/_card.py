"""A Markdown model card for a trained model, written from its lineage.

The card says what a reader needs to trust or distrust the model's scores: what it
grew from, what it was trained on (datasets, by the hash of their record ids; suites
and splits, whose scores are therefore not held out), whose outputs and whose
judgements are in that data with the teachers' terms, every override and its reason,
the hyperparameters and where it ran. The front matter follows the Hugging Face
model card convention, so the file can be the checkpoint's README.md.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from fairclimb.errors import UserInputError
from fairclimb.store import Store
from fairclimb.train._lineage import LineageGraph, lineage_graph, lineage_of, trained_on

__all__ = ["CARD_FILE", "write_model_card"]

CARD_FILE = "README.md"


def write_model_card(store: Store, name: str, out_dir: Path) -> Path:
    """Write ``out_dir/README.md`` for registered model *name*; returns its path."""
    lineage = lineage_of(store, name)
    if lineage is None:
        store.require_model(name)  # an unknown name gets the registry's sentence
        raise UserInputError(f"model {name!r} has no fairclimb lineage (it was not trained "
                             "by fairclimb train), so there is nothing to put on its card")
    if out_dir.exists() and not out_dir.is_dir():
        raise UserInputError(f"--out {str(out_dir)!r} exists and is not a directory")
    out_dir.mkdir(parents=True, exist_ok=True)
    text = card_text(lineage_graph(store, name), lineage.model_dump(mode="json"),
                     trained_on(store, name))
    path = out_dir / CARD_FILE
    temporary = out_dir / f".{CARD_FILE}.{os.getpid()}.tmp"
    try:
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return path


def card_text(graph: LineageGraph, lineage: dict[str, Any],
              direct: set[tuple[str, str]]) -> str:
    """*direct*: the (suite, split) the model or a base it grew from was trained on."""
    sections = [_front_matter(graph, lineage), f"# {graph.model}\n",
                _overview(graph, lineage), _data(graph), _teachers(graph),
                _suites(graph, direct), _training(lineage), _graph(graph)]
    return "\n".join(section for section in sections if section)


def _front_matter(graph: LineageGraph, lineage: dict[str, Any]) -> str:
    base = graph.base or {}
    lines = ["---", "library_name: transformers", "tags:", "- fairclimb",
             f"- {lineage.get('trainer', 'trained')}"]
    if base.get("name"):
        lines.append(f"base_model: {json.dumps(str(base['name']))}")
    names = sorted({d["name"] for d in graph.datasets if d["trained"] == graph.model})
    if names:
        lines += ["datasets:", *[f"- {json.dumps(name)}" for name in names]]
    return "\n".join([*lines, "---", ""])


def _overview(graph: LineageGraph, lineage: dict[str, Any]) -> str:
    base = graph.base or {}
    grew = f"`{base['name']}` ({base.get('path')})" if base.get("name") else \
        f"`{base.get('path')}`"
    return (f"Trained by `fairclimb train {lineage.get('trainer')}` from {grew}, checkpoint "
            f"SHA-256 `{base.get('sha256') or 'unknown'}`, on {lineage.get('device') or '?'} in "
            f"{float(lineage.get('wall_s') or 0):.0f} s. The whole lineage is in "
            "`fairclimb-train.json` next to the weights.\n")


def _data(graph: LineageGraph) -> str:
    if not graph.datasets:
        return ""
    rows = ["## Training data\n", "| dataset | trained | kind | records | record ids SHA-256 |",
            "| --- | --- | --- | ---: | --- |"]
    for d in graph.datasets:
        rows.append(f"| {d['name']} | {d['trained']} | {d['kind'] or '-'} | {d['records']} | "
                    f"`{d['record_ids_sha256'] or '-'}` |")
    overrides = [(d["name"], o) for d in graph.datasets for o in d["overrides"]]
    if overrides:
        rows.append("\nOverrides:\n")
        rows += [f"- {name}: {o.get('kind')} override, reason: {o.get('reason')}"
                 for name, o in overrides]
    if graph.raters:
        rows.append(f"\nPeople's judgements from {len(graph.raters)} rater(s) (pseudonyms): "
                    f"{', '.join(graph.raters)}.")
    return "\n".join(rows) + "\n"


def _teachers(graph: LineageGraph) -> str:
    if not graph.teachers:
        return ""
    rows = ["## Teachers and their terms\n",
            "Models whose outputs are in the training data, and whether their terms allow "
            "training other models on them.\n",
            "| model | served as | role | for | terms | override |",
            "| --- | --- | --- | --- | --- | --- |"]
    for t in graph.teachers:
        terms = t["terms"] if not t.get("terms_url") else f"[{t['terms']}]({t['terms_url']})"
        rows.append(f"| {t['name']} | {t['model'] or '-'} | {t['role']} | {t['taught']} | "
                    f"{terms} | {t['override_reason'] or '-'} |")
    return "\n".join(rows) + "\n"


def _suites(graph: LineageGraph, direct: set[tuple[str, str]]) -> str:
    rows = ["## Benchmarks trained on\n"]
    if direct:
        rows.append("It, or a base it grew from, was trained on these suites and splits: its "
                    "scores on them are not held-out scores.\n")
        rows += [f"- {suite}, {split} split" for suite, split in sorted(direct)]
    else:
        rows.append("None: no suite's tasks were in its own training data or its bases'.")
    indirect = sorted({(s["suite"], s["split"], s["trained"]) for s in graph.suites
                       if (s["suite"], s["split"]) not in direct})
    if indirect:
        rows.append("\nModels whose outputs it learnt from were trained on:\n")
        rows += [f"- {suite}, {split} split (by {by})" for suite, split, by in indirect]
    return "\n".join(rows) + "\n"


def _training(lineage: dict[str, Any]) -> str:
    rows = ["## Training\n", "| setting | value |", "| --- | --- |"]
    for group in ("hyperparameters", "seeds", "libraries"):
        for key, value in sorted((lineage.get(group) or {}).items()):
            rows.append(f"| {key} | `{json.dumps(value)}` |")
    return "\n".join(rows) + "\n"


def _graph(graph: LineageGraph) -> str:
    lines = ["## Lineage\n", "```text", *graph.lines(), "```"]
    if graph.cycles:
        lines.append("\nThe lineage has a cycle: a model was trained on outputs of a model "
                     "that grew from its own outputs, so errors can feed on themselves.")
    return "\n".join(lines) + "\n"
