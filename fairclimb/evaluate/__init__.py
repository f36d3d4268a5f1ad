"""Evaluate: draw samples from models, check them against a suite's tests in the
sandbox, and score them.

Every path that executes samples (``eval``, ``eval --model``, distillation, the
harness self-checks) goes through one :class:`Engine`: a sample source, the judge,
result sinks. Generation runs live here because they are about tasks; the models part only knows how
to talk to a model. Verdicts are decided here, on the trusted side; the sandbox only
reports what the untrusted program did.
"""

from fairclimb.evaluate._adequacy import (
    AdequacyOptions,
    AdequacyReport,
    TaskAdequacy,
    check_adequacy,
    written_for_fairclimb,
)
from fairclimb.evaluate._checking import Check, CheckerPool, answer_program
from fairclimb.evaluate._compare import (
    Estimate,
    PairedComparison,
    bootstrap_mean,
    compare_paired,
    gain_gap,
    task_pass_rates,
)
from fairclimb.evaluate._debug_build import DebugBuild, DebugBuildOptions, build_debug_suite
from fairclimb.evaluate._engine import (
    Engine,
    EngineRun,
    EvalOptions,
    ResultSink,
    SampleFeed,
    SampleStream,
)
from fairclimb.evaluate._evaluation import (
    EvalOutcome,
    EvalPlan,
    ReferenceCheck,
    ReferenceRanking,
    check_references,
    evaluate,
    plan_evaluation,
    require_references_pass,
)
from fairclimb.evaluate._model_eval import ModelEvalOutcome, evaluate_model
from fairclimb.evaluate._passk import PassAtK, estimate_pass_at_k, pass_at_k
from fairclimb.evaluate._perturb_build import PerturbBuild, build_perturbed_suite
from fairclimb.evaluate._private import WEBDEV_NOTE
from fairclimb.evaluate._records import (
    RESULT_SCHEMA_VERSION,
    Result,
    Sample,
    SampleForm,
    Status,
    Verdict,
)
from fairclimb.evaluate._runs import (
    Flip,
    ResultFilter,
    RunComparison,
    TaskPair,
    TaskResult,
    compare_runs,
    resolve_run,
    run_model,
    run_results,
)
from fairclimb.evaluate._samples import program_of, read_samples
from fairclimb.evaluate._summary import SplitScore, Summary, render_summary, summarize
from fairclimb.evaluate.generation._generation import (
    CompletionBackend,
    GenerationCache,
    GenerationOutcome,
    GenerationPlan,
    generate,
    plan_generation,
    run_generation,
)
from fairclimb.evaluate.generation._prompts import (
    COMPLETION_STOPS,
    PromptControl,
    build_request,
    extract_code,
    sample_line,
    solution_program,
    truncate_completion,
)
from fairclimb.evaluate.judge._checker import CompiledTask, check_program, compile_task
from fairclimb.evaluate.judge._efficiency import CostMeasure, SpeedSummary, speed_score
from fairclimb.evaluate.judge._fix_distance import fix_distance
from fairclimb.evaluate.judge._mutation import MutantRun, mutant_limits, run_programs

__all__ = [
    "AdequacyOptions",
    "AdequacyReport",
    "COMPLETION_STOPS",
    "Check",
    "CheckerPool",
    "CompiledTask",
    "CompletionBackend",
    "CostMeasure",
    "DebugBuild",
    "DebugBuildOptions",
    "Engine",
    "EngineRun",
    "Estimate",
    "EvalOptions",
    "EvalOutcome",
    "EvalPlan",
    "Flip",
    "GenerationCache",
    "GenerationOutcome",
    "GenerationPlan",
    "ModelEvalOutcome",
    "MutantRun",
    "PairedComparison",
    "PassAtK",
    "PerturbBuild",
    "PromptControl",
    "RESULT_SCHEMA_VERSION",
    "ReferenceCheck",
    "ReferenceRanking",
    "Result",
    "ResultFilter",
    "ResultSink",
    "RunComparison",
    "Sample",
    "SampleFeed",
    "SampleForm",
    "SampleStream",
    "SpeedSummary",
    "SplitScore",
    "Status",
    "Summary",
    "TaskAdequacy",
    "TaskPair",
    "TaskResult",
    "Verdict",
    "WEBDEV_NOTE",
    "answer_program",
    "bootstrap_mean",
    "build_debug_suite",
    "build_perturbed_suite",
    "build_request",
    "check_adequacy",
    "check_program",
    "check_references",
    "compare_paired",
    "compare_runs",
    "compile_task",
    "estimate_pass_at_k",
    "evaluate",
    "evaluate_model",
    "extract_code",
    "fix_distance",
    "gain_gap",
    "generate",
    "mutant_limits",
    "pass_at_k",
    "plan_evaluation",
    "plan_generation",
    "program_of",
    "read_samples",
    "render_summary",
    "require_references_pass",
    "resolve_run",
    "run_generation",
    "run_model",
    "run_programs",
    "run_results",
    "sample_line",
    "solution_program",
    "speed_score",
    "summarize",
    "task_pass_rates",
    "truncate_completion",
    "written_for_fairclimb",
]
