"""Tiny Hugging Face checkpoints for tests: a random GPT-2 with a word-level tokenizer
trained here on the words a test uses, saved with ``save_pretrained`` like any local
checkpoint. Nothing is downloaded. One builder for the models, train and audit tests."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

SPECIAL = ["[UNK]", "[PAD]", "[EOS]"]


def tiny_gpt2(path: Path, corpus: Sequence[str], *, layers: int = 1, width: int = 32,
              positions: int = 256, seed: int = 0) -> Path:
    """Save a *layers*-layer GPT-2 of *width* whose vocabulary is *corpus*'s words (split
    on whitespace and punctuation) at *path*; the weights depend on *seed* only."""
    import torch
    import transformers
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers

    raw = Tokenizer(models.WordLevel(unk_token="[UNK]"))
    raw.pre_tokenizer = pre_tokenizers.Whitespace()
    raw.train_from_iterator(list(corpus), trainers.WordLevelTrainer(special_tokens=SPECIAL))
    tokenizer = transformers.PreTrainedTokenizerFast(
        tokenizer_object=raw, unk_token="[UNK]", pad_token="[PAD]", eos_token="[EOS]")
    torch.manual_seed(seed)
    config = transformers.GPT2Config(
        n_layer=layers, n_head=2, n_embd=width, vocab_size=len(tokenizer),
        n_positions=positions, bos_token_id=tokenizer.eos_token_id,
        eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id)
    transformers.GPT2LMHeadModel(config).save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path
