"""Which arena models are on the board: hiding a model (a private variant its provider
tests, not published) is a flag, never a deletion, and a policy caps how many private
variants one provider may hold at once (the Leaderboard Illusion's best-of-N).

A model's provider is the registry's (``fairclimb models add --provider``, default the
base URL's host); a model that is not registered is its own provider.
"""

from __future__ import annotations

from dataclasses import dataclass

from fairclimb.errors import UserInputError
from fairclimb.store import ArenaStore

__all__ = ["DEFAULT_MAX_PRIVATE_VARIANTS", "Visibility"]

DEFAULT_MAX_PRIVATE_VARIANTS = 3
_HIDDEN = "hidden_models"
_MAX_PRIVATE = "max_private_variants"


@dataclass(frozen=True, slots=True)
class Visibility:
    data: ArenaStore

    def hidden_models(self) -> set[str]:
        return {str(m) for m in self.data.config().get(_HIDDEN, [])}

    def max_private_variants(self) -> int:
        return int(self.data.config().get(_MAX_PRIVATE, DEFAULT_MAX_PRIVATE_VARIANTS))

    def set_max_private_variants(self, cap: int) -> None:
        if cap < 0:
            raise UserInputError(f"--max-private-variants must be 0 or more, not {cap}")
        self.data.set_config(_MAX_PRIVATE, cap)

    def providers(self) -> dict[str, str]:
        """Every arena model's provider (registered models: the registry's)."""
        registry = {spec.name: spec.provider_name for spec in self.data.store.list_models()}
        return {model: registry.get(model, model) for model in self.arena_models()}

    def arena_models(self) -> set[str]:
        return {row[2] for row in self.data.sample_pool()}

    def hide_model(self, model: str, hidden: bool = True) -> None:
        """Hide a model from the board (its votes stay in the store and exports), or
        publish it again. Refuses a provider's private variant beyond the policy's cap."""
        providers = self.providers()
        if model not in providers:
            raise UserInputError(f"no answers of model {model!r} in the arena; known "
                                 f"models: {', '.join(sorted(providers)) or 'none'}")
        current = self.hidden_models()
        if hidden and model not in current:
            provider, cap = providers[model], self.max_private_variants()
            private = sorted(m for m in current if providers.get(m) == provider)
            if len(private) >= cap:
                raise UserInputError(
                    f"provider {provider} already has {len(private)} private variants "
                    f"({', '.join(private)}), the policy's cap (fairclimb arena policy "
                    f"--max-private-variants {cap}); publish or retire one before hiding "
                    f"{model}")
        changed = current | {model} if hidden else current - {model}
        self.data.set_config(_HIDDEN, sorted(changed))
