"""Dedup finds planted near-duplicates; decontamination finds planted benchmark tasks."""

from __future__ import annotations

import random

import pytest
from datasketch import MinHash

from fairclimb.data import (
    DecontamOptions,
    DedupParams,
    RecordText,
    decontaminate,
    known_tasks,
    near_duplicates,
)
from fairclimb.data._dedup import exact_duplicates, lsh_params, minhash_signatures, tokens
from fairclimb.suites import get_suite

WORDS = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa",
         "lambda", "mu", "nu", "xi", "omicron", "pi", "rho", "sigma", "tau", "upsilon",
         "phi", "chi", "psi", "omega"]


def snippet(rng: random.Random, lines: int = 8) -> str:
    body = []
    for _ in range(lines):
        a, b, c = rng.sample(WORDS, 3)
        body.append(f"    {a} = {b}({c}, {rng.randint(0, 999)})")
    return f"def {rng.choice(WORDS)}_{rng.randint(0, 10**6)}():\n" + "\n".join(body)


def test_near_duplicates_found_and_distinct_texts_kept() -> None:
    rng = random.Random(7)
    originals = [snippet(rng, 30) for _ in range(300)]
    planted = []
    for index in range(0, 300, 10):  # 30 copies (Jaccard about 0.9), one number changed
        lines = originals[index].splitlines()
        lines[-1] = lines[-1].rsplit(",", 1)[0] + ", 1000000)"
        planted.append("\n".join(lines))
    result = near_duplicates(originals + planted, DedupParams(workers=1))
    found = {i - 300 for i in result.duplicate_of if i >= 300}
    assert len(found) >= 28  # MinHash is probabilistic: almost all of the 30
    assert all(result.duplicate_of[300 + i] == i * 10 for i in found)
    false = [i for i in result.duplicate_of if i < 300]
    assert false == []


def test_minhash_estimates_jaccard_like_datasketch() -> None:
    rng = random.Random(3)
    a = snippet(rng, 30)
    b = "\n".join([*a.splitlines()[:20], snippet(rng, 10)])
    params = DedupParams(num_perm=256, workers=1)
    ours = minhash_signatures([a, b], params)
    estimate = float((ours[0] == ours[1]).mean())

    def shingles(text: str) -> set[str]:
        words = tokens(text)
        return {" ".join(words[i:i + 5]) for i in range(len(words) - 4)}

    theirs = []
    for text in (a, b):
        sketch = MinHash(num_perm=256)
        sketch.update_batch([s.encode() for s in shingles(text)])
        theirs.append(sketch)
    true = len(shingles(a) & shingles(b)) / len(shingles(a) | shingles(b))
    assert abs(estimate - true) < 0.1
    assert abs(estimate - theirs[0].jaccard(theirs[1])) < 0.12


def test_lsh_params_and_exact_duplicates() -> None:
    assert lsh_params(0.8, 128) == (9, 13)
    assert exact_duplicates(["a", "b", "a", "c", "b"]) == {2: 0, 4: 1}


def test_planted_copies_of_suite_tasks_are_found() -> None:
    suite = get_suite("humaneval")
    tasks = known_tasks()
    rng = random.Random(1)
    copy = suite.tasks[5].prompt + suite.tasks[5].reference  # verbatim
    spaced = " \n".join(suite.tasks[17].prompt.split())  # same words, new whitespace
    edited = suite.tasks[30].reference_program.replace("return", "return  ") + "\n# mine\n"
    clean = [snippet(rng) for _ in range(20)]
    records = [RecordText("copy", copy, copy), RecordText("spaced", spaced, spaced),
               RecordText("edited", edited, edited)]
    records += [RecordText(f"clean{i}", text, text) for i, text in enumerate(clean)]
    rows = decontaminate(records, tasks)
    hits = {(r.record_id, r.task_id, r.method) for r in rows}
    assert ("copy", suite.tasks[5].task_id, "substring") in hits
    assert ("copy", suite.tasks[5].task_id, "ngram") in hits
    assert ("copy", suite.tasks[5].task_id, "minhash") in hits
    assert ("spaced", suite.tasks[17].task_id, "substring") in hits
    assert ("edited", suite.tasks[30].task_id, "ngram") in hits
    assert not any(r.record_id.startswith("clean") for r in rows)
    for row in rows:
        assert row.score >= row.threshold


def test_private_tasks_are_checked_but_only_named() -> None:
    from fairclimb.suites import Split, Task

    secret = Task("vault/7", "vault", "def unlock(code):\n    \"\"\"Return True when the "
                  "code is the secret combination of the vault door.\"\"\"\n", "unlock",
                  "    return code == 4242\n", "def check(c):\n    assert c(4242)\n",
                  split=Split.PRIVATE)
    text = "Here is a task: " + secret.prompt + secret.reference
    rows = decontaminate([RecordText("r", text, text)], [secret])
    assert {r.task_id for r in rows} == {"vault/7"}
    assert all(secret.prompt not in repr(r) for r in rows)


@pytest.mark.slow
def test_rephrased_task_is_found_only_by_embeddings(monkeypatch: pytest.MonkeyPatch) -> None:
    # Offline: the model must load from the package, never from the hub.
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    tasks = get_suite("humaneval").tasks[:8]  # a few: embedding on CPU is slow
    rephrased = ("Write a function that takes a list of numbers and a threshold and tells "
                 "whether any two of the numbers are nearer to each other than the "
                 "threshold.")
    unrelated = "Write a function that renders a calendar month as an HTML table."
    records = [RecordText("re", rephrased, rephrased), RecordText("un", unrelated, unrelated)]
    plain = decontaminate(records, tasks, DecontamOptions())
    assert plain == []
    rows = decontaminate(records, tasks, DecontamOptions(embeddings=True,
                                                         embedding_threshold=0.6))
    assert {(r.record_id, r.task_id, r.method) for r in rows} == {
        ("re", "HumanEval/0", "embedding")}, rows
