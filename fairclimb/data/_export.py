"""Export: a dataset's kept records in the Hugging Face TRL formats.

* ``trl-sft``: JSONL, one ``{"messages": [{"role", "content"}, ...]}`` per SFT record;
* ``trl-dpo``: JSONL, one conversational ``{"prompt", "chosen", "rejected"}`` per
  preference record;
* ``jsonl`` / ``parquet``: every kept record, one table: ``record_id``, ``kind``,
  ``origin``, ``messages`` (SFT), ``prompt``/``chosen``/``rejected`` (preferences),
  ``annotation`` (JSON text, annotations).

Every row carries its provenance as a JSON string in a ``provenance`` column, with the
dataset's verdicts added (status, dedup, decontamination). Files are written to a
temporary name and renamed, so a crash never leaves half a file. Records derived from
private suite tasks are left out unless ``include_private``.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fairclimb.data._datasets import require_dataset
from fairclimb.data._records import MemberStatus, canonical_json
from fairclimb.errors import UserInputError
from fairclimb.store import ContaminationRow, DataRepository, MemberRow, Store

__all__ = ["FORMATS", "ExportOutcome", "card_rows", "export_dataset"]

FORMATS = ("trl-sft", "trl-dpo", "jsonl", "parquet")


@dataclass(frozen=True, slots=True)
class ExportOutcome:
    path: Path
    format: str
    rows: int
    private_left_out: int

    def to_json(self) -> dict[str, Any]:
        return {"path": str(self.path), "format": self.format, "rows": self.rows,
                "private_left_out": self.private_left_out}


def export_dataset(store: Store, name: str, fmt: str, out: Path, *,
                   include_private: bool = False, verified_only: bool = False
                   ) -> ExportOutcome:
    """Write the kept records of *name* in *fmt* to *out*. *verified_only* leaves out the
    records no test checked (human votes, unverified generations). Nothing to write is
    an error that says what the dataset does hold, and no file is written."""
    if fmt not in FORMATS:
        raise UserInputError(f"unsupported export format {fmt!r}; choose one of "
                             f"{', '.join(FORMATS)}")
    if out.is_dir():
        raise UserInputError(f"--out {str(out)!r} is a directory; give a file path")
    if not out.parent.is_dir():
        raise UserInputError(f"the folder of --out {str(out.parent)!r} does not exist")
    repo = DataRepository(store)
    settings = curation_settings(require_dataset(repo, name).notes)
    kept = [m for m in repo.members(name) if m.status == MemberStatus.KEPT]
    report = repo.contamination(name)
    private = [m for m in kept if m.record.private]
    held = kept
    if not include_private:
        kept = [m for m in kept if not m.record.private]
    wanted = {"trl-sft": "sft", "trl-dpo": "preference"}.get(fmt)
    if wanted is not None:
        kept = [m for m in kept if m.record.kind == wanted]
    if verified_only:
        kept = [m for m in kept if verified(m.record.provenance)]
    if not kept:
        raise UserInputError(_nothing_to_export(name, fmt, held, len(private),
                                                include_private, verified_only))
    rows = [_row(fmt, name, m, report, settings) for m in kept]
    if fmt == "parquet":
        _write_parquet(rows, out)
    else:
        _write_jsonl(rows, out)
    return ExportOutcome(out, fmt, len(rows), 0 if include_private else len(private))


def card_rows(store: Store, name: str) -> list[dict[str, str]]:
    """The kept public rows of *name* as a dataset card's ``records.jsonl`` holds them:
    every column text (nested values as JSON text, absent ones empty) so that one
    Croissant description with text fields reads every row."""
    repo = DataRepository(store)
    settings = curation_settings(require_dataset(repo, name).notes)
    report = repo.contamination(name)
    rows = []
    for member in repo.members(name):
        if member.status != MemberStatus.KEPT or member.record.private:
            continue
        row = _row("jsonl", name, member, report, settings)
        rows.append({key: value if isinstance(value, str) else
                     ("" if value is None else canonical_json(value))
                     for key, value in row.items()})
    return rows


def verified(provenance: dict[str, Any]) -> bool:
    """Whether a test checked this record (its execution check says how it went)."""
    execution = (provenance.get("checks") or {}).get("execution")
    return bool(execution) and execution != "unverified"


def _nothing_to_export(name: str, fmt: str, held: list[MemberRow], private: int,
                       include_private: bool, verified_only: bool) -> str:
    kinds = Counter(m.record.kind for m in held)
    holds = ", ".join(f"{count} {kind}" for kind, count in sorted(kinds.items())) or "none"
    checked = sum(1 for m in held if verified(m.record.provenance))
    why = [f"dataset {name!r} has no kept record to export as {fmt}: it holds {holds} "
           f"kept record(s), {checked} of them checked by tests"]
    if private and not include_private:
        why.append(f"{private} private (add --include-private)")
    if verified_only:
        why.append("--verified-only leaves out the unchecked")
    return "; ".join(why)


def curation_settings(notes: dict[str, Any]) -> dict[str, Any]:
    """The dedup and decontamination settings a dataset was curated with (its notes)."""
    return {"dedup": notes.get("dedup") or {},
            "decontamination": notes.get("decontamination") or {}}


def provenance_of(dataset: str, member: MemberRow, report: list[ContaminationRow],
                  settings: dict[str, Any] | None = None) -> dict[str, Any]:
    """A record's provenance as exported: stored provenance plus this dataset's checks
    and the settings they ran with."""
    record = member.record
    provenance = dict(record.provenance)
    checks = dict(provenance.get("checks") or {})
    checks["dedup"] = "unique (exact hash and MinHash LSH)"
    near = [r.task_id for r in report if r.record_id == record.record_id]
    checks["decontamination"] = "clean" if not near else f"matched {near}"
    if settings is not None:
        checks["settings"] = settings
    provenance.update(record_id=record.record_id, kind=record.kind, dataset=dataset,
                      checks=checks, private=record.private)
    return provenance


def _row(fmt: str, dataset: str, member: MemberRow, report: list[ContaminationRow],
         settings: dict[str, Any]) -> dict[str, Any]:
    record = member.record
    provenance = canonical_json(provenance_of(dataset, member, report, settings))
    content = record.content
    if fmt == "trl-sft":
        return {"messages": content["messages"], "provenance": provenance}
    if fmt == "trl-dpo":
        return {"prompt": content["prompt"], "chosen": content["chosen"],
                "rejected": content["rejected"], "provenance": provenance}
    return {
        "record_id": record.record_id, "kind": record.kind, "origin": record.origin,
        "messages": content.get("messages") if record.kind == "sft" else None,
        "prompt": content.get("prompt") if record.kind == "preference" else None,
        "chosen": content.get("chosen") if record.kind == "preference" else None,
        "rejected": content.get("rejected") if record.kind == "preference" else None,
        "annotation": canonical_json(content) if record.kind == "annotation" else None,
        "licence": record.licence, "provenance": provenance,
    }


def _temporary(out: Path) -> Path:
    return out.with_name(f".{out.name}.{os.getpid()}.tmp")


def _write_jsonl(rows: list[dict[str, Any]], out: Path) -> None:
    temporary = _temporary(out)
    try:
        with temporary.open("w", encoding="utf-8") as handle:
            for row in rows:
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
        os.replace(temporary, out)
    finally:
        temporary.unlink(missing_ok=True)


def _write_parquet(rows: list[dict[str, Any]], out: Path) -> None:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise UserInputError("parquet export needs pyarrow: pip install "
                             "'fairclimb[data]'") from None
    message = pa.struct([("role", pa.string()), ("content", pa.string())])
    schema = pa.schema([
        ("record_id", pa.string()), ("kind", pa.string()), ("origin", pa.string()),
        ("messages", pa.list_(message)), ("prompt", pa.list_(message)),
        ("chosen", pa.list_(message)), ("rejected", pa.list_(message)),
        ("annotation", pa.string()), ("licence", pa.string()), ("provenance", pa.string()),
    ])
    table = pa.Table.from_pylist(rows, schema=schema)
    temporary = _temporary(out)
    try:
        pq.write_table(table, temporary)
        os.replace(temporary, out)
    finally:
        temporary.unlink(missing_ok=True)
