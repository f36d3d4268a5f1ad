"""LSH only proposes near duplicates: every pair it proposes is checked against the
threshold before a text is dropped or a record marked contaminated, and operators are
tokens, so a program and its twin with another operator are told apart."""

from __future__ import annotations

import random

import numpy as np

from fairclimb.data import DecontamOptions, DedupParams, RecordText, decontaminate, near_duplicates
from fairclimb.data._dedup import lsh_params, minhash_signatures, tokens
from fairclimb.suites import get_suite

WORDS = [f"w{i}" for i in range(300)]


def _jaccard(a: str, b: str, shingle: int = 5) -> float:
    def shingles(text: str) -> set[tuple[str, ...]]:
        words = tokens(text)
        return {tuple(words[i:i + shingle]) for i in range(max(1, len(words) - shingle + 1))}

    left, right = shingles(a), shingles(b)
    return len(left & right) / len(left | right)


def _edit(rng: random.Random, text: str, changes: int) -> str:
    words = text.split()
    for where in rng.sample(range(len(words)), changes):
        words[where] = f"changed{rng.randrange(10**6)}"
    return " ".join(words)


def _corpus() -> list[str]:
    """Pairs about 0.7 apart (below the 0.8 threshold: some share an LSH band all the
    same), pairs about 0.9 apart (duplicates) and chains whose ends are further apart
    than their links."""
    rng = random.Random(11)
    texts: list[str] = []
    for _ in range(300):
        base = " ".join(rng.choice(WORDS) for _ in range(100))
        texts += [base, _edit(rng, base, 4)]
    for _ in range(50):
        base = " ".join(rng.choice(WORDS) for _ in range(100))
        texts += [base, _edit(rng, base, 1)]
    for _ in range(50):
        base = " ".join(rng.choice(WORDS) for _ in range(100))
        middle = _edit(rng, base, 2)
        texts += [base, middle, _edit(rng, middle, 2)]
    return texts


def _share_a_band(a: np.ndarray, b: np.ndarray, threshold: float, num_perm: int) -> bool:
    bands, rows = lsh_params(threshold, num_perm)
    return any(np.array_equal(a[k * rows:(k + 1) * rows], b[k * rows:(k + 1) * rows])
               for k in range(bands))


def test_candidates_lsh_proposes_below_the_threshold_are_not_merged() -> None:
    texts = _corpus()
    params = DedupParams(workers=1)
    signatures = minhash_signatures(texts, params)
    false_candidates = [i for i in range(0, 600, 2)
                        if _jaccard(texts[i], texts[i + 1]) < params.threshold
                        and _share_a_band(signatures[i], signatures[i + 1],
                                          params.threshold, params.num_perm)]
    assert false_candidates, "the corpus must hold pairs LSH buckets together wrongly"
    result = near_duplicates(texts, params)
    for duplicate, kept in result.duplicate_of.items():
        assert _jaccard(texts[duplicate], texts[kept]) >= params.threshold, (duplicate, kept)
        assert kept not in result.duplicate_of  # what a duplicate repeats is kept
    assert not set(result.duplicate_of) & {i + 1 for i in false_candidates}
    close = [i for i in range(600, 700, 2) if i + 1 in result.duplicate_of]
    assert len(close) >= 40  # MinHash LSH is probabilistic: most of the 50 at 0.9


PROGRAM = '''def balance(account, amount, fee):
    """The balance after a deposit of amount, less the bank's fee."""
    if amount <= 0:
        raise ValueError("amount must be positive")
    total = account.balance + amount
    total = total - fee
    account.history.append((amount, fee))
    return total
'''


def test_programs_differing_only_in_an_operator_are_not_duplicates() -> None:
    twin = PROGRAM.replace("account.balance + amount", "account.balance - amount")
    assert twin != PROGRAM
    assert tokens("a + b") != tokens("a - b")
    assert tokens("a+b") == tokens("a + b")  # spacing is not code
    strict = DedupParams(threshold=0.95, workers=1)
    assert near_duplicates([PROGRAM, twin], strict).duplicate_of == {}
    assert near_duplicates([PROGRAM, PROGRAM], strict).duplicate_of == {1: 0}
    comparison = PROGRAM.replace("amount <= 0", "amount < 0")
    assert near_duplicates([PROGRAM, comparison], strict).duplicate_of == {}


def test_a_near_copy_of_a_benchmark_task_is_still_caught_by_minhash() -> None:
    task = get_suite("humaneval").tasks[12]
    program = task.reference_program
    # The function renamed where it is defined, and a comment: not verbatim, same code.
    near = program.replace(f"def {task.entry_point}(", f"def {task.entry_point}_v2(", 1)
    near += "\n# tidied up\n"
    assert near != program
    unrelated = PROGRAM
    records = [RecordText("near", near, near), RecordText("other", unrelated, unrelated)]
    rows = decontaminate(records, [task], DecontamOptions())
    minhash = [row for row in rows if row.method == "minhash"]
    assert [(row.record_id, row.task_id) for row in minhash] == [("near", task.task_id)]
    assert all(row.score >= row.threshold for row in minhash)


def _chain(c_like_a: bool) -> dict[int, int]:
    """A (0) and B (1) share band 0, B and C (2) share band 1; A ~ B and B ~ C."""
    from fairclimb.data._dedup import _verified_duplicates

    buckets = np.array([[0, -1], [0, 1], [-1, 1]])
    close = {(1, 0), (2, 1)} | ({(2, 0)} if c_like_a else set())
    return _verified_duplicates(buckets, [0, 1, 2], lambda a, b: (a, b) in close)


def test_a_text_reaching_a_kept_one_through_its_duplicate_is_checked_against_it() -> None:
    # C shares no band with A, but with A's duplicate B: it is compared with A, and
    # dropped only if it is itself similar to A (never for being like a dropped text).
    assert _chain(c_like_a=True) == {1: 0, 2: 0}
    assert _chain(c_like_a=False) == {1: 0}
