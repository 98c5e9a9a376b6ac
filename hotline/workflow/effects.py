"""Side effects after commit, by one mechanism.

Inside a transaction the workflow only *records* what changed: `defer(session, "ticket", id)` for every
ticket that got an event (every transition and note does), `defer(session, "notification", id)` for a
notice that must be pushed. When the transaction commits, one `after_commit` listener on the session
factory hands the ids to the drain that the jobs layer installed (`install`): it schedules deadline and
follow-up jobs and webhooks from the rows as committed. No caller schedules anything by hand, a rollback
drops the record, and because the rows keep `jobs_owed` until their jobs are on the schedule, a Redis
failure during the drain leaves the work for the periodic sweep.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)

_KEY = "hotline.after_commit"  # changes of the open transaction
_READY = "hotline.after_commit.ready"  # changes committed, their effects not yet run
Drain = Callable[[dict[str, set[int]]], None]
# Given the session that just committed and what it changed: what may still need the drain.
Needed = Callable[[Session, dict[str, set[int]]], dict[str, set[int]]]


def defer(session: Session, kind: str, item_id: int) -> None:
    """Remember that `kind` #`item_id` changed in this transaction: its side effects follow the commit."""
    session.info.setdefault(_KEY, {}).setdefault(kind, set()).add(item_id)


def touch(session: Session, ticket) -> None:
    defer(session, "ticket", ticket.id)


def install(factory: sessionmaker, drain: Drain, needed: Needed | None = None) -> None:
    """Run `drain(changed)` after each commit of a session from `factory` that recorded changes.

    `needed` may leave out, before the drain opens a session of its own, what the committed rows as this
    session holds them show to owe nothing (the rows keep saying so, for the sweep, when it errs).

    The drain runs once the committed transaction has ended and given its connection back to the pool:
    it reads with a connection of its own, and a request must never hold two (under load every request
    would wait for a second connection that the others hold)."""

    def after_commit(session: Session) -> None:
        changed = session.info.pop(_KEY, None)
        if changed and needed is not None:
            changed = {kind: ids for kind, ids in needed(session, changed).items() if ids}
        if changed:
            session.info[_READY] = changed

    def after_transaction_end(session: Session, transaction) -> None:
        if transaction.parent is not None or _READY not in session.info:
            return
        changed = session.info.pop(_READY)
        try:
            drain(changed)
        except Exception:  # never fail a committed change: the sweep re-derives what is owed
            log.exception("after-commit side effects failed; the sweep will catch up")

    def after_rollback(session: Session, _previous) -> None:
        session.info.pop(_KEY, None)

    event.listen(factory, "after_commit", after_commit)
    event.listen(factory, "after_transaction_end", after_transaction_end)
    event.listen(factory, "after_soft_rollback", after_rollback)
