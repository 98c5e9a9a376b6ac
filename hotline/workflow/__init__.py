"""The ticket workflow: the only code that changes a ticket's status.

One function per transition. Each checks the actor's role and unit and that the ticket's status allows
it (Forbidden 403 / Conflict 409 otherwise), writes the change, the append-only TicketEvent and the
assignment history in the caller's transaction, and marks the ticket as owing deadline jobs, which are
scheduled after the commit (hotline.jobs).
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
