"""The intake request body, validated with pydantic; errors become Chinese messages per field."""

from __future__ import annotations

import unicodedata
from typing import Annotated, ClassVar

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from hotline.intake.phones import normalise_phone
from models.enums import Channel, RequestType

CONTENT_MAX = 5000
TITLE_MAX = 200
ADDRESS_MAX = 300
NAME_MAX = 50


def clean_text(value: str) -> str:
    """Strip control characters people paste in by accident; the citizen's words are kept as written
    (full-width punctuation included: normalising is for matching, not for the record)."""
    if value.isprintable():  # no "Other" character at all (Python counts them all unprintable): a C-speed pass
        return value.strip()
    value = "".join(ch for ch in value if ch in "\n\t" or unicodedata.category(ch)[0] != "C")
    return value.strip()


# The Chinese names of the fields, for error messages.
FIELD_NAMES = {
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
    field_names: ClassVar[dict[str, str]] = FIELD_NAMES

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
