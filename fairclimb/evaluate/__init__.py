"""Evaluate: draw samples from models, check them against a suite's tests in the
sandbox, and score them.

Every path that executes samples (``eval``, ``eval --model``, distillation, the
harness self-checks) goes through one :class:`Engine`: a sample source, the judge,
result sinks. Generation runs live here because they are about tasks; the models part only knows how
to talk to a model. Verdicts are decided here, on the trusted side; the sandbox only
reports what the untrusted program did.

The names below are loaded on first use (PEP 562): a checker process, which needs
only the judge, starts without importing the store, the models part or NumPy.
"""

import importlib as _importlib
import typing as _typing

if _typing.TYPE_CHECKING:
    from fairclimb.evaluate._checking import (
        Check,
        CheckerPool,
        answer_program,
    )
    from fairclimb.evaluate._compare import (
        Estimate,
        PairedComparison,
        bootstrap_mean,
        compare_paired,
        gain_gap,
        task_pass_rates,
    )
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
    from fairclimb.evaluate._model_eval import (
        ModelEvalOutcome,
        evaluate_model,
    )
    from fairclimb.evaluate._passk import (
        PassAtK,
        estimate_pass_at_k,
        pass_at_k,
    )
    from fairclimb.evaluate._program_judge import ProgramJudge
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
    from fairclimb.evaluate._samples import (
        program_of,
        read_samples,
    )
    from fairclimb.evaluate._summary import (
        SplitScore,
        Summary,
        render_summary,
    )
    from fairclimb.evaluate._warm import WarmCheckers
    from fairclimb.evaluate.generation._generation import (
        CompletionBackend,
        GenerationOutcome,
        generate,
        run_generation,
    )
    from fairclimb.evaluate.generation._plan import GenerationPlan, plan_generation
    from fairclimb.evaluate.generation._prompts import (
        PromptControl,
        build_request,
        extract_code,
        sample_line,
        solution_program,
    )
    from fairclimb.evaluate.generation._rows import GenerationCache
    from fairclimb.evaluate.judge._checker import (
        CompiledTask,
        check_program,
        compile_task,
    )
    from fairclimb.evaluate.judge._efficiency import (
        CostMeasure,
        SpeedSummary,
        speed_score,
    )
    from fairclimb.evaluate.judge._fix_distance import fix_distance
    from fairclimb.evaluate.judge._mutation import (
        mutant_limits,
        run_programs,
    )

# Each public name and the module, below this package, that defines it.
_EXPORTS: dict[str, str] = {
    "Check": "_checking",
    "CheckerPool": "_checking",
    "answer_program": "_checking",
    "Estimate": "_compare",
    "PairedComparison": "_compare",
    "bootstrap_mean": "_compare",
    "compare_paired": "_compare",
    "gain_gap": "_compare",
    "task_pass_rates": "_compare",
    "Engine": "_engine",
    "EngineRun": "_engine",
    "EvalOptions": "_engine",
    "ResultSink": "_engine",
    "SampleFeed": "_engine",
    "SampleStream": "_engine",
    "EvalOutcome": "_evaluation",
    "EvalPlan": "_evaluation",
    "ReferenceCheck": "_evaluation",
    "ReferenceRanking": "_evaluation",
    "check_references": "_evaluation",
    "evaluate": "_evaluation",
    "plan_evaluation": "_evaluation",
    "require_references_pass": "_evaluation",
    "ModelEvalOutcome": "_model_eval",
    "evaluate_model": "_model_eval",
    "PassAtK": "_passk",
    "ProgramJudge": "_program_judge",
    "estimate_pass_at_k": "_passk",
    "pass_at_k": "_passk",
    "RESULT_SCHEMA_VERSION": "_records",
    "Result": "_records",
    "Sample": "_records",
    "SampleForm": "_records",
    "Status": "_records",
    "Verdict": "_records",
    "Flip": "_runs",
    "ResultFilter": "_runs",
    "RunComparison": "_runs",
    "TaskPair": "_runs",
    "TaskResult": "_runs",
    "compare_runs": "_runs",
    "resolve_run": "_runs",
    "run_model": "_runs",
    "run_results": "_runs",
    "program_of": "_samples",
    "read_samples": "_samples",
    "SplitScore": "_summary",
    "Summary": "_summary",
    "render_summary": "_summary",
    "CompletionBackend": "generation._generation",
    "GenerationCache": "generation._rows",
    "GenerationOutcome": "generation._generation",
    "GenerationPlan": "generation._plan",
    "generate": "generation._generation",
    "plan_generation": "generation._plan",
    "run_generation": "generation._generation",
    "PromptControl": "generation._prompts",
    "build_request": "generation._prompts",
    "extract_code": "generation._prompts",
    "sample_line": "generation._prompts",
    "solution_program": "generation._prompts",
    "CompiledTask": "judge._checker",
    "check_program": "judge._checker",
    "compile_task": "judge._checker",
    "CostMeasure": "judge._efficiency",
    "SpeedSummary": "judge._efficiency",
    "speed_score": "judge._efficiency",
    "fix_distance": "judge._fix_distance",
    "mutant_limits": "judge._mutation",
    "run_programs": "judge._mutation",
    "WarmCheckers": "_warm",
}

__all__ = [
    "Check",
    "CheckerPool",
    "CompiledTask",
    "CompletionBackend",
    "CostMeasure",
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
    "PairedComparison",
    "PassAtK",
    "ProgramJudge",
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
    "TaskPair",
    "TaskResult",
    "Verdict",
    "WarmCheckers",
    "answer_program",
    "bootstrap_mean",
    "build_request",
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
    "task_pass_rates",
]


def __getattr__(name: str) -> _typing.Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(_importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # later look-ups are plain attribute reads
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
