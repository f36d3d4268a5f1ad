"""One example per command, shown at the end of its ``--help`` (kept in step with README)."""

from __future__ import annotations

__all__ = ["EXAMPLES"]

EXAMPLES: dict[str, str] = {
    "eval": "fairclimb eval --suite humaneval --samples samples.jsonl --out runs/local",
    "generate": "fairclimb generate --model tiny -n 1 --max-tokens 256 --seed 1 --out runs/tiny",
    "quickstart": "fairclimb quickstart",
    "runs": "fairclimb runs --json",
    "config": "fairclimb config",
    "distill": "fairclimb distill --teacher big --prompts prompts.jsonl -n 8 --dataset py-sft",
    "ratings": "fairclimb ratings --battles battles.jsonl --bootstrap 1000 --json",
    "models add": "fairclimb models add local-vllm --base-url http://localhost:8000/v1 "
                  "--model Qwen/Qwen2.5-Coder-7B-Instruct --terms allow",
    "models list": "fairclimb models list",
    "models remove": "fairclimb models remove gpt",
    "models lineage": "fairclimb models lineage student",
    "arena serve": "fairclimb arena serve --host 127.0.0.1 --port 8000",
    "arena add-admin": "fairclimb arena add-admin root",
    "arena add-rater": "fairclimb arena add-rater --invite --base-url https://arena.example",
    "arena briefing": "fairclimb arena briefing --pay 25 --currency EUR",
    "arena import-generations": "fairclimb arena import-generations",
    "arena export-votes": "fairclimb arena export-votes -o battles.json",
    "arena import": "fairclimb arena import answers.jsonl",
    "arena token create": "fairclimb arena token create nightly-import",
    "arena run-tests": "fairclimb arena run-tests --workers 2 --timeout 5",
    "arena enable-model": "fairclimb arena enable-model gpt-small",
    "arena enable-suite": "fairclimb arena enable-suite humaneval",
    "arena credentials": "fairclimb arena credentials",
    "arena revoke": "fairclimb arena revoke 3f9a1c2b7d04",
    "arena disable": "fairclimb arena disable mallory",
    "arena enable": "fairclimb arena enable mallory",
    "arena reset-password": "fairclimb arena reset-password ann",
    "arena hide-model": "fairclimb arena hide-model acme-v7",
    "arena policy": "fairclimb arena policy --max-private-variants 3",
    "arena export-sampling": "fairclimb arena export-sampling -o sampling.json",
    "audit votes": "fairclimb audit votes --json",
    "audit arena": "fairclimb audit arena --json --out audit/",
    "audit boards": "fairclimb audit boards store theirs.json --json",
    "suites build": "fairclimb suites build debug --from humaneval --seed 0",
    "suites add": "fairclimb suites add mine --from my-tasks.jsonl",
    "suites check": "fairclimb suites check humaneval",
    "suites show": "fairclimb suites show HumanEval/0 --json",
    "data list": "fairclimb data list",
    "data show": "fairclimb data show py-sft",
    "data stats": "fairclimb data stats py-sft --json",
    "data export": "fairclimb data export py-sft --format trl-sft --out sft.jsonl --verified-only",
    "data card": "fairclimb data card py-sft --out card/ --description @ABOUT.md "
                 "--version 1.0.0",
    "data import-feedback": "fairclimb data import-feedback votes.jsonl --dataset py-prefs",
    "data alias": "fairclimb data alias py-sft big-2025-01-01 --to big",
    "data merge": "fairclimb data merge py-sft py-prefs --into py-all",
    "data split": "fairclimb data split py-sft --validation 0.1 --seed 0",
    "audit contamination": "fairclimb audit contamination py-sft",
    "sandbox self-check": "fairclimb sandbox self-check",
    "climb report": "fairclimb climb report --base base-model --trained student "
                    "--suite fairclimb-implement --out reports/student",
    "train sft": "fairclimb train sft --dataset py-sft --base ./checkpoints/small --out runs/sft",
    "train dpo": "fairclimb train dpo --dataset py-prefs --base runs/sft --out runs/dpo --lora",
    "train reward": "fairclimb train reward --dataset py-prefs --base ./checkpoints/small "
                    "--out runs/rm",
    "train grpo": "fairclimb train grpo --suite fairclimb-implement --base runs/dpo "
                  "--out runs/grpo",
    "train card": "fairclimb train card grpo --out cards/grpo",
    "view": "fairclimb view --port 8001",
    "runs compare": "fairclimb runs compare 3f2a9c 8b41d0 --json",
    "audit memorisation": "fairclimb audit memorisation --model local --suite humaneval "
                          "-n 1 --json",
    "ladder create": "fairclimb ladder create team-board --suite fairclimb-implement "
                     "--split private --max-per-day 10",
    "ladder submit": "fairclimb ladder submit team-board --team red --samples answers.jsonl --json",
    "ladder show": "fairclimb ladder show team-board --json",
}
