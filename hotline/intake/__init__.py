"""Intake: the one path by which a complaint becomes a ticket (`submit`), its validation at the edge
(schemas, phones) and routing right after the commit (routing)."""

from hotline.intake.service import Submitted, submit

__all__ = ["Submitted", "submit"]
