"""The seam between the assistant and the adviser queue: what a handoff carries and who receives it."""

import importlib
import os
from dataclasses import dataclass, field
from typing import Any, Dict, Optional, Protocol, Tuple

SINK_ENV = "CONTACTPUNT_HANDOFF_SINK"


@dataclass(frozen=True)
class HandoffRequest:
    """A reporter's consented request for a person. `summary` is the reporter's own text."""

    conversation_id: str
    institution: str
    language: str
    behaviour_type: Optional[str]
    role: Optional[str]
    summary: str
    #: Safeguarding flags that make the case urgent ("acute", "meldplicht", "meldcode"), most urgent first.
    urgent: Tuple[str, ...] = ()
    #: For a meldplicht case: the procedure the adviser must follow (from the institution profile).
    adviser_procedure: Optional[str] = None
    #: The conversation so far as (speaker, text) pairs, speaker "reporter" or "assistant".
    transcript: Tuple[Tuple[str, str], ...] = ()
    #: All five safeguarding flags, and the names of the rules that set them (never text).
    flags: Dict[str, Any] = field(default_factory=dict)
    reasons: Tuple[str, ...] = ()


@dataclass(frozen=True)
class Submitted:
    """The queue took the case: its id (for the live phase) and the code the reporter comes back with."""

    case_id: str
    case_code: str


class HandoffSink(Protocol):
    """Receives handoff requests; raises when the case could not be stored."""

    def submit(self, request: HandoffRequest) -> Submitted:
        ...


class HandoffSinkError(RuntimeError):
    """The configured sink could not be loaded."""


def configured_sink() -> Optional[HandoffSink]:
    """The sink named by CONTACTPUNT_HANDOFF_SINK ("package.module:factory"), or None when unset."""
    target = os.environ.get(SINK_ENV, "").strip()
    if not target:
        return None
    module_name, _, factory_name = target.partition(":")
    try:
        factory = getattr(importlib.import_module(module_name), factory_name)
    except (ImportError, AttributeError, ValueError) as error:
        raise HandoffSinkError(f"{SINK_ENV}={target!r} cannot be loaded: {error}") from None
    return factory()
