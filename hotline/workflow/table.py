"""The transition table as people read it: one Markdown row per action (docs/workflow.md holds it, and
`flask --app wsgi workflow table` prints it from the code, so the document cannot drift)."""

from __future__ import annotations

from hotline.workflow.rules import PUBLIC_ACTIONS, RULES
from models.enums import CHINESE_NAMES, TicketStatus


def markdown_table() -> str:
    rows = ["| action | 名称 | who (可执行者) | from (起始状态) | also (条件) | to (结果状态) | body |",
            "| --- | --- | --- | --- | --- | --- | --- |"]
    for name in PUBLIC_ACTIONS:
        rule = RULES[name]
        starts = "任何状态" if set(rule.starts_from) == set(TicketStatus) else \
            "、".join(CHINESE_NAMES[s] for s in rule.starts_from)
        leads = "、".join(CHINESE_NAMES[s] for s in rule.leads_to) or "（不变）"
        fields = f"`{rule.own_route}`" if rule.own_route else ", ".join(rule.body.model_fields) or "—"
        rows.append(f"| `{name}` | {rule.chinese} | {rule.who()} | {starts} | {rule.when or '—'} | {leads} "
                    f"| {fields} |")
    return "\n".join(rows)
