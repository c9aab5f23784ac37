"""The handoff sink the action server uses: turns a HandoffRequest into a sealed case in the queue."""

from functools import lru_cache

from handoff.case_queue import CaseQueue, Report
from handoff.db import make_engine, session_factory
from handoff.request import HandoffRequest, Submitted

#: The urgency stored in clear for routing: the most urgent flag of the request.
_URGENCY = {"acute": "acute", "meldplicht": "meldplicht", "possible_meldplicht": "meldplicht", "meldcode": "meldcode"}


@lru_cache(maxsize=1)
def queue() -> CaseQueue:
    """The queue at CONTACTPUNT_QUEUE_URL (migrated by `contactpunt run` before anything starts)."""
    return CaseQueue(session_factory(make_engine()))


def report_for(request: HandoffRequest) -> Report:
    urgency = next((_URGENCY[flag] for flag in request.urgent if flag in _URGENCY), "")
    return Report(
        location=request.institution,
        urgency=urgency,
        behaviour_type=request.behaviour_type,
        content={
            "summary": request.summary,
            "transcript": [list(line) for line in request.transcript],
            "flags": request.flags,
            "urgent": list(request.urgent),
            "reasons": list(request.reasons),
            "role": request.role,
            "language": request.language,
            "conversation_id": request.conversation_id,
            "adviser_procedure": request.adviser_procedure,
        },
    )


class QueueSink:
    def submit(self, request: HandoffRequest) -> Submitted:
        case_id, code = queue().enqueue(report_for(request))
        return Submitted(case_id, code)


def queue_sink() -> QueueSink:
    """Factory named in CONTACTPUNT_HANDOFF_SINK=handoff.sink:queue_sink."""
    return QueueSink()
