"""The ticket workflow: the only code that changes a ticket's status.

- rules.py     the transition table: who may take which action from which status, to which status, with
               which body (schemas.py); `authorize` (403/409) and `allowed_actions`
- core.py      the step (who, session, SLA, time), transitions that always write their audit event, and
               `on_transition` for features that follow a transition in its transaction (the follow-up)
- dispatching.py, handling.py, closing.py   one function per transition, each checking the table first
- actions.py   an action by name with its body (the API route and the pages)
- effects.py   side effects after commit: the workflow records what changed; the jobs layer's drain
               schedules deadline and follow-up jobs and pushes after the commit
- sla.py       the deadlines of the app's city; intake.py / numbering.py: a new ticket and its number
"""

from hotline.workflow.closing import answer, close, exclude, merge, reject, reopen
from hotline.workflow.core import Step, note, record_event, transition
from hotline.workflow.dispatching import accept, decide_return, dispatch, return_ticket, to_triage
from hotline.workflow.handling import decide_extension, reply, request_extension, respond
from hotline.workflow.intake import receive

__all__ = [
    "Step", "accept", "answer", "close", "decide_extension", "decide_return", "dispatch", "exclude",
    "merge", "note", "receive", "record_event", "reject", "reopen", "reply", "request_extension",
    "respond", "return_ticket", "to_triage", "transition",
]
