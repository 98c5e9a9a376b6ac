"""The intake request body, validated with pydantic; errors become Chinese messages per field."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from hotline.intake.phones import normalise_phone
from models.enums import Channel, RequestType

CONTENT_MAX = 5000
TITLE_MAX = 200
ADDRESS_MAX = 300
NAME_MAX = 50


def clean_text(value: str) -> str:
    """Strip control characters people paste in by accident; the citizen's words are kept as written
    (full-width punctuation included: normalising is for matching, not for the record)."""
    value = "".join(ch for ch in value if ch in "\n\t" or unicodedata.category(ch)[0] != "C")
    return value.strip()


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Citizen(_Strict):
    name: Annotated[str | None, Field(max_length=NAME_MAX)] = None
    phone: str | None = None
    confidential: bool = False

    @field_validator("name")
    @classmethod
    def _name(cls, value: str | None) -> str | None:
        return clean_text(value) or None if value is not None else None

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        return normalise_phone(value)


class Location(_Strict):
    lat: Annotated[float, Field(ge=-90, le=90)]
    lng: Annotated[float, Field(ge=-180, le=180)]

    @model_validator(mode="after")
    def _in_china(self) -> Location:
        # The hotline serves one Chinese city: a point outside China's bounding box is a data error
        # (often lat and lng swapped), not a real complaint location.
        if not (3.0 <= self.lat <= 54.0 and 73.0 <= self.lng <= 136.0):
            raise ValueError("坐标不在中国境内，请检查经纬度（是否填反了 lat 和 lng）")
        return self


class TicketIn(_Strict):
    channel: Channel | None = None  # defaults to the key's channel, or phone for agents
    content: Annotated[str, Field(min_length=1, max_length=CONTENT_MAX)]
    title: Annotated[str | None, Field(max_length=TITLE_MAX)] = None
    citizen: Citizen = Field(default_factory=Citizen)
    address: Annotated[str | None, Field(max_length=ADDRESS_MAX)] = None
    location: Location | None = None
    request_type: RequestType | None = None
    category_code: Annotated[str | None, Field(max_length=40)] = None

    @field_validator("content", "title", "address")
    @classmethod
    def _clean(cls, value: str | None) -> str | None:
        return clean_text(value) if value is not None else None

    @field_validator("content")
    @classmethod
    def _content_not_blank(cls, value: str) -> str:
        if not value:
            raise ValueError("诉求内容不能为空")
        return value


_FIELD_NAMES = {
    "channel": "渠道",
    "content": "诉求内容",
    "title": "标题",
    "citizen": "来电人信息",
    "citizen.name": "姓名",
    "citizen.phone": "电话",
    "citizen.confidential": "是否保密",
    "address": "地址",
    "location": "坐标",
    "location.lat": "纬度",
    "location.lng": "经度",
    "request_type": "诉求类型",
    "category_code": "分类编码",
}


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
    if kind in ("bool_type", "bool_parsing"):
        return "应为 true 或 false"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return "应为整数"
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
    """One sentence naming every wrong field by its Chinese name (`names` adds or replaces names)."""
    known = {**_FIELD_NAMES, **(names or {})}
    parts = [f"{known.get(path, path)}：{message}" for path, message in fields.items()]
    return "提交的内容有误 — " + "；".join(parts)
