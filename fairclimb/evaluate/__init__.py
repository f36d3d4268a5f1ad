"""Evaluate: check samples against a suite's tests in the sandbox, and score them.

Verdicts are decided here, on the trusted side; the sandbox only reports what the
untrusted program did.
"""

from fairclimb.evaluate._checker import CompiledTask, check_program, compile_task
from fairclimb.evaluate._evaluation import (
    EvalOptions,
    EvalOutcome,
    EvalPlan,
    ReferenceCheck,
    check_references,
    evaluate,
    plan_evaluation,
)
from fairclimb.evaluate._passk import PassAtK, estimate_pass_at_k, pass_at_k
from fairclimb.evaluate._records import Sample, SampleForm, Status, Verdict
from fairclimb.evaluate._samples import program_of, read_samples
from fairclimb.evaluate._summary import Summary, render_summary, summarize

__all__ = [
    "CompiledTask",
    "EvalOptions",
    "EvalOutcome",
    "EvalPlan",
    "PassAtK",
    "ReferenceCheck",
    "Sample",
    "SampleForm",
    "Status",
    "Summary",
    "Verdict",
    "check_program",
    "check_references",
    "compile_task",
    "estimate_pass_at_k",
    "evaluate",
    "pass_at_k",
    "plan_evaluation",
    "program_of",
    "read_samples",
    "render_summary",
    "summarize",
]
