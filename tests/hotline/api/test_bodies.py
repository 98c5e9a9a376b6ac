"""api.bodies.parse: one 422 naming every wrong field in Chinese, in the model's own words where it has them."""

from __future__ import annotations

from typing import ClassVar, Literal

import pytest
from pydantic import BaseModel

from hotline.api.bodies import parse
from hotline.errors import Unprocessable


class Plain(BaseModel):
    mode: Literal["fast", "slow"]
    count: int


class Worded(Plain):
    field_names: ClassVar[dict[str, str]] = {"mode": "方式"}
    field_messages: ClassVar[dict[str, dict[str, str]]] = {"mode": {"missing": "请选择方式"}}


def rejected(model, body) -> Unprocessable:
    with pytest.raises(Unprocessable) as caught:
        parse(model, body)
    return caught.value


def test_parse__generic_messages_name_each_field():
    error = rejected(Plain, {"mode": "medium"})
    assert error.fields == {"mode": "取值无效，可选：'fast' or 'slow'", "count": "必填项"}
    assert error.message.startswith("提交的内容有误 — mode：取值无效")


def test_parse__a_model_may_give_its_own_names_and_messages():
    error = rejected(Worded, {"count": 1})
    assert error.fields == {"mode": "请选择方式"}
    assert error.message == "提交的内容有误 — 方式：请选择方式"


def test_parse__own_messages_replace_only_the_error_types_they_name():
    assert rejected(Worded, {"mode": "medium", "count": 1}).fields["mode"].startswith("取值无效，可选：")
