"""Training records: content-addressed examples that know where they came from.

A record's id is the SHA-256 of the canonical JSON of its kind and content, so the
same example reached twice (two identical answers, one vote imported twice) is one
record. Its provenance says everything else: origin, the model calls or the human
work behind it, the checks it passed, the transformations applied, its parents.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from fairclimb._version import __version__
from fairclimb.store import StoredRecord

__all__ = [
    "MemberStatus",
    "Origin",
    "RecordKind",
    "TrainingRecord",
    "canonical_json",
    "content_hash",
    "message_texts",
    "record_text",
    "transformation",
]


class Origin(StrEnum):
    HUMAN = "human"  # written or judged by a person
    SYNTHETIC = "synthetic"  # written by a model
    HYBRID = "hybrid"  # a model's answer corrected by a person


class RecordKind(StrEnum):
    SFT = "sft"  # {"messages": [{"role", "content"}, ...]}
    PREFERENCE = "preference"  # {"prompt", "chosen", "rejected"}
    ANNOTATION = "annotation"  # {"prompt", "answer", "labels", "comment"}


class MemberStatus(StrEnum):
    """What became of an offer to a dataset. Only ``kept`` rows are exported."""

    KEPT = "kept"
    FAILED_EXECUTION = "failed_execution"
    DUPLICATE = "duplicate"
    CONTAMINATED = "contaminated"
    EXCLUDED = "excluded"  # e.g. a vote quality control flagged


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def content_hash(value: Any) -> str:
    return hashlib.sha256(canonical_json(value).encode()).hexdigest()


def transformation(step: str, **parameters: Any) -> dict[str, Any]:
    """One entry of a record's ``transformations``: which tool did what, with what."""
    return {"tool": "fairclimb", "version": __version__, "step": step,
            "parameters": parameters}


@dataclass(frozen=True, slots=True)
class TrainingRecord:
    """One training example and its provenance.

    ``provenance`` holds: ``origin``, ``generation`` (model, model_id, endpoint, terms,
    terms_url, params, prompt_hash, response_id, cache_key, timestamp) or None,
    ``human`` (rater, briefing_version, seconds, gold) or None, ``terms_gate``,
    ``task`` (suite, task_id, split), ``checks`` (execution verdict…),
    ``transformations``, ``parents`` (record ids) and ``created_at``.
    """

    kind: RecordKind
    origin: Origin
    content: dict[str, Any]
    provenance: dict[str, Any] = field(default_factory=dict)
    licence: str = ""
    private: bool = False  # derived from a private suite task: never exported by default

    @property
    def record_id(self) -> str:
        return content_hash({"kind": self.kind.value, "content": self.content})

    def stored(self) -> StoredRecord:
        provenance = {"origin": self.origin.value, "licence": self.licence,
                      "created_at": datetime.now(UTC).isoformat(), **self.provenance}
        return StoredRecord(self.record_id, self.kind.value, self.origin.value, self.content,
                            provenance, self.licence, self.private)

    def text(self) -> str:
        """The words a duplicate or contamination check looks at."""
        return record_text(self.kind.value, self.content)


def record_text(kind: str, content: dict[str, Any]) -> str:
    """The words a check looks at: the contents of the record's messages, per kind.

    Never ``str()`` of a message list: its repr escapes newlines and quotes, so no
    benchmark text would ever match it (issue 10, defect 1).
    """
    if kind == RecordKind.SFT:
        keys: tuple[str, ...] = ("messages",)
    elif kind == RecordKind.PREFERENCE:
        keys = ("prompt", "chosen", "rejected")
    else:
        keys = ("prompt", "answer", "comment")
    return "\n".join(text for key in keys for text in message_texts(content.get(key)))


def message_texts(value: Any) -> list[str]:
    """The texts of a message list (``[{"role", "content"}, ...]``) or of a plain string."""
    if isinstance(value, str):
        return [value] if value else []
    if isinstance(value, list):
        return [str(m.get("content", "")) if isinstance(m, dict) else str(m) for m in value]
    return []
