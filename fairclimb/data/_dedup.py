"""Duplicates: exact ones by content hash, near ones by MinHash LSH.

The scheme (MinHash as datasketch's ``MinHash`` and text-dedup's, done in bulk with
numpy):

* **tokens**: the lower-cased words (runs of ``\\w`` characters), each with the
  punctuation written before it, spaces ignored (``total = a + b`` is ``total``,
  ``=a``, ``+b``), so code and prose are treated alike and operators count (``a + b``
  and ``a - b`` are a fix and its buggy twin, not one text). Operators as tokens of
  their own would double a code text's tokens, and so the signing time;
* **shingles**: runs of ``shingle`` (default 5) consecutive tokens; a text shorter
  than that is one shingle;
* **shingle hash**: each token is hashed with CRC-32 and a shingle's 32-bit hash is a
  polynomial of its tokens' hashes (computed for all shingles of a batch at once);
* **permutations**: ``num_perm`` (default 128) universal hashes by multiply-shift,
  ``(a * h + b) >> 32`` with random 64-bit ``a`` (odd) and ``b`` (the same family
  datasketch and text-dedup draw, ``(a * h + b) mod p``, without the slow modulo); a
  signature is their minimum over the shingles, 32 bits each;
* **LSH**: the signature is cut into ``bands`` bands of ``rows`` rows chosen to
  minimise the (equally weighted) false-positive and false-negative probability at
  ``threshold`` (default 0.8 Jaccard), as datasketch's ``MinHashLSH`` does; two texts
  sharing one band are candidates;
* **verification**: LSH only proposes (texts further apart than the threshold share a
  band now and then), so each candidate pair's exact Jaccard similarity of shingle sets
  is computed and compared with the threshold. Texts are taken in order: a text is a
  duplicate of the first kept text it is verified similar to, otherwise it is kept, so
  every dropped text repeats a kept one (no chains through dropped texts).

Signatures of large corpora are computed on several processes (``workers``).
"""

from __future__ import annotations

import multiprocessing
import re
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt

from fairclimb.executor import ExecutorChoice, map_chunks

__all__ = ["DedupParams", "DedupResult", "exact_duplicates", "jaccard", "lsh_params",
           "minhash_signatures", "near_duplicates", "shingle_sets", "tokens"]

_MAX32 = np.uint64(0xFFFFFFFF)
# Spaces next to punctuation do not count (lookarounds: a replacement template is
# three times slower).
_GLUE = re.compile(r"\s+(?=[^\w\s])|(?<=[^\w\s])\s+")
_TOKEN = re.compile(r"[^\w\s]*\w+|[^\w\s]+")  # a word and the punctuation before it
_SHINGLE_MULT = 0x01000193  # FNV prime: mixes the tokens of a shingle
_BATCH_ROWS = 32768  # shingles hashed at once (about 32 MB per temporary)
_PARALLEL_FROM = 5000  # smaller corpora are signed in this process
_RAY_CHUNK = 5000  # texts per Ray task: a few seconds of signing, a few MB each way

Signatures = npt.NDArray[Any]


@dataclass(frozen=True, slots=True)
class DedupParams:
    shingle: int = 5
    num_perm: int = 128
    threshold: float = 0.8
    seed: int = 1
    workers: int = 2
    #: where signing runs (this machine's processes, or Ray tasks on a cluster's nodes);
    #: the signatures are the same wherever they are made
    executor: ExecutorChoice = field(default_factory=ExecutorChoice)

    def as_dict(self) -> dict[str, Any]:
        bands, rows = lsh_params(self.threshold, self.num_perm)
        return {"shingle": self.shingle, "shingle_unit": "word with its leading punctuation",
                "num_perm": self.num_perm, "threshold": self.threshold, "bands": bands,
                "rows": rows, "seed": self.seed}


@dataclass(frozen=True, slots=True)
class DedupResult:
    duplicate_of: dict[int, int]  # index of a duplicate -> index of the text it repeats
    params: DedupParams

    @property
    def duplicates(self) -> int:
        return len(self.duplicate_of)


def tokens(text: str) -> list[str]:
    """Lower-cased words, each with the punctuation written before it: operators are
    code (``a + b`` is ``a``, ``+b``; ``a - b`` is ``a``, ``-b``), and gluing them to
    the next word keeps the token count, so the signing cost, of words alone."""
    return _TOKEN.findall(_GLUE.sub("", text.lower()))


def exact_duplicates(keys: Sequence[str]) -> dict[int, int]:
    """Index of each repeated key -> index of its first occurrence."""
    first: dict[str, int] = {}
    repeats: dict[int, int] = {}
    for index, key in enumerate(keys):
        if key in first:
            repeats[index] = first[key]
        else:
            first[key] = index
    return repeats


@lru_cache(maxsize=32)
def lsh_params(threshold: float, num_perm: int) -> tuple[int, int]:
    """(bands, rows) minimising false positives plus false negatives at *threshold*."""
    grid = np.linspace(0.0, 1.0, 2001)
    below, above = grid <= threshold, grid >= threshold
    best, best_error = (1, num_perm), float("inf")
    for bands in range(1, num_perm + 1):
        for rows in range(1, num_perm // bands + 1):
            collide = 1 - (1 - grid ** rows) ** bands
            false_pos = np.trapezoid(collide[below], grid[below])
            false_neg = np.trapezoid(1 - collide[above], grid[above])
            if false_pos + false_neg < best_error:
                best, best_error = (bands, rows), float(false_pos + false_neg)
    return best


def _permutations(num_perm: int, seed: int) -> tuple[Signatures, Signatures]:
    generator = np.random.RandomState(seed)
    a = generator.randint(1, 1 << 62, size=num_perm, dtype=np.uint64) | np.uint64(1)
    b = generator.randint(0, 1 << 62, size=num_perm, dtype=np.uint64)
    return a, b


class _TokenHashes(dict[str, int]):
    """CRC-32 of tokens, remembered: code repeats a small vocabulary."""

    def __missing__(self, token: str) -> int:
        value = zlib.crc32(token.encode())
        self[token] = value
        return value


def _shingle_hashes(texts: Sequence[str], shingle: int,
                    memo: _TokenHashes) -> tuple[npt.NDArray[np.uint64], list[int]]:
    """The 32-bit hash of every shingle of every text, flat, and each text's count."""
    flat: list[str] = []
    lengths: list[int] = []
    for text in texts:
        words = tokens(text)
        if len(words) < shingle:  # a short text is one shingle: pad it
            words += [""] * (shingle - len(words))
        flat.extend(words)
        lengths.append(len(words))
    hashed = np.fromiter(map(memo.__getitem__, flat), dtype=np.uint64, count=len(flat))
    count = len(hashed) - shingle + 1
    rolled = np.zeros(count, dtype=np.uint64)
    for offset in range(shingle):  # a polynomial over the shingle's tokens, mod 2**32
        rolled = (rolled * np.uint64(_SHINGLE_MULT) + hashed[offset:offset + count]) & _MAX32
    # Keep the windows that lie inside one text.
    sizes = np.asarray(lengths, dtype=np.int64)
    starts = np.cumsum(sizes) - sizes
    per_text = sizes - shingle + 1
    first = np.repeat(starts, per_text)
    within = np.arange(len(first)) - np.repeat(np.cumsum(per_text) - per_text, per_text)
    return rolled[first + within], per_text.tolist()


def _sign(args: tuple[Sequence[str], int, int, int]) -> Signatures:
    """Signatures by multiply-shift hashing: ``(a * h + b) >> 32`` for 64-bit odd ``a``
    is a universal family on 32-bit ``h`` and needs no modulo (the slow part)."""
    texts, shingle, num_perm, seed = args
    a, b = _permutations(num_perm, seed)
    out = np.empty((len(texts), num_perm), dtype=np.uint32)
    memo = _TokenHashes()
    step = max(1, _BATCH_ROWS // 64)
    for start in range(0, len(texts), step):
        batch = texts[start:start + step]
        hashes, counts = _shingle_hashes(batch, shingle, memo)
        offsets = np.cumsum([0, *counts[:-1]])
        permuted = hashes[:, None] * a
        permuted += b
        permuted >>= np.uint64(32)
        out[start:start + len(batch)] = np.minimum.reduceat(
            permuted.astype(np.uint32), offsets, axis=0)
    return out


def minhash_signatures(texts: Sequence[str], params: DedupParams) -> Signatures:
    """One row of ``num_perm`` minimum hashes per text."""
    if not texts:
        return np.empty((0, params.num_perm), dtype=np.uint32)
    workers = max(1, params.workers)
    if params.executor.remote and len(texts) >= _PARALLEL_FROM:
        chunks = [(list(texts[i:i + _RAY_CHUNK]), params.shingle, params.num_perm, params.seed)
                  for i in range(0, len(texts), _RAY_CHUNK)]
        return np.concatenate(map_chunks(_sign, chunks, params.executor.ray_address))
    if workers == 1 or len(texts) < _PARALLEL_FROM:
        return _sign((texts, params.shingle, params.num_perm, params.seed))
    size = -(-len(texts) // (workers * 4))
    chunks = [(list(texts[i:i + size]), params.shingle, params.num_perm, params.seed)
              for i in range(0, len(texts), size)]
    with multiprocessing.get_context("spawn").Pool(workers) as pool:
        return np.concatenate(pool.map(_sign, chunks))


def shingle_sets(texts: Sequence[str], shingle: int) -> list[npt.NDArray[np.uint64]]:
    """Each text's set of shingle hashes (sorted, unique): what MinHash estimates the
    Jaccard similarity of, for exact checks of the candidates LSH proposes."""
    if not texts:
        return []
    hashes, counts = _shingle_hashes(texts, shingle, _TokenHashes())
    return [np.unique(part) for part in np.split(hashes, np.cumsum(counts)[:-1])]


def jaccard(left: npt.NDArray[np.uint64], right: npt.NDArray[np.uint64]) -> float:
    """Jaccard similarity of two sorted, unique arrays (from :func:`shingle_sets`)."""
    shared = len(np.intersect1d(left, right, assume_unique=True))
    return shared / (len(left) + len(right) - shared)


def near_duplicates(texts: Sequence[str], params: DedupParams | None = None) -> DedupResult:
    """Texts whose shingle sets are at least ``threshold`` similar (Jaccard) to an
    earlier kept text: MinHash LSH proposes the pairs, an exact comparison decides."""
    params = params or DedupParams()
    signatures = minhash_signatures(texts, params)
    candidates = _band_buckets(signatures, params)
    involved = np.nonzero((candidates >= 0).any(axis=1))[0].tolist()
    sets = dict(zip(involved, shingle_sets([texts[i] for i in involved], params.shingle),
                    strict=True))

    def similar(left: int, right: int) -> bool:
        return jaccard(sets[left], sets[right]) >= params.threshold

    return DedupResult(_verified_duplicates(candidates, involved, similar), params)


def _band_buckets(signatures: Signatures, params: DedupParams) -> npt.NDArray[np.int64]:
    """For each text and band, the id of the bucket it shares with another text in that
    band, or -1 where it is alone there."""
    count = len(signatures)
    bands, rows = lsh_params(params.threshold, params.num_perm)
    buckets = np.full((count, bands), -1, dtype=np.int64)
    if count < 2:
        return buckets
    mix = np.random.RandomState(params.seed + 1).randint(
        1, 1 << 62, size=rows, dtype=np.uint64) | np.uint64(1)
    for band in range(bands):
        block = signatures[:, band * rows:(band + 1) * rows]
        keys = (block * mix).sum(axis=1, dtype=np.uint64)  # one 64-bit key per band
        _, inverse, sizes = np.unique(keys, return_inverse=True, return_counts=True)
        inverse = inverse.ravel()
        buckets[:, band] = np.where(sizes[inverse] > 1, inverse, -1)
    return buckets


def _verified_duplicates(buckets: npt.NDArray[np.int64], involved: list[int],
                         similar: Callable[[int, int], bool]) -> dict[int, int]:
    """Index of each duplicate -> the first kept text it shares a band with (or shares
    a band with one of its duplicates) and is verified similar to. A bucket remembers
    kept texts only, so one holding many copies of a text costs one comparison a copy."""
    kept_in: dict[tuple[int, int], set[int]] = {}
    duplicate_of: dict[int, int] = {}
    for index in involved:
        keys = [(band, bucket) for band, bucket in enumerate(buckets[index].tolist())
                if bucket >= 0]
        candidates = sorted({other for key in keys for other in kept_in.get(key, ())})
        match = next((other for other in candidates if similar(index, other)), None)
        if match is not None:
            duplicate_of[index] = match
        for key in keys:  # a duplicate leads later texts in its buckets to what it repeats
            kept_in.setdefault(key, set()).add(index if match is None else match)
    return duplicate_of
