"""The climb, demonstrated: a real climb and an illusory one, told apart by climb report.

NOT a test and NOT a benchmark of coding ability: a demonstration of the mechanics on a
tiny generated task family, on CPU, in minutes. Every task asks for a one-line
arithmetic function: ``def solve(x)`` with the docstring "Return x + 38." (an operation
of + - *, a constant K of 0-99, always this phrasing) and three examples, and tests.
The suite's public and private splits are drawn the same way from the same family (a
random half each); the other tasks of the family are what a fair training set may use
(one operation per constant goes to them first, so every constant is an answer they
show). The model is a 2-layer Llama-shaped model (rotary positions) with random
weights and a word-level tokenizer, both made here: a number is one token, so solving
a task means copying K from the prompt into ``return x + K``, which a fair training set
is meant to teach and 30 memorised answers cannot.

- Arm 1 (a real climb): SFT on distilled answers to the OTHER tasks (the teacher is the
  family's reference generator, registered with terms "allow"; the records pass the
  record gate), then GRPO on the suite's public tasks with execution rewards. Public
  and private pass@1 should both rise.
- Arm 2 (an illusory climb): SFT on answers to the PUBLIC tasks themselves (the gate
  refuses them as contaminated; the benchmark overrides it with a recorded reason, as
  a careless climber would). Public rises, private does not: climb report flags it.

Every pass@1 is printed with its paired 95% interval. Exit 0 only when arm 2 alone is
flagged AND arm 1's gains on both splits exclude 0.

Measured (2026-12-02 01:00-01:13 UTC, the shared 2-core machine at load ~8-9; SFT's
loss now on the answer only, ended by end-of-sequence; defaults: 30 public, 30 private,
240 other tasks of which curation kept 204 and dropped 36 near-duplicates; all 30
public answers flagged contaminated and trained on only through the override; 2 layers,
800 SFT steps, 4 GRPO steps, 300 arm-2 steps), 756 s in all (arm 1 SFT 475 s, arm 2
SFT 179 s):

    arm1-sft   public  0.000 -> 0.000  diff +0.000 [+0.000, +0.000]
               private 0.000 -> 0.033  diff +0.033 [+0.000, +0.100]   not flagged
               public gain minus private gain -0.033 [-0.100, +0.000]
    arm1-grpo  public  0.000 -> 0.000  (trained on it), private 0.000 -> 0.033
               diff +0.033 [+0.000, +0.100], gap -0.033 [-0.100, +0.000], not flagged
    arm2-sft   public  0.000 -> 1.000  diff +1.000 [+1.000, +1.000]  (trained on it)
               private 0.000 -> 0.000  diff +0.000 [+0.000, +0.000]
               public gain minus private gain +1.000 [+1.000, +1.000]: FLAGGED

Arm 2's illusory climb (30 of 30 public tasks memorised, nothing private) is flagged
beyond noise. Arm 1 still does NOT climb (the script exits 1). The answer-only loss
fixed the stopping (completions now end with end-of-sequence at 30 tokens instead of
running to the 40-token cap; arm-1 SFT reaches training loss 0.019, token accuracy
0.997) and brought the constant within one of the right one: greedy answers to public
tasks read ``return x * 77`` for "x * 78", ``x + 16`` for "x + 15", ``x - 53`` for
"x - 54" (perhaps K is read off the docstring's example outputs, e.g. solve(1) = 16
for "x + 15", rather than copied from "Return x + K."), so GRPO's sampled answers
still all score 0 and it teaches nothing. What was tried, in order: a byte-level BPE
GPT-2 at 200 steps (nothing either arm); a word-level tokenizer (a constant is one
token) at 150 and 250 steps (arm 2 memorised 2/30); the operation as a symbol,
constants 0-99 each shown by the fair set, a Llama-shaped model (rotary positions) and
800 steps (arm 1: wrong constant, no stop); SFT loss on the answer only (the figures
above). Still to try: 3+ layers (--layers 3 --sft-steps 500 got SFT loss 0.159, token
accuracy 0.956 in 537 s and GRPO reward 0 too; its reports were not run), fewer
SFT steps (61 epochs may memorise rather than copy), docstrings without example
outputs, or more GRPO steps at a higher temperature so that the right constant next
to the greedy one gets sampled and rewarded. One torch thread matters on a loaded
machine: a step took 8 s with two, 1.6-2 s with one.
Run:

    PYTHONPATH=. python benchmarks/climb.py [--work DIR] [--sft-steps N] [--grpo-steps N]
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from fairclimb.audit import ClimbOptions, ClimbReport, climb_report, write_climb_report
from fairclimb.data import Candidate, ModelOutput, Origin, RecordKind, TrainingRecord, admit
from fairclimb.evaluate import EvalOptions, build_request
from fairclimb.models import ApiStyle, Device, GenerationParams, LocalOptions, ModelSpec, Terms
from fairclimb.sandbox import Limits
from fairclimb.store import Store, StoredSuite, SuiteRepository
from fairclimb.suites import Split, Task, task_to_fields
from fairclimb.train import TrainerKind, TrainOptions, TrainSource, train

SUITE = "climb-demo"
TEACHER = "family-reference"
CONSTANTS = 100  # K in range(100): every constant is one token, seen in training
EXAMPLES = (1, 4, 10)  # inputs shown in each docstring
OPS = ("+", "-", "*")
APPLY = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b}
MAX_LENGTH = 256  # tokens: the longest prompt and answer are about 170
Spec = tuple[str, int]  # (operation symbol, constant K)
GREEDY = GenerationParams(temperature=0.0, max_tokens=40, seed=0)


def family(rng: random.Random, per_split: int) -> tuple[list[Spec], list[Spec]]:
    """The suite's 2 * *per_split* (operation, K) tasks, and the other tasks.

    One operation per constant, drawn at random, goes to the other tasks first, so every
    constant is an answer the fair training set shows; the suite is then a random draw
    from the rest, and whatever is left joins the other tasks too.
    """
    every = {k: [(symbol, k) for symbol in OPS] for k in range(CONSTANTS)}
    others = [rng.choice(specs) for specs in every.values()]
    rest = [spec for specs in every.values() for spec in specs if spec not in others]
    if 2 * per_split > len(rest):
        raise SystemExit(f"the family leaves {len(rest)} tasks for the suite; "
                         f"asked for {2 * per_split}")
    rng.shuffle(rest)
    return rest[: 2 * per_split], sorted(others + rest[2 * per_split:])


def to_task(spec: tuple[str, int], index: int, split: Split) -> Task:
    op, k = spec
    examples = "".join(f"    >>> solve({x})\n    {APPLY[op](x, k)}\n" for x in EXAMPLES)
    tests = "def check(candidate):\n" + "".join(
        f"    assert candidate({x}) == {APPLY[op](x, k)}\n" for x in (2, 7, -3))
    return Task(task_id=f"{SUITE}/{index}", suite=SUITE,
                prompt=f'def solve(x):\n    """Return x {op} {k}.\n\n{examples}    """\n',
                entry_point="solve", reference=f"    return x {op} {k}\n", tests=tests,
                split=split, origin="generated by benchmarks/climb.py", licence="MIT")


def answer(task: Task) -> str:
    return f"```python\ndef solve(x):\n{task.reference}```"


def sft_record(task: Task, *, public_task: bool) -> TrainingRecord:
    request = build_request(task, ApiStyle.CHAT, GREEDY, 0)
    messages = [{"role": m.role, "content": m.content} for m in request.messages]
    messages.append({"role": "assistant", "content": answer(task)})
    provenance: dict[str, Any] = {
        "generation": {"model": TEACHER, "terms": "allow"}, "human": None, "parents": []}
    if public_task:  # an answer to a benchmark task, and it says so
        provenance["task"] = {"suite": SUITE, "task_id": task.task_id, "split": "public"}
    return TrainingRecord(RecordKind.SFT, Origin.SYNTHETIC, {"messages": messages},
                          provenance, licence="MIT")


def build_suite(store: Store, seed: int,
                per_split: int) -> tuple[list[Task], list[Task], list[Task]]:
    rng = random.Random(seed)
    tested, other_specs = family(rng, per_split)  # the suite: half public, half private
    splits = [Split.PUBLIC] * per_split + [Split.PRIVATE] * per_split
    rng.shuffle(splits)
    tasks = [to_task(spec, i, split)
             for i, (spec, split) in enumerate(zip(tested, splits, strict=True))]
    others = [to_task(spec, 1000 + i, Split.PUBLIC) for i, spec in
              enumerate(other_specs)]
    SuiteRepository(store).put(StoredSuite(
        SUITE, "A generated arithmetic-function family (benchmarks/climb.py): a "
        "demonstration of the climb report's mechanics, not a coding benchmark.",
        "benchmarks/climb.py", {"seed": seed}, [task_to_fields(t) for t in tasks]))
    public = [t for t in tasks if t.split is Split.PUBLIC]
    return public, [t for t in tasks if t.split is Split.PRIVATE], others


def add_dataset(store: Store, name: str, records: list[TrainingRecord]) -> dict[str, int]:
    """*records* through the record gate (the teacher's terms, dedup, decontamination)."""
    outcome = admit(store, name, [Candidate(f"{name}-{i}", r, (ModelOutput(TEACHER, "answer"),))
                                  for i, r in enumerate(records)], source="benchmarks/climb.py")
    counts: dict[str, int] = {}
    for status, _ in outcome.curation.statuses.values():
        counts[status] = counts.get(status, 0) + 1
    return counts


def base_checkpoint(path: Path, texts: list[str], layers: int) -> Path:
    """A small Llama-shaped model with random weights and a word-level tokenizer made here.

    Words, numbers, single whitespace characters and single punctuation marks are one
    token each, so a constant is one token that the answer copies from the prompt (an
    induction-head task a few layers learn), and decoding joins tokens unchanged.
    """
    import torch
    import transformers
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, trainers

    raw = Tokenizer(models.WordLevel(unk_token="<unk>"))
    raw.pre_tokenizer = pre_tokenizers.Split(Regex(r"\s|\w+|[^\w\s]"), behavior="isolated")
    raw.decoder = decoders.Fuse()
    raw.train_from_iterator(texts, trainers.WordLevelTrainer(
        special_tokens=["<pad>", "<eos>", "<unk>"]))
    tokenizer = transformers.PreTrainedTokenizerFast(
        tokenizer_object=raw, pad_token="<pad>", eos_token="<eos>", unk_token="<unk>",
        clean_up_tokenization_spaces=False)
    torch.manual_seed(0)
    # Rotary positions (a Llama-shaped model) rather than GPT-2's learnt absolute ones:
    # copying K needs a head that attends by relative position, which rotary gives.
    config = transformers.LlamaConfig(
        num_hidden_layers=layers, num_attention_heads=4, num_key_value_heads=4,
        hidden_size=128, intermediate_size=512, vocab_size=len(tokenizer),
        max_position_embeddings=MAX_LENGTH, tie_word_embeddings=True,
        bos_token_id=tokenizer.eos_token_id, eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id)
    transformers.LlamaForCausalLM(config).save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


def fit(store: Store, kind: TrainerKind, source: TrainSource, base: str, out: Path,
        steps: int, lr: float, **extra: Any) -> float:
    started = time.perf_counter()
    outcome = train(store, kind, source, TrainOptions(
        base=base, out=out, name=out.name, max_steps=steps, lr=lr, batch_size=16, seed=0,
        device=Device.CPU, max_length=MAX_LENGTH, save_steps=max(steps, 1), logging_steps=10,
        **extra))
    print(f"  {kind.value} -> {outcome.name}: {outcome.steps} steps in "
          f"{time.perf_counter() - started:.0f} s; last metrics "
          f"{ {k: round(v, 3) for k, v in outcome.final.items()} }", flush=True)
    return time.perf_counter() - started


def report(store: Store, trained: str, out: Path) -> ClimbReport:
    options = ClimbOptions(base="demo-base", trained=trained, suites=(SUITE,),
                           out_dir=out / f"climb-{trained}", n=1, params=GREEDY,
                           concurrency=16, local=LocalOptions(Device.CPU, 16), seed=0)
    result = climb_report(store, options, EvalOptions(workers=2, limits=Limits(wall_s=5.0)),
                          {})
    write_climb_report(result, options.out_dir)
    print(f"\n{trained} against demo-base:")
    for row in result.rows:
        c = row.comparison
        interval = ("n/a" if c.diff.lower is None else
                    f"[{c.diff.lower:+.3f}, {c.diff.upper:+.3f}]")
        note = " (trained on it)" if row.trained_on else ""
        print(f"  {row.split.value:<8}{note:<17} tasks {c.tasks:>3}  pass@1 base {c.base:.3f}"
              f"  trained {c.other:.3f}  diff {c.diff.value:+.3f} 95% {interval}")
    for suite, gap in result.gaps.items():
        print(f"  public gain minus private gain on {suite}: {gap.value:+.3f} "
              f"95% [{gap.lower:+.3f}, {gap.upper:+.3f}]")
    print("  FLAGGED: " + "; ".join(f.message for f in result.flags) if result.flags
          else "  not flagged", flush=True)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=None, help="Working directory (kept).")
    parser.add_argument("--per-split", type=int, default=30)
    parser.add_argument("--sft-steps", type=int, default=800, help="Arm 1's SFT steps.")
    parser.add_argument("--grpo-steps", type=int, default=4)
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--lr", type=float, default=2e-3, help="SFT learning rate.")
    parser.add_argument("--arm2-steps", type=int, default=300, help="Arm 2's SFT steps.")
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads.")
    args = parser.parse_args()
    import torch

    # On the shared, loaded 2-core machine two intra-op threads spin-wait on each other:
    # one training step took 8 s with two threads and 1.6-2 s with one.
    torch.set_num_threads(args.threads)
    work = args.work or Path(tempfile.mkdtemp(prefix="fairclimb-climb-"))
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    started = time.perf_counter()
    with Store.open(str(work / "climb.db")) as store:
        public, private, others = build_suite(store, 7, args.per_split)
        store.add_model(ModelSpec(name=TEACHER, base_url="https://example.invalid/v1",
                                  model_id=TEACHER, terms=Terms.ALLOW,
                                  terms_url="https://example.invalid/terms"))
        print(f"suite {SUITE}: {len(public)} public, {len(private)} private tasks; "
              f"{len(others)} other tasks of the family", flush=True)
        fair = add_dataset(store, "demo-other", [sft_record(t, public_task=False)
                                                  for t in others])
        leaked = add_dataset(store, "demo-public", [sft_record(t, public_task=True)
                                                    for t in public])
        print(f"datasets: demo-other {fair}; demo-public {leaked}", flush=True)
        texts = [m["content"] for r in (sft_record(t, public_task=False)
                                        for t in [*public, *private, *others])
                 for m in r.content["messages"]]
        base_dir = base_checkpoint(work / "demo-base", texts, args.layers)
        store.add_model(ModelSpec(name="demo-base", base_url="", model_id=str(base_dir),
                                  backend="hf", terms=Terms.ALLOW))
        print("arm 1: SFT on the other tasks' answers, then GRPO on the public tasks",
              flush=True)
        fit(store, TrainerKind.SFT, TrainSource(dataset="demo-other"), "demo-base",
            work / "arm1-sft", args.sft_steps, args.lr)
        fit(store, TrainerKind.GRPO, TrainSource(suites=(SUITE,)), "arm1-sft",
            work / "arm1-grpo", args.grpo_steps, 1e-4, num_generations=4,
            max_completion_length=40, temperature=0.7)
        print("arm 2: SFT on the public tasks' own answers (contamination gate overridden)",
              flush=True)
        fit(store, TrainerKind.SFT, TrainSource(dataset="demo-public"), "demo-base",
            work / "arm2-sft", args.arm2_steps, args.lr,
            override_contamination="benchmarks/climb.py: a deliberately contaminated arm")
        results = {name: report(store, name, work)
                   for name in ("arm1-sft", "arm1-grpo", "arm2-sft")}
    summary = {name: r.to_json() for name, r in results.items()}
    (work / "climb-benchmark.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(f"\nwhole benchmark: {time.perf_counter() - started:.0f} s; files in {work}")
    flagged = (not results["arm1-grpo"].flags) and bool(results["arm2-sft"].flags)
    print("climb report flagged arm 2 and not arm 1" if flagged else
          "climb report did NOT flag arm 2 alone")
    # Telling the arms apart is not enough: arm 1 must climb too, on the private split.
    climbed = all((row.comparison.diff.lower or 0.0) > 0 for row in results["arm1-grpo"].rows)
    print("arm 1 climbed on public and private beyond noise" if climbed else
          "arm 1 did NOT climb beyond noise: the demonstration is incomplete")
    return 0 if flagged and climbed else 1


if __name__ == "__main__":
    sys.exit(main())
