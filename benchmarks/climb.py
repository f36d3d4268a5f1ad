"""The climb, demonstrated: a real climb and an illusory one, told apart by climb report.

NOT a test and NOT a benchmark of coding ability: a demonstration of the mechanics on a
tiny generated task family, on CPU, in minutes. Every task asks for a one-line
arithmetic function, ``def scale(w):`` with the docstring "Return w * 12." and
nothing else (always this phrasing, no example outputs): a function name of 40, an
argument name of 10, an operation of + - * and a constant K of 1-20, 24,000 tasks in
all. The suite's 30 public and 30 private tasks and the 400 other tasks a fair
training set may use are disjoint random draws from that family, so all three are
made the same way. The model is a 2-layer Llama-shaped model (rotary positions) with
random weights and a word-level tokenizer, both made here: a name, a mark or a number
is one token (with the space before it), so solving a task means copying four fields
from the prompt into ``def scale(w): return w * 12``, which hundreds of other tasks
can teach and 30 memorised answers cannot.

- Arm 1 (a real climb): SFT on distilled answers to the OTHER tasks (the teacher is the
  family's reference generator, registered with terms "allow"; the records pass the
  record gate), then GRPO on the suite's public tasks with execution rewards. Public
  and private pass@1 should both rise.
- Arm 2 (an illusory climb): SFT on answers to the PUBLIC tasks themselves (the gate
  refuses them as contaminated; the benchmark overrides it with a recorded reason, as
  a careless climber would). Public rises, private does not: climb report flags it.

Every pass@1 is printed with its paired 95% interval. Exit 0 only when arm 2 alone is
flagged AND arm 1's gains on both splits exclude 0.

Measured (2026-12-02 03:12-03:24 UTC on the shared 2-core machine, load average 5-15
from ~8 other engineers' jobs, so up to 2-3x slower than a quiet machine; defaults: 30
public, 30 private, 400 other tasks of which curation kept 291 and dropped 109
near-duplicates; arm 2's 30 public answers: 28 kept, 2 near-duplicates; 2 layers,
hidden size 128; SFT 1000 steps at lr 5e-3, GRPO 32 steps at lr 2e-4 with 8
completions per prompt at temperature 1.0, arm 2 200 steps), 667 s in all (arm 1 SFT
512 s, GRPO 33 s, arm 2 SFT 63 s, the three climb reports the rest); exit 0:

    arm1-sft   public  0.000 -> 0.133  diff +0.133 [+0.033, +0.267]
               private 0.000 -> 0.133  diff +0.133 [+0.033, +0.267]
               public gain minus private gain +0.000 [-0.167, +0.167]   not flagged
    arm1-grpo  public  0.000 -> 0.167  diff +0.167 [+0.033, +0.300]  (trained on it)
               private 0.000 -> 0.133  diff +0.133 [+0.033, +0.267]
               public gain minus private gain +0.033 [-0.133, +0.200]   not flagged
    arm2-sft   public  0.000 -> 0.900  diff +0.900 [+0.767, +1.000]  (trained on it)
               private 0.000 -> 0.067  diff +0.067 [+0.000, +0.167]
               public gain minus private gain +0.833 [+0.700, +0.967]   FLAGGED

Arm 1 climbs on both splits beyond noise and is not flagged; arm 2 memorises 27 of its
28 public answers, gets 2 private ones, and is flagged. Arm 1's SFT ends at training
loss 0.100, token accuracy 0.952; GRPO's mean execution reward is 0.06-0.08 (of 160
sampled answers per 10 steps ~12 pass, ~32 fail a check, 109 raise an error) and moves
greedy pass@1 by one public task. Of arm1-grpo's 60 greedy answers 9 pass, 14 fail a
check (a wrong constant or operation) and 37 raise an error (mostly NameError: a
wrong argument name).

The climb is real but not large, and it varies from run to run (the model escapes
its guessing plateau late and not always as far). The same family and seed, all
measured this session with exit codes: 700 SFT + 16 GRPO steps, the chat template
before the fix below: arm1-grpo public 0.300 [+0.133, +0.467], private 0.333 [+0.167,
+0.500], exit 0, 1076 s at load 15-28; 600 other tasks (364 kept), 700 + 40 steps,
before the fix: arm 1 0.000 on both, exit 1, 754 s at load 13-19; 1000 + 32 steps
before the fix: public 0.500 [+0.333, +0.700], private 0.433 [+0.267, +0.633], exit 0,
997 s at load 10-15.
(The fix: fairclimb.train's plain chat template, for checkpoints without one, lost
its newlines to Hugging Face's trim_blocks, so these models were trained and asked
with "system: ...user: ...assistant:" run together; it now renders the hf backend's
role: content lines.) Arm 2 was flagged in every run.

What was tried, in order (earlier sessions first): a byte-level BPE GPT-2 at 200 steps
(nothing learnt by either arm); a word-level tokenizer at 150 and 250 steps (arm 2
memorised 2/30); ``solve(x)`` tasks with constants 0-99, three example outputs in the
docstring, a Llama-shaped model and 800 steps at lr 2e-3, then the SFT loss on the
answer only (arm 2 30/30 flagged; arm 1 wrote the right operation and a constant off
by one, so every GRPO sample scored 0; 3 layers and 500 steps the same). What made arm
1 climb: no example outputs (a second cue for the constant that disagreed with it);
constants 1-20 so each is seen ~15 times, with the function and argument names varied
instead, so 24,000 tasks keep the suite's tasks unseen and memorising useless; a
space joined to the token after it (97-token prompts instead of 139); lr 5e-3. In a
plain-torch copy of this setup at lr 2e-3 the loss sat on its plateau (the fields
guessed, not copied) for ~300 steps; at 5e-3 names and arguments were copied by step
200 and held-out exact answers rose 0.017 (step 300), 0.133 (400), 0.350 (500),
0.417 (600). 8 attention heads instead of 4 learnt more slowly. With 8 function names
and 5 argument names only 85 of 400 other tasks survived curation's near-duplicate
clustering (MinHash over word tokens, which ignores + - *), hence 40 and 10. One
torch thread matters on a loaded machine: a step took 8 s with two, 0.5-2.5 s with one.

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
# A task is (function name, argument name, operation, constant K); every field is one
# token the answer must copy from the prompt, so 2,400 tasks share a small vocabulary
# and each constant is seen many times in any few hundred of them.
NAMES = ("solve", "compute", "apply", "shift", "scale", "step", "value", "result",
         "change", "move", "adjust", "update", "convert", "transform", "evaluate", "measure",
         "count", "total", "score", "price", "offset", "level", "amount", "weight", "height",
         "width", "length", "size", "speed", "rate", "balance", "budget", "cost", "delta",
         "limit", "margin", "point", "range", "scale_up", "tick")
ARGUMENTS = ("x", "n", "a", "b", "y", "m", "v", "z", "t", "w")
OPS = ("+", "-", "*")
CONSTANTS = range(1, 21)
APPLY = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b}
MAX_LENGTH = 160  # tokens: a prompt and its answer are about 125
Spec = tuple[str, str, str, int]  # (function name, argument, operation symbol, K)
GREEDY = GenerationParams(temperature=0.0, max_tokens=32, seed=0)


def family(rng: random.Random, per_split: int, others: int) -> tuple[list[Spec], list[Spec]]:
    """The suite's 2 * *per_split* tasks and *others* other tasks, disjoint, all drawn
    at random from the same family (so public, private and fair training tasks are
    made the same way)."""
    every = [(name, arg, op, k) for name in NAMES for arg in ARGUMENTS for op in OPS
             for k in CONSTANTS]
    if 2 * per_split + others > len(every):
        raise SystemExit(f"the family has {len(every)} tasks; asked for "
                         f"{2 * per_split + others}")
    rng.shuffle(every)
    return every[: 2 * per_split], sorted(every[2 * per_split: 2 * per_split + others])


def to_task(spec: Spec, index: int, split: Split) -> Task:
    name, arg, op, k = spec
    tests = "def check(candidate):\n" + "".join(
        f"    assert candidate({x}) == {APPLY[op](x, k)}\n" for x in (2, 7, -3))
    # One fixed phrasing and no example outputs: an example such as solve(1) = 16 for
    # "x + 15" is a second cue for the constant that disagrees with it.
    return Task(task_id=f"{SUITE}/{index}", suite=SUITE,
                prompt=f'def {name}({arg}):\n    """Return {arg} {op} {k}."""\n',
                entry_point=name, reference=f"    return {arg} {op} {k}\n", tests=tests,
                split=split, origin="generated by benchmarks/climb.py", licence="MIT")


def answer(task: Task) -> str:
    return f"```python\n{task.prompt.splitlines()[0]}\n{task.reference}```"


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


def build_suite(store: Store, seed: int, per_split: int,
                others: int) -> tuple[list[Task], list[Task], list[Task]]:
    rng = random.Random(seed)
    tested, other_specs = family(rng, per_split, others)  # the suite: half public, half private
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
    # A word or mark takes the space before it (as GPT-2's tokenizer does): prompts half
    # as long as with a token per space, so a step is faster and a head has fewer
    # places to look for the field it copies.
    raw.pre_tokenizer = pre_tokenizers.Split(Regex(r" ?\w+| ?[^\w\s]|\s"),
                                             behavior="isolated")
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
    parser.add_argument("--others", type=int, default=400,
                        help="Other tasks of the family, for the fair training set.")
    parser.add_argument("--sft-steps", type=int, default=1000, help="Arm 1's SFT steps.")
    parser.add_argument("--grpo-steps", type=int, default=32)
    parser.add_argument("--grpo-lr", type=float, default=2e-4)
    parser.add_argument("--generations", type=int, default=8,
                        help="GRPO completions sampled per prompt (temperature 1.0).")
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--lr", type=float, default=5e-3, help="SFT learning rate.")
    parser.add_argument("--arm2-steps", type=int, default=200, help="Arm 2's SFT steps.")
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
        public, private, others = build_suite(store, 7, args.per_split, args.others)
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
            work / "arm1-grpo", args.grpo_steps, args.grpo_lr,
            num_generations=args.generations, max_completion_length=GREEDY.max_tokens,
            temperature=1.0)
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
