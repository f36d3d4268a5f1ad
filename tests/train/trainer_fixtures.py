"""Tiny models and small datasets for the trainer tests: nothing is downloaded.

A checkpoint is a 2-layer GPT-2 with random weights and a word-level tokenizer trained
here on the words the test data uses (and the plain chat template's role words), saved
with ``save_pretrained`` like any local checkpoint. Datasets are made the way people
make them: votes imported with ``import_feedback`` (which curates them, so the data
gate finds a current decontamination report).
"""

from __future__ import annotations

import random
from pathlib import Path

from tiny_hf import tiny_gpt2

from fairclimb.data import Vote, import_feedback
from fairclimb.store import Store

WORDS = ("apple", "banana", "cherry", "delta", "echo", "foxtrot", "golf", "hotel", "india",
         "juliet", "kilo", "lima", "mango", "nectar", "olive", "papaya", "quince", "rose",
         "sage", "thyme", "umber", "violet", "walnut", "xenon", "yarrow", "zinnia")
GOOD = ("good", "fine", "great", "solid", "clean", "right")
BAD = ("bad", "poor", "wrong", "broken", "messy", "weak")


def make_checkpoint(path: Path, texts: list[str], layers: int = 2, width: int = 32) -> Path:
    corpus = [*texts, "user : assistant : system :", " ".join(WORDS + GOOD + BAD)]
    return tiny_gpt2(path, corpus, layers=layers, width=width)


def planted_votes(count: int, seed: int = 0) -> list[Vote]:
    """Votes with a planted, learnable preference: people always chose the answer that
    opens with one of the GOOD words over the one that opens with a BAD word (sides
    shuffled; the rest of both answers are the prompt's words in other orders, so no
    fixed last token gives the preference away to an untrained model). Each vote also
    carries a correction (an SFT record): the prompt's words reversed."""
    rng = random.Random(seed)
    votes = []
    for index in range(count):
        words = rng.sample(WORDS, 4)
        prompt = " ".join(words)
        good = f"{rng.choice(GOOD)} {words[3]} {words[2]} {words[1]} {words[0]}"
        bad = f"{rng.choice(BAD)} {words[0]} {words[2]} {words[1]} {words[3]}"
        good_side = rng.choice("ab")
        answer_a, answer_b = (good, bad) if good_side == "a" else (bad, good)
        votes.append(Vote(prompt=prompt, answer_a=answer_a, answer_b=answer_b,
                          model_a="student-a", model_b="student-b", winner=good_side,
                          rater=f"rater-{index % 3}", vote_id=f"v{index}",
                          correction=f"{words[3]} {words[2]} {words[1]} {words[0]}"))
    return votes


def vote_texts(votes: list[Vote]) -> list[str]:
    return [f"{v.prompt} {v.answer_a} {v.answer_b} {v.correction}" for v in votes]


def make_dataset(store: Store, name: str, votes: list[Vote],
                 overrides: dict[str, str] | None = None) -> None:
    import_feedback(store, votes, name, source="tests", overrides=overrides)


def make_suite(store: Store, name: str = "tinyfam") -> None:
    """A suite of two public tasks and one private one, built into *store*."""
    from fairclimb.store import StoredSuite, SuiteRepository
    from fairclimb.suites import Split, Task, task_to_fields

    def task(entry: str, body: str, split: Split) -> Task:
        return Task(task_id=f"{name}/{entry}", suite=name,
                    prompt=f"def {entry}(x):\n    \"\"\"Return {body}.\"\"\"\n",
                    entry_point=entry, reference=f"    return {body}\n",
                    tests="def check(candidate):\n"
                          f"    assert candidate(3) == {body.replace('x', '3')}\n",
                    split=split, origin="fairclimb", licence="Apache-2.0")

    tasks = [task("double", "x + x", Split.PUBLIC), task("triple", "x * 3", Split.PUBLIC),
             task("square", "x * x", Split.PRIVATE)]
    SuiteRepository(store).put(StoredSuite(name, f"{name} suite", "fairclimb", {},
                                           [task_to_fields(t) for t in tasks]))
