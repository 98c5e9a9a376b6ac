"""The answer's fields, validated with pydantic for the API and the survey form alike (Chinese messages)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, ValidationError

from ..errors import Unprocessable
from .service import COMMENT_MAX

FIELD_NAMES = {"resolved": "是否解决", "satisfaction": "满意程度", "comment": "意见建议", "note": "备注"}
_MISSING = {"resolved": "请选择问题是否已解决", "satisfaction": "请选择对办理结果是否满意"}


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class AnswerIn(_Body):
    resolved: StrictBool
    satisfaction: Literal["satisfied", "basic", "unsatisfied"]
    comment: Annotated[str | None, Field(max_length=COMMENT_MAX)] = None


class CallIn(_Body):
    note: Annotated[str | None, Field(max_length=2000)] = None


def _message(field: str, error: dict) -> str:
    kind = error["type"]
    if kind == "missing":
        return _MISSING.get(field, "必填项")
    if kind == "extra_forbidden":
        return "不支持的字段"
    if kind == "bool_type":
        return "应为 true（已解决）或 false（未解决）"
    if kind == "literal_error":
        return "应为 satisfied（满意）、basic（基本满意）或 unsatisfied（不满意）"
    if kind == "string_too_long":
        return f"不能超过 {(error.get('ctx') or {}).get('max_length')} 个字"
    if kind == "string_type":
        return "应为文本"
    return "取值无效"


def parse(model: type[_Body], body: dict) -> _Body:
    """The validated body, or a 422 naming every wrong field in Chinese."""
    try:
        return model.model_validate(body)
    except ValidationError as error:
        fields: dict[str, str] = {}
        for item in error.errors(include_url=False):
            field = ".".join(str(part) for part in item["loc"]) or "body"
            fields.setdefault(field, _message(field, item))
        message = "提交的内容有误 — " + "；".join(f"{FIELD_NAMES.get(f, f)}：{m}" for f, m in fields.items())
        raise Unprocessable(message, fields=fields) from None
