"""How the pages show a ticket's people and words: who may see the citizen's identity, Chinese labels."""

from __future__ import annotations

from hotline.auth import Principal
from hotline.intake.phones import display_phone, mask_phone
from models import Ticket
from models.enums import CHINESE_NAMES, Role

EVENT_NAMES = {
    "receive": "受理", "triage": "转人工分拨", "dispatch": "派单", "accept": "签收", "return": "退单",
    "decide-return": "审核退单", "respond": "联系市民", "request-extension": "申请延期",
    "decide-extension": "审核延期", "cancel-extension": "延期申请失效", "reply": "答复", "reopen": "重办",
    "merge": "并单", "answer": "直接答复",
    "reject": "不予受理", "exclude": "不纳入考评", "close": "办结", "warning": "临期提醒", "overdue": "超时",
    "escalate": "督办升级", "deadline-warning": "临期提醒", "merged-child": "并入相同诉求",
    "followup-open": "发起回访", "followup-attempt": "回访联系", "followup-call": "电话回访",
    "followup-answer": "回访结果", "followup-to-supervisor": "回访不满意，转督办",
}
STAGE_NAMES = {"accept": "签收", "respond": "联系市民", "reply": "答复", "followup": "回访"}
SATISFACTION_NAMES = {"satisfied": "满意", "basic": "基本满意", "unsatisfied": "不满意"}


def citizen_view(ticket: Ticket, principal: Principal) -> dict:
    """The citizen's name and phone as this person may see them.

    A confidential ticket shows no identity to anyone but supervisors. Otherwise the phone is shown in
    full to the lead unit's staff (who call the citizen back) and to supervisors, masked for the others.
    """
    if ticket.citizen_confidential and not principal.has_role(Role.SUPERVISOR):
        return {"name": "（保密）", "phone": "（保密）", "full": False}
    full = principal.has_role(Role.SUPERVISOR) or (
        principal.has_role(Role.UNIT_STAFF) and ticket.lead_unit_id is not None
        and principal.unit_id == ticket.lead_unit_id)
    phone = display_phone(ticket.citizen_phone) if full else mask_phone(ticket.citizen_phone)
    return {"name": ticket.citizen_name or "—", "phone": phone or "—", "full": full}


def name_of(code: str | None) -> str:
    return CHINESE_NAMES.get(code, code) if code else "—"


def event_text(event, unit_names: dict[str, str] | None = None) -> str:
    """One line of a ticket's history: what happened, with the unit / reason / note when there is one."""
    data = event.data or {}
    parts = []
    for key, label in (("unit", "单位"), ("stage", "环节"), ("reason", "理由"), ("note", "说明"), ("days", "天数"),
                       ("referral", "转"), ("into", "并入"), ("child", "并入工单"), ("level", "级别"),
                       ("resolved", "是否解决"), ("satisfaction", "满意度"), ("approve", "")):
        if key not in data or data[key] in (None, "", []):
            continue
        value = data[key]
        if key == "approve":
            value = "同意" if value else "不同意"
        elif key == "resolved":
            value = "已解决" if value else "未解决"
        elif key == "unit":
            value = (unit_names or {}).get(value, value)
        elif key == "stage":
            value = STAGE_NAMES.get(value, value)
        elif key == "satisfaction":
            value = SATISFACTION_NAMES.get(value, value)
        elif isinstance(value, dict | list):
            continue
        parts.append(f"{label}{'：' if label else ''}{value}")
    return "；".join(parts)
