"""The one exception tree of fairclimb.

Every error a person can cause carries a message that says what was wrong and how to
fix it. The CLI turns any :class:`FairclimbError` into one line and an exit code; the
web layer turns it into a status page. Anything else escaping is a bug.

    FairclimbError
    ├── UserInputError        bad arguments, files or data supplied by the user
    │   ├── UnknownSuiteError
    │   ├── UnknownModelError a model name the registry does not know
    │   └── SamplesFileError  a samples file that cannot be read or parsed
    ├── SandboxError          the sandbox itself could not be started or broke
    ├── StoreError            the database could not be opened or migrated
    └── ProviderError         a model provider failed, or did not answer after retries
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "FairclimbError",
    "ProviderError",
    "SamplesFileError",
    "SandboxError",
    "StoreError",
    "UnknownModelError",
    "UnknownSuiteError",
    "UserInputError",
]


class FairclimbError(Exception):
    """Base of every error fairclimb raises on purpose."""

    exit_code = 1


class UserInputError(FairclimbError):
    """The user gave something fairclimb cannot use; the message says what and how to fix it."""

    exit_code = 2


class UnknownSuiteError(UserInputError):
    """A suite name that no registered suite answers to."""


class UnknownModelError(UserInputError):
    """A model name that is not in the registry; the message lists the registered ones."""

    def __init__(self, name: str, known: Sequence[str]) -> None:
        self.name = name
        self.known = tuple(known)
        listed = ", ".join(self.known) if self.known else "none yet"
        super().__init__(
            f"unknown model {name!r}; registered models: {listed} "
            "(register one with: fairclimb models add NAME --base-url URL --model ID)"
        )


class SamplesFileError(UserInputError):
    """A samples file that is missing, unreadable or malformed. ``other_suite`` names
    the suite its tasks belong to when it answers another suite's tasks, so that each
    command can say what to do about it in its own terms."""

    def __init__(self, message: str, *, other_suite: str | None = None) -> None:
        super().__init__(message)
        self.other_suite = other_suite


class SandboxError(FairclimbError):
    """The sandbox could not be started or stopped answering (not a verdict on a sample)."""

    exit_code = 3


class StoreError(FairclimbError):
    """The database could not be opened, created or migrated."""

    exit_code = 4


class ProviderError(FairclimbError):
    """A model provider could not be reached or answered with an error."""

    exit_code = 5
