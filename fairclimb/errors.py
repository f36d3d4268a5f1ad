"""The one exception tree of fairclimb.

Every error a person can cause carries a message that says what was wrong and how to
fix it. The CLI turns any :class:`FairclimbError` into one line and an exit code; the
web layer turns it into a status page. Anything else escaping is a bug.

    FairclimbError
    ├── UserInputError        bad arguments, files or data supplied by the user
    │   ├── UnknownSuiteError
    │   └── SamplesFileError  a samples file that cannot be read or parsed
    ├── SandboxError          the sandbox itself could not be started or broke
    ├── StoreError            the database could not be opened or migrated
    └── ProviderError         a model provider failed (later issues)
"""

from __future__ import annotations

__all__ = [
    "FairclimbError",
    "ProviderError",
    "SamplesFileError",
    "SandboxError",
    "StoreError",
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


class SamplesFileError(UserInputError):
    """A samples file that is missing, unreadable or malformed."""


class SandboxError(FairclimbError):
    """The sandbox could not be started or stopped answering (not a verdict on a sample)."""

    exit_code = 3


class StoreError(FairclimbError):
    """The database could not be opened, created or migrated."""

    exit_code = 4


class ProviderError(FairclimbError):
    """A model provider could not be reached or answered with an error."""

    exit_code = 5
