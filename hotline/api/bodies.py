"""Reading and validating JSON bodies at the edge."""

from __future__ import annotations

import math
from typing import TypeVar

from flask import current_app, request
from pydantic import BaseModel

from hotline.edge import read_json_object
from hotline.errors import Unprocessable
from hotline.validation import parse  # noqa: F401  (re-exported for the views)

Model = TypeVar("Model", bound=BaseModel)


def json_object() -> dict:
    """The request body as a JSON object, checked at the edge (hotline.edge), or a 4xx saying why."""
    return read_json_object()


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
