"""Sandbox: run untrusted code, contained, and report what happened as data.

It never decides pass or fail. See ``docs/sandbox.md`` for the threat model.
"""

from fairclimb.sandbox._backend import (
    Backend,
    BubblewrapBackend,
    Isolation,
    RlimitsBackend,
    bubblewrap_works,
    select_backend,
)
from fairclimb.sandbox._codec import MAX_OBJECTS, CodecError, decode_value, encode_value
from fairclimb.sandbox._limits import Limits
from fairclimb.sandbox._reports import CallKind, CallResult, ExitReport, LoadResult
from fairclimb.sandbox._sandbox import (
    LANGUAGES,
    Call,
    Confinement,
    Execution,
    Sandbox,
    find_node,
)
from fairclimb.sandbox._selfcheck import GuaranteeResult, Outcome, SelfCheck, self_check

__all__ = [
    "Backend",
    "BubblewrapBackend",
    "Call",
    "CallKind",
    "CallResult",
    "CodecError",
    "Confinement",
    "Execution",
    "ExitReport",
    "GuaranteeResult",
    "Isolation",
    "LANGUAGES",
    "Limits",
    "LoadResult",
    "MAX_OBJECTS",
    "Outcome",
    "RlimitsBackend",
    "Sandbox",
    "SelfCheck",
    "bubblewrap_works",
    "decode_value",
    "encode_value",
    "find_node",
    "select_backend",
    "self_check",
]
