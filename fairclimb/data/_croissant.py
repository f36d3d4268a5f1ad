"""The Croissant 1.0 + RAI 1.0 description of a dataset card's folder.

The card folder is a loadable dataset: ``records.jsonl`` holds the kept public rows and
``croissant.json`` describes it (a ``distribution`` with the file's sha256, a
``recordSet`` naming every field), so ``mlcroissant`` and the tools built on it read
the records through the card alone. Nested values (messages, annotations, provenance)
are JSON text in their column: Croissant 1.0 has no portable type for a list of chat
messages, and a JSON string keeps every value readable, never a Python repr.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["CARD_FIELDS", "RECORDS_FILE", "collection_sentence", "croissant_document",
           "settings_json", "who"]

RECORDS_FILE = "records.jsonl"

# The @context the Croissant 1.0 specification prescribes, plus the RAI prefix.
CROISSANT_CONTEXT: dict[str, Any] = {
    "@language": "en",
    "@vocab": "https://schema.org/",
    "citeAs": "cr:citeAs",
    "column": "cr:column",
    "conformsTo": "dct:conformsTo",
    "cr": "http://mlcommons.org/croissant/",
    "rai": "http://mlcommons.org/croissant/RAI/",
    "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "dct": "http://purl.org/dc/terms/",
    "equivalentProperty": "cr:equivalentProperty",
    "examples": {"@id": "cr:examples", "@type": "@json"},
    "extract": "cr:extract",
    "field": "cr:field",
    "fileProperty": "cr:fileProperty",
    "fileObject": "cr:fileObject",
    "fileSet": "cr:fileSet",
    "format": "cr:format",
    "includes": "cr:includes",
    "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath",
    "key": "cr:key",
    "md5": "cr:md5",
    "parentField": "cr:parentField",
    "path": "cr:path",
    "recordSet": "cr:recordSet",
    "references": "cr:references",
    "regex": "cr:regex",
    "repeated": "cr:repeated",
    "replace": "cr:replace",
    "samplingRate": "cr:samplingRate",
    "sc": "https://schema.org/",
    "separator": "cr:separator",
    "source": "cr:source",
    "subField": "cr:subField",
    "transform": "cr:transform",
}

# (column, description): every column of records.jsonl, all text.
CARD_FIELDS: tuple[tuple[str, str], ...] = (
    ("record_id", "Content address of the record (sha256 of its canonical content)."),
    ("kind", "sft, preference or annotation."),
    ("origin", "human, synthetic or hybrid (model output corrected by a person)."),
    ("messages", "sft rows: the chat as JSON text, a list of {role, content}; else empty."),
    ("prompt", "preference rows: the prompt; else empty."),
    ("chosen", "preference rows: the preferred answer; else empty."),
    ("rejected", "preference rows: the other answer; else empty."),
    ("annotation", "annotation rows: the label record as JSON text; else empty."),
    ("licence", "The row's licence."),
    ("provenance", "Where the row came from and every check it passed, as JSON text."),
)


def collection_sentence(facts: dict[str, Any]) -> str:
    parts = []
    for teacher in facts["teachers"]:
        parts.append(f"distilled from teacher {teacher['name']} ({teacher['model_id']} at "
                     f"{teacher['endpoint']}; terms {teacher['terms']}"
                     + (f", {teacher['terms_url']}" if teacher.get("terms_url") else "") + ")"
                     ", answers executed against unit tests in a sandbox and kept only "
                     "when they passed (rejection sampling)")
    for item in facts["feedback_imports"]:
        parts.append(f"human judgements from {item['source']} ({item['votes']} votes; "
                     f"{item['flagged_left_out']} flagged by quality control left out, "
                     f"{item['ties_left_out']} ties/both-bad left out)")
    return "; ".join(parts) or "no sources recorded"


def who(override: dict[str, Any]) -> str:
    return str(override.get("model") or override.get("teacher"))


def settings_json(values: Any) -> str:
    """Settings as JSON (``{"threshold": 0.8}``), never as a Python repr."""
    return json.dumps(values, sort_keys=True)


def croissant_document(facts: dict[str, Any], *, sha256: str, rows: int) -> dict[str, Any]:
    """The whole JSON-LD document: dataset metadata, the records file, its fields, RAI."""
    created = facts["created_at"][:10]
    return {
        "@context": CROISSANT_CONTEXT,
        "@type": "sc:Dataset",
        "conformsTo": ["http://mlcommons.org/croissant/1.0",
                       "http://mlcommons.org/croissant/RAI/1.0"],
        "name": facts["name"],
        "description": facts.get("description") or (
            f"Training data for coding models built by fairclimb: {rows} public kept rows."),
        "url": f"./{RECORDS_FILE}",
        "version": facts["version"],
        "datePublished": created,
        "dateModified": facts["updated_at"][:10],
        "citeAs": _cite_as(facts, created),
        "license": sorted(facts["licences"]) or ["unspecified"],
        "distribution": [{
            "@type": "cr:FileObject",
            "@id": RECORDS_FILE,
            "name": RECORDS_FILE,
            "description": "The dataset's kept public rows, one JSON object per line.",
            "contentUrl": RECORDS_FILE,
            "encodingFormat": "application/jsonlines",
            "sha256": sha256,
        }],
        "recordSet": [{
            "@type": "cr:RecordSet",
            "@id": "records",
            "name": "records",
            "description": f"{rows} rows.",
            "field": [{
                "@type": "cr:Field",
                "@id": f"records/{column}",
                "name": column,
                "description": description,
                "dataType": "sc:Text",
                "source": {"fileObject": {"@id": RECORDS_FILE},
                           "extract": {"column": column}},
            } for column, description in CARD_FIELDS],
        }],
        **rai_properties(facts),
    }


def _cite_as(facts: dict[str, Any], created: str) -> str:
    key = "".join(c if c.isalnum() else "_" for c in facts["name"])
    return (f"@misc{{{key}, title = {{{facts['name']}}}, note = {{dataset built with "
            f"fairclimb {facts['fairclimb_version']}, version {facts['version']}}}, "
            f"year = {{{created[:4]}}}}}")


def rai_properties(facts: dict[str, Any]) -> dict[str, Any]:
    """The RAI 1.0 properties. Each says only what is true of this dataset: a distilled
    set gets no sentence about raters, a votes-only set none about teachers."""
    stats, raters = facts["stats"], facts["raters"]
    origins = [o for o, n in stats["kept_by_origin"].items() if n]
    machine = "synthetic" in origins or "hybrid" in origins
    human = "human" in origins or "hybrid" in origins
    collection_types = (["Machine-generated (distillation from teacher models)"]
                        if machine else [])
    if human:
        collection_types.append("Human annotation (pairwise votes, labels, corrections)")
    overrides = "; ".join(f"{who(o)}: {o['reason']}" for o in facts["overrides"])
    annotation: dict[str, Any] = {
        "rai:dataAnnotationProtocol": (
            "Pairwise votes, error labels and corrections by pseudonymous raters who "
            f"accepted briefing versions {', '.join(raters['briefing_versions']) or '-'}; "
            "votes flagged by quality control are not used"),
        "rai:annotatorDemographics": (
            f"{raters['count']} pseudonymous raters; no demographics are collected; "
            f"{raters['seconds'] / 3600:.2f} hours, ${raters['pay_usd']:.2f} pay recorded"),
    } if human else {"rai:dataAnnotationProtocol": "No human annotation: every kept row "
                     "was machine-generated and checked by programs."}
    kinds = stats["kept_by_kind"]
    uses = [use for kind, use in (
        ("sft", "supervised fine-tuning (messages)"),
        ("preference", "preference optimisation such as DPO (prompt/chosen/rejected)"))
        if kinds.get(kind)]
    biases = [sentence for present, sentence in (
        (machine, "Answers reflect the teachers' styles."),
        (human, "Choices reflect the raters' judgement.")) if present]
    return {
        "rai:dataCollection": collection_sentence(facts),
        "rai:dataCollectionType": collection_types,
        "rai:dataCollectionRawData": facts["sources"],
        **annotation,
        "rai:machineAnnotationTools": [
            f"{m['model']} (terms {m['terms']}, applied {'/'.join(m['effective_terms'])}"
            + (f", served as {', '.join(m['served_models'])}" if m["served_models"] else "")
            + ")" for m in facts["models"]["rows"]],
        "rai:dataPreprocessingProtocol": [
            "execution against unit tests in a sandbox (rejection sampling): "
            f"{stats['failed_execution']} removed",
            f"deduplication, exact hash and MinHash LSH {settings_json(facts['dedup'])}: "
            f"{stats['duplicates']} removed",
            f"decontamination against {facts['checked_tasks']} benchmark tasks "
            f"{settings_json(facts['decontamination'])}: {stats['contaminated']} removed"],
        "rai:personalSensitiveInformation": (
            ("Raters appear only by pseudonym; " if human else "")
            + "prompts and answers are code tasks."),
        "rai:dataUseCases": uses,
        "rai:dataLimitations": "; ".join(
            [f"{stats['unverified']} rows are unverified (no tests)"]
            + list(facts["warnings"])
            + ([f"terms overridden: {overrides}"] if overrides else [])),
        "rai:dataBiases": " ".join(biases),
        "rai:dataReleaseMaintenancePlan": "Regenerated with fairclimb; rows are "
                                          "content-addressed, so versions can be compared.",
    }
