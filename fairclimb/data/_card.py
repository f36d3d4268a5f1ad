"""Dataset cards: a Markdown card for people and a Croissant-RAI JSON-LD file for tools.

Both say where every kept row came from (composition by origin and kind; every model
whose output is in a kept row, read from the record gate's decision in its provenance,
with its terms, any override and its reason; the raters by count, time and pay),
what was removed and why (failed execution, duplicates, contamination), the
parameters of the checks, and the licences.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fairclimb._version import __version__
from fairclimb.data._croissant import (
    RECORDS_FILE,
    collection_sentence,
    croissant_document,
    settings_json,
    who,
)
from fairclimb.data._datasets import require_dataset, stats_of
from fairclimb.data._export import card_rows
from fairclimb.data._records import MemberStatus
from fairclimb.errors import UserInputError
from fairclimb.store import DataRepository, MemberRow, Store

__all__ = ["CardOutcome", "card_facts", "write_card"]

SEMVER = re.compile(r"\d+\.\d+\.\d+")

@dataclass(frozen=True, slots=True)
class CardOutcome:
    markdown: Path
    croissant: Path
    records: Path
    rows: int


def _raters(kept: list[MemberRow]) -> dict[str, Any]:
    people: dict[str, dict[str, float]] = {}
    briefings: set[str] = set()
    gold = 0
    for member in kept:
        human = member.record.provenance.get("human")
        if not human:
            continue
        totals = people.setdefault(str(human.get("rater")), {"records": 0, "seconds": 0.0,
                                                             "pay_usd": 0.0})
        totals["records"] += 1
        totals["seconds"] += float(human.get("seconds") or 0.0)
        totals["pay_usd"] += float(human.get("pay_usd") or 0.0)
        if human.get("briefing_version"):
            briefings.add(str(human["briefing_version"]))
        gold += bool(human.get("gold"))
    return {"count": len(people),
            "seconds": round(sum(p["seconds"] for p in people.values()), 1),
            "pay_usd": round(sum(p["pay_usd"] for p in people.values()), 2),
            "briefing_versions": sorted(briefings), "gold_records": gold}


def _models(kept: list[MemberRow]) -> dict[str, Any]:
    """Every model whose output is in a kept row, from the gate's decision per record."""
    models: dict[str, dict[str, Any]] = {}
    ungated = 0
    for member in kept:
        gate = member.record.provenance.get("gate")
        if not isinstance(gate, dict):
            ungated += 1
            continue
        for decision in gate.get("models", []):
            row = models.setdefault(decision["model"], {
                "model": decision["model"], "terms": decision["terms"],
                "effective_terms": set(), "served_models": set(), "overrides": set(),
                "records": 0})
            row["records"] += 1
            row["effective_terms"].add(decision["effective_terms"])
            if decision.get("served_model"):
                row["served_models"].add(decision["served_model"])
            if decision.get("override"):
                row["overrides"].add(decision["override"])
    rows = [{**row, **{k: sorted(row[k]) for k in ("effective_terms", "served_models",
                                                     "overrides")}}
            for _, row in sorted(models.items())]
    return {"rows": rows, "ungated_records": ungated}


def card_facts(store: Store, name: str) -> dict[str, Any]:
    """Everything a card states, as data (the Markdown and JSON-LD render it)."""
    repo = DataRepository(store)
    info = require_dataset(repo, name)
    members = repo.members(name)
    kept = [m for m in members if m.status == MemberStatus.KEPT]
    report = repo.contamination(name)
    removed = Counter((m.status, m.reason.split(":")[0]) for m in members
                      if m.status != MemberStatus.KEPT)
    return {
        "name": name, "fairclimb_version": __version__,
        "created_at": info.created_at.isoformat(), "updated_at": info.updated_at.isoformat(),
        "stats": stats_of(members),
        "teachers": info.notes.get("teachers", []),
        "models": _models(kept),
        "gate_refusals": info.notes.get("gate_refusals", []),
        "overrides": info.notes.get("overrides", []),
        "warnings": info.notes.get("warnings", []),
        "sources": info.notes.get("sources", []),
        "feedback_imports": info.notes.get("feedback_imports", []),
        "raters": _raters(kept),
        "removed": [{"status": s, "why": w, "count": c} for (s, w), c in sorted(removed.items())],
        "contamination": {"matches": len(report),
                          "records": len({r.record_id for r in report}),
                          "tasks": sorted({r.task_id for r in report}),
                          "by_method": dict(Counter(r.method for r in report))},
        "dedup": info.notes.get("dedup", {}),
        "decontamination": info.notes.get("decontamination", {}),
        "checked_tasks": info.notes.get("checked_tasks"),
        "licences": dict(Counter(m.record.licence or "unspecified" for m in kept)),
    }


def write_card(store: Store, name: str, out_dir: Path, *, description: str = "",
               version: str = "1.0.0") -> CardOutcome:
    """Write ``README.md`` (the card), ``records.jsonl`` (the kept public rows) and
    ``croissant.json`` (which describes that file) into *out_dir*."""
    if out_dir.exists() and not out_dir.is_dir():
        raise UserInputError(f"--out {str(out_dir)!r} exists and is not a directory")
    if not SEMVER.fullmatch(version):
        raise UserInputError(f"--version {version!r} is not MAJOR.MINOR.PATCH (e.g. 1.0.0)")
    facts = card_facts(store, name)
    facts.update(description=description.strip(), version=version)
    rows = card_rows(store, name)
    out_dir.mkdir(parents=True, exist_ok=True)
    records = out_dir / RECORDS_FILE
    data = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    _write_atomic(records, data)
    digest = hashlib.sha256(data.encode("utf-8")).hexdigest()
    facts.update(files=[{"name": RECORDS_FILE, "rows": len(rows), "sha256": digest}])
    markdown, croissant = out_dir / "README.md", out_dir / "croissant.json"
    _write_atomic(markdown, render_markdown(facts))
    _write_atomic(croissant, json.dumps(croissant_document(facts, sha256=digest,
                                                           rows=len(rows)), indent=2) + "\n")
    return CardOutcome(markdown, croissant, records, len(rows))


def _write_atomic(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def render_markdown(facts: dict[str, Any]) -> str:
    stats = facts["stats"]
    lines = [
        f"# Dataset card: {facts['name']}", "",
        *([facts["description"], ""] if facts.get("description") else []),
        f"Version {facts['version']}. Files: "
        + ", ".join(f"`{f['name']}` ({f['rows']} rows, sha256 {f['sha256']})"
                    for f in facts["files"])
        + "; `croissant.json` describes them (Croissant 1.0 with RAI).", "",
        f"Written by fairclimb {facts['fairclimb_version']}; last changed "
        f"{facts['updated_at']}. Every row of an export carries its provenance as JSON.", "",
        "## Composition", "",
        f"- kept rows: **{stats['kept']}** of {stats['generated']} offered",
        f"- by origin: human {stats['kept_by_origin']['human']}, synthetic "
        f"{stats['kept_by_origin']['synthetic']}, hybrid (model output corrected by a "
        f"person) {stats['kept_by_origin']['hybrid']}",
        f"- by kind: {', '.join(f'{k} {v}' for k, v in stats['kept_by_kind'].items()) or '-'}",
        f"- unverified (no tests to run): {stats['unverified']}",
        f"- from private suite tasks (never exported by default): {stats['private']}", "",
        "## Where it came from", "", collection_sentence(facts), "",
    ]
    if facts["teachers"]:
        lines += ["| teacher | model | endpoint | terms | terms URL |", "|---|---|---|---|---|"]
        lines += [f"| {t['name']} | {t['model_id']} | {t['endpoint']} | {t['terms']} | "
                  f"{t.get('terms_url') or '-'} |" for t in facts["teachers"]]
        lines.append("")
    lines += _models_markdown(facts)
    if facts["overrides"]:
        lines += ["### Terms overrides", ""]
        lines += [f"- **{who(o)}** (terms: {o['terms']}) overridden on {o['at']}: "
                  f"{o['reason']}" for o in facts["overrides"]]
        lines.append("")
    if facts["warnings"]:
        lines += ["### Warnings", ""] + [f"- {w}" for w in facts["warnings"]] + [""]
    raters = facts["raters"]
    lines += ["## People", "",
              f"- raters (pseudonymous): {raters['count']}; time spent: "
              f"{raters['seconds'] / 3600:.2f} h; pay recorded: ${raters['pay_usd']:.2f}",
              f"- briefing versions accepted: {', '.join(raters['briefing_versions']) or '-'}",
              f"- rows from gold (known-answer) battles: {raters['gold_records']}", "",
              "## What was removed and why", "",
              f"- failed execution: {stats['failed_execution']}",
              f"- duplicates (exact hash, then MinHash LSH): {stats['duplicates']}",
              f"- contaminated (matches a benchmark task): {stats['contaminated']}",
              f"- excluded: {stats['excluded']}", ""]
    contamination = facts["contamination"]
    lines += [f"Decontamination checked {facts['checked_tasks']} tasks of every known suite "
              f"(private ones included; only task ids are named): "
              f"{contamination['matches']} matches on {contamination['records']} records, "
              f"by method {contamination['by_method'] or '-'}.", "",
              f"- dedup parameters: `{settings_json(facts['dedup'])}`",
              f"- decontamination parameters: "
              f"`{settings_json(facts['decontamination'])}`", "",
              "## Licence", ""]
    lines += [f"- {lic}: {count} rows" for lic, count in facts["licences"].items()] or ["-"]
    lines.append("")
    return "\n".join(lines)


def _models_markdown(facts: dict[str, Any]) -> list[str]:
    models = facts["models"]
    lines = ["### Models whose output is in the data", ""]
    if models["rows"]:
        lines += ["| model | terms | terms applied | served as | kept rows | override |",
                  "|---|---|---|---|---|---|"]
        lines += [f"| {m['model']} | {m['terms']} | {', '.join(m['effective_terms'])} | "
                  f"{', '.join(m['served_models']) or '-'} | {m['records']} | "
                  f"{'; '.join(m['overrides']) or '-'} |" for m in models["rows"]]
    else:
        lines.append("None: no kept row contains a model's output.")
    if models["ungated_records"]:
        lines.append(f"\n{models['ungated_records']} kept rows carry no record-gate decision "
                     "(made before the gate): their models are not listed.")
    for refusal in facts["gate_refusals"]:
        counts = ", ".join(f"{k} {v}" for k, v in refusal.items() if k != "source")
        lines.append(f"\nRefused by the record gate ({refusal['source']}): {counts}.")
    return [*lines, ""]
