"""From people: arena votes, error labels and corrections become training records.

* a vote for one side becomes a **preference** pair (``chosen`` the winner's answer,
  ``rejected`` the loser's), origin ``human``;
* a **correction** (a person's fixed version of a model's answer) becomes an **SFT**
  record, origin ``hybrid`` (model output corrected by a person), whose parent is the
  answer it corrects;
* **error labels** on an answer are kept as **annotation** records, origin ``human``.

Ties and "both bad" carry no preference: they are left out unless
``FeedbackOptions.keep_ties`` / ``keep_both_bad`` keep them as annotations. Votes that
quality control excluded (``exclusions`` not empty) are never turned into training data;
they are only counted.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from fairclimb.data._decontam import DecontamOptions
from fairclimb.data._dedup import DedupParams
from fairclimb.data._gate import Candidate, ModelOutput, admit
from fairclimb.data._jsonl import jsonl_lines
from fairclimb.data._records import (
    Origin,
    RecordKind,
    TrainingRecord,
    content_hash,
    transformation,
)
from fairclimb.data._votes import Excluded, Exclusion, Winner
from fairclimb.errors import UserInputError
from fairclimb.executor import ExecutorChoice, reach
from fairclimb.store import Store
from fairclimb.suites import Task

__all__ = ["FeedbackOptions", "FeedbackOutcome", "Vote", "import_feedback", "read_votes",
           "records_from_votes"]

# Both spellings are read (a, b, tie, both_bad and FastChat's): one vote format across
# import-feedback, ratings and the arena's export.
_SPELLINGS = (f"{', '.join(w.short for w in Winner)} (or FastChat's "
              f"{', '.join(w.value for w in Winner if w.value != w.short)})")


@dataclass(frozen=True, slots=True)
class Vote:
    """One arena judgement, as the arena store hands it over (plain data)."""

    prompt: str
    answer_a: str
    answer_b: str
    model_a: str
    model_b: str
    winner: Winner  # either spelling is accepted and read as a Winner
    rater: str  # a pseudonym, never a name or an e-mail
    briefing_version: str = ""
    seconds: float = 0.0
    gold: bool = False  # a gold (known-answer) battle used to check raters
    labels_a: tuple[str, ...] = ()
    labels_b: tuple[str, ...] = ()
    comment: str = ""
    correction: str = ""  # a person's corrected answer
    corrected_side: str = ""  # a or b; defaults to the loser (or a)
    exclusions: tuple[Excluded, ...] = ()  # why it does not count; empty if it does
    tstamp: str = ""
    vote_id: str = ""  # the arena's id, when it has one
    licence: str = ""
    pay_usd: float | None = None  # what the rater was paid for this judgement

    def __post_init__(self) -> None:
        if not isinstance(self.winner, Winner):
            try:
                object.__setattr__(self, "winner", Winner.parse(str(self.winner)))
            except ValueError:
                raise UserInputError(f"vote winner must be one of {_SPELLINGS}, not "
                                     f"{self.winner!r}") from None

    @property
    def excluded(self) -> bool:
        return bool(self.exclusions)


@dataclass(frozen=True, slots=True)
class FeedbackOptions:
    keep_ties: bool = False  # keep ties as annotations
    keep_both_bad: bool = False  # keep "both bad" as annotations
    licence: str = ""
    dedup: DedupParams | None = None  # None: the dataset's recorded settings (or defaults)
    decontam: DecontamOptions | None = None
    #: where curation signs the texts for dedup and decontamination (a Ray cluster's
    #: nodes, say); None: this machine. It changes no record's fate.
    executor: ExecutorChoice | None = None


@dataclass(frozen=True, slots=True)
class FeedbackOutcome:
    candidates: list[Candidate]  # for the gate; nothing is stored yet
    votes: int
    flagged: int
    ties_left_out: int
    raters: dict[str, dict[str, float]] = field(default_factory=dict)  # pseudonym -> totals


def _human(vote: Vote) -> dict[str, Any]:
    return {"rater": vote.rater, "briefing_version": vote.briefing_version,
            "seconds": vote.seconds, "gold": vote.gold, "tstamp": vote.tstamp,
            "vote_id": vote.vote_id or None, "pay_usd": vote.pay_usd}


def _messages(prompt: str, answer: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": prompt}, {"role": "assistant", "content": answer}]


def records_from_votes(votes: Sequence[Vote],
                       options: FeedbackOptions | None = None) -> FeedbackOutcome:
    """The records that *votes* make, as gate candidates keyed by each vote's content."""
    options = options or FeedbackOptions()
    offers: list[Candidate] = []
    flagged = ties = 0
    raters: dict[str, dict[str, float]] = {}
    for vote in votes:
        if vote.excluded:
            flagged += 1
            continue
        totals = raters.setdefault(vote.rater, {"votes": 0, "seconds": 0.0, "pay_usd": 0.0})
        totals["votes"] += 1
        totals["seconds"] += vote.seconds
        totals["pay_usd"] += vote.pay_usd or 0.0
        key = vote.vote_id or _vote_key(vote)
        offers.extend(_vote_offers(vote, key, options))
        if not vote.winner.decisive and not (
                options.keep_ties if vote.winner is Winner.TIE else options.keep_both_bad):
            ties += 1
    return FeedbackOutcome(offers, len(votes), flagged, ties, raters)


def _vote_key(vote: Vote) -> str:
    """A counted vote's content key, spelt as before the typed vote (winner ``a``…, an
    empty ``flagged``), so a votes file imported again still adds nothing twice."""
    values = {f.name: getattr(vote, f.name) for f in fields(vote) if f.name != "exclusions"}
    return content_hash(values | {"winner": vote.winner.short, "flagged": ""})


def _source(key: str, what: str) -> str:
    return content_hash(f"{key}:{what}")


def _vote_offers(vote: Vote, key: str, options: FeedbackOptions) -> list[Candidate]:
    offers: list[Candidate] = []
    licence = vote.licence or options.licence
    answers = {"a": (vote.answer_a, vote.model_a, vote.labels_a),
               "b": (vote.answer_b, vote.model_b, vote.labels_b)}
    base: dict[str, Any] = {"human": _human(vote), "generation": None, "checks": {}, "parents": []}
    annotations: dict[str, str] = {}
    for side, (answer, model, labels) in answers.items():
        keep_judgement = (vote.winner is Winner.TIE and options.keep_ties) or \
                         (vote.winner is Winner.TIE_BOTHBAD and options.keep_both_bad)
        if labels or keep_judgement:
            record = TrainingRecord(
                RecordKind.ANNOTATION, Origin.HUMAN,
                {"prompt": vote.prompt, "answer": answer, "model": model,
                 "labels": sorted(labels), "verdict": vote.winner.short,
                 "comment": vote.comment},
                {**base, "transformations": [transformation("annotation_from_vote")]},
                licence)
            annotations[side] = record.record_id
            offers.append(Candidate(_source(key, f"labels_{side}"), record,
                                    (ModelOutput(model, "answer"),)))
    if vote.winner.decisive:
        won = vote.winner.short
        loser = "b" if won == "a" else "a"
        record = TrainingRecord(
            RecordKind.PREFERENCE, Origin.HUMAN,
            {"prompt": [{"role": "user", "content": vote.prompt}],
             "chosen": [{"role": "assistant", "content": answers[won][0]}],
             "rejected": [{"role": "assistant", "content": answers[loser][0]}]},
            {**base, "models": {"chosen": answers[won][1],
                                "rejected": answers[loser][1]},
             "transformations": [transformation("preference_from_vote")]},
            licence)
        offers.append(Candidate(_source(key, "preference"), record,
                                (ModelOutput(answers[won][1], "chosen"),
                                 ModelOutput(answers[loser][1], "rejected"))))
    if vote.correction.strip():
        side = vote.corrected_side or ("b" if vote.winner is Winner.MODEL_A else "a")
        if side not in answers:
            raise UserInputError(f"corrected_side must be a or b, not {side!r}")
        original, model, _ = answers[side]
        parent = annotations.get(side) or content_hash(
            {"kind": "answer", "content": original})
        record = TrainingRecord(
            RecordKind.SFT, Origin.HYBRID, {"messages": _messages(vote.prompt,
                                                                  vote.correction)},
            {**base, "models": {"corrected": model}, "parents": [parent],
             "corrects": {"side": side, "model": model},
             "transformations": [transformation("correction_from_vote")]},
            licence)
        # The person's text is derived from the model's answer: that model's terms apply.
        offers.append(Candidate(_source(key, "correction"), record,
                                (ModelOutput(model, "corrected"),)))
    return offers


_VOTE_FIELDS = {f.name: f for f in fields(Vote)} | {"flagged": None}
_REQUIRED = ("prompt", "answer_a", "answer_b", "model_a", "model_b", "winner", "rater")


def read_votes(path: Path) -> list[Vote]:
    """A JSONL file of votes (the :class:`Vote` fields); the first bad line raises one
    sentence naming it."""
    return [_vote(f"{path}:{lineno}", line) for lineno, line in jsonl_lines(path, "votes", "votes")]


def _vote(where: str, line: str) -> Vote:
    try:
        row = json.loads(line)
    except ValueError:
        raise UserInputError(f"{where}: not a JSON object") from None
    if not isinstance(row, dict):
        raise UserInputError(f"{where}: not a JSON object")
    missing = [name for name in _REQUIRED if not isinstance(row.get(name), str)]
    if missing:
        raise UserInputError(f"{where}: missing or not a string: {', '.join(missing)}")
    unknown = sorted(set(row) - set(_VOTE_FIELDS))
    if unknown:
        raise UserInputError(f"{where}: unknown field(s) {', '.join(unknown)}")
    values: dict[str, Any] = dict(row)
    try:
        values["winner"] = Winner.parse(row["winner"])
    except ValueError:
        raise UserInputError(f"{where}: winner must be one of {_SPELLINGS}, "
                             f"not {row['winner']!r}") from None
    values["exclusions"] = _exclusions(where, values.pop("exclusions", []),
                                       values.pop("flagged", ""))
    for name in ("labels_a", "labels_b"):
        labels = values.get(name, [])
        if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
            raise UserInputError(f"{where}: {name} must be a list of strings")
        values[name] = tuple(labels)
    try:
        return Vote(**values)
    except TypeError as exc:
        raise UserInputError(f"{where}: {exc}") from None


def _exclusions(where: str, given: Any, flagged: Any) -> tuple[Excluded, ...]:
    """A file's ``exclusions`` (kinds, or objects with ``kind`` and ``detail``) and its
    older ``flagged`` sentence (a reason, kept as the detail of a ``marked`` exclusion)."""
    if not isinstance(flagged, str) or not isinstance(given, list):
        raise UserInputError(f"{where}: flagged must be a string and exclusions a list")
    out = [Excluded(Exclusion.MARKED, flagged.strip())] if flagged.strip() else []
    for item in given:
        kind, detail = (item.get("kind"), item.get("detail", "")) if isinstance(item, dict) \
            else (item, "")
        try:
            out.append(Excluded(Exclusion(str(kind)), str(detail)))
        except ValueError:
            raise UserInputError(f"{where}: unknown exclusion {kind!r}; use one of "
                                 f"{', '.join(e.value for e in Exclusion)}") from None
    return tuple(out)


def import_feedback(store: Store, votes: Sequence[Vote], dataset: str, source: str,
                    options: FeedbackOptions | None = None,
                    extra_tasks: Sequence[Task] = (), *,
                    overrides: Mapping[str, str] | None = None,
                    aliases: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Turn *votes* into records of *dataset* through the record gate (resumable: a vote
    is added once), then curate the dataset. *overrides*: model -> the reason training
    on its outputs is allowed despite terms that forbid it. Returns the counts a person
    wants to see, ``refused`` by :class:`~fairclimb.data.DropReason`. A Ray cluster
    in *options* that does not answer is refused before anything is stored."""
    executor = options.executor if options else None
    reach(executor)
    outcome = records_from_votes(votes, options)
    notes = {"sources": [source],
             "feedback_imports": [{"source": source, "votes": outcome.votes,
                                   "flagged_left_out": outcome.flagged,
                                   "ties_left_out": outcome.ties_left_out}]}
    gated = admit(store, dataset, outcome.candidates, source=source, notes=notes,
                  overrides=overrides, aliases=aliases, extra_tasks=extra_tasks,
                  dedup=options.dedup if options else None,
                  decontam=options.decontam if options else None, executor=executor)
    return {"votes": outcome.votes, "flagged_left_out": outcome.flagged,
            "ties_left_out": outcome.ties_left_out, "records": len(outcome.candidates),
            "refused": gated.refused, "added": gated.added, "kept": gated.kept,
            "warnings": gated.warnings}
