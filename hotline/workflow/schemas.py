"""The request body of each workflow action, validated at the edge (pydantic, strict types).

The transition table (rules.py) names the body of every action; the API parses with it and the OpenAPI
document shows it. Strict: `"approve": "yes"` or `"days": "3"` is a 422, not a guess.
"""

from __future__ import annotations

from typing import Annotated, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

Referral = Literal["110", "119", "120", "122", "legal"]  # 转办: police, fire, ambulance, traffic, courts
REFERRALS: tuple[str, ...] = get_args(Referral)
Urgency = Literal["emergency", "utility", "normal", "complex"]  # selects the deadlines (routing.sla)
MAX_EXTENSION_DAYS = 30

Code = Annotated[str, Field(min_length=1, max_length=40)]
Text = Annotated[str, Field(min_length=1, max_length=2000)]
LongText = Annotated[str, Field(min_length=1, max_length=5000)]


class ActionBody(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, strict=True)


class Empty(ActionBody):
    pass


class DispatchBody(ActionBody):
    unit: Code
    assisting: Annotated[list[Code], Field(max_length=5)] = []
    category: Code | None = None
    urgency: Urgency | None = None  # the agent's correction of routing's urgency (kept as a label)


class ReasonBody(ActionBody):
    reason: Text


class DecideReturnBody(ActionBody):
    approve: bool
    unit: Code | None = None
    category: Code | None = None
    note: Text | None = None


class RespondBody(ActionBody):
    note: Text


class ExtensionBody(ActionBody):
    days: Annotated[int, Field(ge=1, le=MAX_EXTENSION_DAYS)]
    reason: Text


class DecideExtensionBody(ActionBody):
    approve: bool
    note: Text | None = None


class ReplyBody(ActionBody):
    reply: LongText
    resolved: bool


class CloseBody(ActionBody):
    note: Text


class MergeBody(ActionBody):
    into: Annotated[str, Field(min_length=1, max_length=20)]


class AnswerBody(ActionBody):
    article_id: Annotated[int, Field(ge=1, le=2**31 - 1)]
    answer: Annotated[str, Field(max_length=5000)] | None = None


class RejectBody(ActionBody):
    reason: Text
    referral: Referral | None = None
