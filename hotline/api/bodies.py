"""Reading and validating JSON bodies at the edge."""

from __future__ import annotations

import math
from typing import TypeVar

from flask import current_app, request
from pydantic import BaseModel

from hotline.errors import BadRequest, Unprocessable
from hotline.validation import parse  # noqa: F401  (re-exported for the views)

Model = TypeVar("Model", bound=BaseModel)


def json_object() -> dict:
    """The request body as a JSON object, or a 400 that says what is wrong with it."""
    if not request.is_json:
        raise BadRequest("请以 JSON 格式提交（Content-Type: application/json）。", code="not_json")
    raw = request.get_data(cache=True)  # raises 413 past MAX_CONTENT_LENGTH
    try:
        import json

        body = json.loads(raw.decode("utf-8")) if raw else None
    except (UnicodeDecodeError, ValueError) as error:
        raise BadRequest(f"JSON 格式错误，无法解析：{error}", code="malformed_json") from None
    if not isinstance(body, dict):
        raise BadRequest("请求体应为 JSON 对象（{...}）。", code="malformed_json")
    return body


def int_arg(name: str, default: int, low: int, high: int) -> int:
    """An integer query parameter within bounds, or a 422 naming it."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise Unprocessable(f"参数 {name} 应为整数。", fields={name: "应为整数"}) from None
    if not low <= value <= high:
        raise Unprocessable(f"参数 {name} 应在 {low}–{high} 之间。", fields={name: f"应在 {low}–{high} 之间"})
    return value


def page_args() -> tuple[int, int]:
    """`page` and `per_page` of a listing, within the configured page size."""
    page = int_arg("page", 1, 1, 1_000_000)
    per_page = int_arg("per_page", current_app.config["PAGE_SIZE"], 1, current_app.config["PAGE_SIZE_MAX"])
    return page, per_page


def paged(items: list, page: int, per_page: int, total: int) -> dict:
    """A listing's answer: the page's items and where it stands in the whole."""
    return {"items": items, "page": page, "per_page": per_page, "total": total,
            "pages": math.ceil(total / per_page) if total else 0}
