"""Train: fine-tuning through TRL (SFT, DPO, reward models, GRPO with execution rewards).

It never evaluates itself: rewards come from the evaluate part's harness, training
data from the data part's records (through a gate: no private-split or contaminated
records, no forbidden teacher without an override), and every trained model is
registered with its lineage. TRL, PEFT and torch are imported only by the trainers.
"""

from fairclimb.train._reward import ExecutionReward, execution_reward

__all__ = [
    "ExecutionReward",
    "execution_reward",
]
