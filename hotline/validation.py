"""Validating a body at the edge: the validated pydantic model, or one 422 naming every wrong field in
Chinese (a person can act on it)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from hotline.errors import Unprocessable

Model = TypeVar("Model", bound=BaseModel)


def parse(model: type[Model], body: dict) -> Model:
    """The validated body, or a 422 naming every wrong field in Chinese.

    A model may carry `field_names` (field → Chinese name) and `field_messages` (field → error type →
    message) as class variables to speak its own words; see followup.schemas.AnswerIn.
    """
    try:
        # Strict types, as JSON has them: "yes" is not a boolean, "3" not a number of days, true not a
        # latitude. JSON mode (not Python mode) so that enums and literals still take their values.
        return model.model_validate_json(json.dumps(body), strict=True)
    except ValidationError as error:
        fields = field_errors(error, getattr(model, "field_messages", None))
        raise Unprocessable(describe(fields, getattr(model, "field_names", None)), fields=fields) from None


def _message(error: dict[str, Any]) -> str:
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind == "missing":
        return "必填项"
    if kind == "extra_forbidden":
        return "不支持的字段"
    if kind in ("string_too_long",):
        return f"不能超过 {ctx.get('max_length')} 个字符"
    if kind in ("string_too_short",):
        return "不能为空"
    if kind in ("string_type",):
        return "应为文本"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return "应为整数"
    if kind in ("bool_type", "bool_parsing"):
        return "应为 true 或 false"
    if kind in ("float_type", "float_parsing", "finite_number"):
        return "应为数字"
    if kind == "greater_than_equal":
        return f"不能小于 {ctx.get('ge')}"
    if kind == "less_than_equal":
        return f"不能大于 {ctx.get('le')}"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return "应为 JSON 对象"
    if kind == "enum":
        return f"取值无效，可选：{ctx.get('expected', '')}"
    if kind == "literal_error":
        return f"取值无效，可选：{ctx.get('expected', '')}"
    if kind == "value_error":
        return str(ctx.get("error", error.get("msg", "取值无效")))
    return error.get("msg", "取值无效")


def field_errors(error: ValidationError, overrides: Mapping[str, Mapping[str, str]] | None = None) -> dict[str, str]:
    """{"citizen.phone": "电话号码无效：…"} — one message per field, in Chinese.

    `overrides` replaces the generic message for a field and error type, e.g.
    {"resolved": {"missing": "请选择问题是否已解决"}}, where a form wants words of its own.
    """
    fields: dict[str, str] = {}
    for item in error.errors(include_url=False):
        path = ".".join(str(part) for part in item["loc"]) or "body"
        custom = (overrides or {}).get(path, {}).get(item["type"])
        fields.setdefault(path, custom or _message(item))
    return fields


def describe(fields: dict[str, str], names: Mapping[str, str] | None = None) -> str:
    """One sentence naming every wrong field by its Chinese name where `names` has one."""
    known = dict(names or {})
    parts = [f"{known.get(path, path)}：{message}" for path, message in fields.items()]
    return "提交的内容有误 — " + "；".join(parts)
