"""The POST requests form (application/x-www-form-urlencoded, as GeoReport v2 says), validated."""

from __future__ import annotations

import re
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from werkzeug.datastructures import MultiDict

from hotline.errors import BadRequest
from hotline.intake.phones import normalise_phone
from hotline.intake.schemas import clean_text
from hotline.validation import describe, field_errors

DESCRIPTION_MAX = 4000  # the spec's limit
ATTRIBUTE = re.compile(r"^attribute\[([^\[\]]{1,40})\](\[\])?$")

FIELD_NAMES = {
    "service_code": "服务编码（service_code）", "lat": "纬度（lat）", "long": "经度（long）",
    "address_string": "地址（address_string）", "address_id": "地址编号（address_id）", "email": "邮箱（email）",
    "device_id": "设备编号（device_id）", "account_id": "账号（account_id）", "first_name": "名（first_name）",
    "last_name": "姓（last_name）", "phone": "电话（phone）", "description": "描述（description）",
    "media_url": "图片链接（media_url）", "jurisdiction_id": "辖区（jurisdiction_id）", "location": "位置",
}

Short = Annotated[str, Field(max_length=100)]


class RequestForm(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    service_code: Annotated[str, Field(min_length=1, max_length=40)]
    jurisdiction_id: Short | None = None
    lat: Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)] | None = None
    long: Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)] | None = None
    address_string: Annotated[str, Field(max_length=300)] | None = None
    address_id: Short | None = None
    email: Annotated[str, Field(max_length=200, pattern=r"^[^@\s]+@[^@\s]+$")] | None = None
    device_id: Short | None = None
    account_id: Short | None = None
    first_name: Annotated[str, Field(max_length=25)] | None = None
    last_name: Annotated[str, Field(max_length=25)] | None = None
    phone: str | None = None
    description: Annotated[str, Field(max_length=DESCRIPTION_MAX)] | None = None
    media_url: Annotated[str, Field(max_length=500)] | None = None
    attributes: dict[str, list[str]] = {}

    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_absent(cls, value):
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("address_string", "description", "first_name", "last_name")
    @classmethod
    def _clean(cls, value: str | None) -> str | None:
        return (clean_text(value) or None) if value is not None else None

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        return normalise_phone(value) if value is not None else None

    @field_validator("media_url")
    @classmethod
    def _media_url(cls, value: str | None) -> str | None:
        if value is not None:
            parts = urlsplit(value)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise ValueError("应为 http(s) 链接")
        return value

    @model_validator(mode="after")
    def _location(self) -> RequestForm:
        if (self.lat is None) != (self.long is None):
            raise ValueError("lat 与 long 须同时提供")
        if self.lat is None and not self.address_string and not self.address_id:
            raise ValueError("须提供位置：lat/long、address_string 或 address_id 之一")
        return self

    @property
    def citizen_name(self) -> str | None:
        return "".join(part for part in (self.last_name, self.first_name) if part) or None


def read_form(values: MultiDict) -> RequestForm:
    """The form's fields (body, or query string for clients that put api_key and the like there) as a
    RequestForm; a 400 naming every wrong field otherwise."""
    raw: dict = {}
    attributes: dict[str, list[str]] = {}
    for name in values:
        match = ATTRIBUTE.match(name)
        if match:
            attributes.setdefault(match.group(1), []).extend(v for v in values.getlist(name) if v.strip())
        elif name != "attributes":
            raw[name] = values.get(name)
    raw["attributes"] = {code: answers for code, answers in attributes.items() if answers}
    try:
        return RequestForm.model_validate(raw)
    except ValidationError as error:
        fields = field_errors(error)
        fields = {("location" if path == "body" else path): message for path, message in fields.items()}
        raise BadRequest(describe(fields, FIELD_NAMES), fields=fields, code="invalid") from None
