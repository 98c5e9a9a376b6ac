"""Closed vocabularies used across the system (stored as short strings)."""

from __future__ import annotations

from enum import StrEnum


class UnitGroup(StrEnum):
    STREET = "street"
    DISTRICT = "district"
    DEPARTMENT = "department"
    ENTERPRISE = "enterprise"


class Role(StrEnum):
    AGENT = "agent"
    UNIT_STAFF = "unit_staff"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


class Channel(StrEnum):
    PHONE = "phone"
    WEB = "web"
    APP = "app"
    WECHAT = "wechat"
    OPEN311 = "open311"


class RequestType(StrEnum):
    INQUIRY = "inquiry"  # 咨询
    HELP = "help"  # 求助
    COMPLAINT = "complaint"  # 投诉
    REPORT = "report"  # 举报
    SUGGESTION = "suggestion"  # 建议
    PRAISE = "praise"  # 表扬


class Urgency(StrEnum):
    EMERGENCY = "emergency"
    UTILITY = "utility"
    NORMAL = "normal"
    COMPLEX = "complex"


class CatalogueLevel(StrEnum):
    LOCAL = "local"
    DEPARTMENT = "department"


class TicketStatus(StrEnum):
    RECEIVED = "received"
    TRIAGE = "triage"
    DISPATCHED = "dispatched"
    RETURNED = "returned"  # the unit says it is not theirs; waiting for a supervisor
    ACCEPTED = "accepted"
    RESPONDED = "responded"
    REPLIED = "replied"
    CLOSED = "closed"
    ANSWERED = "answered"
    REJECTED = "rejected"
    MERGED = "merged"


class EventKind(StrEnum):
    """What an audit event records: an action of the transition table or a step of the system."""

    RECEIVE = "receive"
    TRIAGE = "triage"
    DISPATCH = "dispatch"
    ACCEPT = "accept"
    RETURN = "return"
    DECIDE_RETURN = "decide-return"
    RESPOND = "respond"
    REQUEST_EXTENSION = "request-extension"
    DECIDE_EXTENSION = "decide-extension"
    CANCEL_EXTENSION = "cancel-extension"
    REPLY = "reply"
    REOPEN = "reopen"
    MERGE = "merge"
    MERGED_CHILD = "merged-child"
    ANSWER = "answer"
    REJECT = "reject"
    EXCLUDE = "exclude"
    CLOSE = "close"
    DEADLINE_WARNING = "deadline-warning"
    OVERDUE = "overdue"
    ESCALATE = "escalate"
    FOLLOWUP_OPEN = "followup-open"
    FOLLOWUP_ATTEMPT = "followup-attempt"
    FOLLOWUP_ANSWER = "followup-answer"
    FOLLOWUP_CALL = "followup-call"
    FOLLOWUP_TO_SUPERVISOR = "followup-to-supervisor"


class ExtensionStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    CANCELLED = "cancelled"  # lapsed: the ticket left the unit or was replied


class FollowupStatus(StrEnum):
    OPEN = "open"
    ANSWERED = "answered"
    UNRATED = "unrated"  # the window closed without an answer
    CANCELLED = "cancelled"


# A ticket in a final status is done: no clock runs for it and nothing may change it but a reopen.
FINAL_STATUSES: tuple[TicketStatus, ...] = (TicketStatus.CLOSED, TicketStatus.ANSWERED, TicketStatus.REJECTED,
                                            TicketStatus.MERGED)
OPEN_STATUSES: tuple[TicketStatus, ...] = tuple(s for s in TicketStatus if s not in FINAL_STATUSES)


CHINESE_NAMES: dict[str, str] = {
    "street": "街道/乡镇",
    "district": "区政府",
    "department": "市级部门",
    "enterprise": "公共服务企业",
    "agent": "坐席",
    "unit_staff": "承办单位人员",
    "supervisor": "督办",
    "admin": "管理员",
    "phone": "电话",
    "web": "网站",
    "app": "App",
    "wechat": "微信",
    "open311": "Open311",
    "inquiry": "咨询",
    "help": "求助",
    "complaint": "投诉",
    "report": "举报",
    "suggestion": "建议",
    "praise": "表扬",
    "emergency": "紧急",
    "utility": "水电气热",
    "normal": "一般",
    "complex": "复杂",
    "received": "已受理",
    "triage": "待分拨",
    "dispatched": "已派单",
    "returned": "退单待审",
    "accepted": "已签收",
    "responded": "已联系",
    "replied": "已答复",
    "closed": "已办结",
    "answered": "已直接答复",
    "rejected": "不予受理",
    "merged": "已并单",
}


def values(enum: type[StrEnum]) -> list[str]:
    return [member.value for member in enum]
