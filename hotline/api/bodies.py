"""Reading and validating JSON bodies at the edge."""

from __future__ import annotations

import json
import math
from typing import TypeVar

from flask import current_app, request
from pydantic import BaseModel, ValidationError

from hotline.edge import read_json_object
from hotline.errors import Unprocessable
from hotline.intake.schemas import describe, field_errors

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
