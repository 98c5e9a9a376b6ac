"""The hostile-input guard: one place where every request's URL, query string, form and JSON body is
checked before any view, query or column sees it.

What it refuses (never a 500, never a half-written row):
- NUL characters (U+0000) anywhere: PostgreSQL text cannot store them and a JSON column that keeps one
  breaks `::jsonb` later. Path → 404, query parameter or form field → 422 naming it, JSON → 422 naming
  the field.
- integers outside PostgreSQL's `integer` (−2³¹ … 2³¹−1) in a URL (`<int:id>` → 404) or a JSON body
  (422): every id, count and number of days the API takes fits; anything larger is an attack or a typo.
- JSON nested deeper than MAX_JSON_DEPTH (400; the decoder's own recursion limit is caught too), NaN and
  Infinity (not JSON), and non-finite numbers (1e999).

`read_json_object()` is the one JSON reader of the API (`hotline.api.bodies.json_object` calls it).
"""

from __future__ import annotations

import json
import math

from flask import Flask, g, request

from hotline.errors import BadRequest, NotFound, Unprocessable

MAX_JSON_DEPTH = 32
INT_MIN, INT_MAX = -(2**31), 2**31 - 1
NUL = "\x00"
NUL_MESSAGE = "不能包含 NUL（\\u0000）字符"


def init_app(app: Flask) -> None:
    app.before_request(check_request)


def check_request() -> None:
    """Runs before every view: URL parameters, query string and form fields."""
    for name, value in (request.view_args or {}).items():
        if isinstance(value, bool):
            continue
        if isinstance(value, int) and not INT_MIN <= value <= INT_MAX:
            raise NotFound(f"{name} 为 {value} 的资源不存在。")
        if isinstance(value, str) and NUL in value:
            raise NotFound("请求的资源不存在（地址中含有 NUL 字符）。")
    bad = [name for name, values in request.args.lists() if NUL in name or any(NUL in v for v in values)]
    if bad:
        raise Unprocessable(f"查询参数 {'、'.join(_shown(n) for n in bad)} {NUL_MESSAGE}。",
                            fields={_shown(name): NUL_MESSAGE for name in bad})
    if request.method in ("POST", "PUT", "PATCH") and request.mimetype in (
            "application/x-www-form-urlencoded", "multipart/form-data"):
        bad = [name for name, values in request.form.lists() if NUL in name or any(NUL in v for v in values)]
        if bad:
            raise Unprocessable(f"表单字段 {'、'.join(_shown(n) for n in bad)} {NUL_MESSAGE}。",
                                fields={_shown(name): NUL_MESSAGE for name in bad})


def _shown(name: str) -> str:
    return name.replace(NUL, "\\u0000")


def read_json_object() -> dict:
    """The request body as a checked JSON object (cached for the request), or a 400/413/422 saying why."""
    if "edge_json" in g:
        return g.edge_json
    if not request.is_json:
        raise BadRequest("请以 JSON 格式提交（Content-Type: application/json）。", code="not_json")
    raw = _body()
    try:
        body = json.loads(raw.decode("utf-8"), parse_constant=_no_constant) if raw else None
    except RecursionError:
        raise BadRequest(f"JSON 嵌套过深（上限 {MAX_JSON_DEPTH} 层）。", code="malformed_json") from None
    except (UnicodeDecodeError, ValueError) as error:
        raise BadRequest(f"JSON 格式错误，无法解析：{error}", code="malformed_json") from None
    if not isinstance(body, dict):
        raise BadRequest("请求体应为 JSON 对象（{...}）。", code="malformed_json")
    fields = check_json(body)
    if fields:
        raise Unprocessable("提交的内容有误 — " + "；".join(f"{path}：{message}" for path, message in fields.items()),
                            fields=fields)
    g.edge_json = body
    return body


def _body() -> bytes:
    """The raw body; 413 past MAX_CONTENT_LENGTH whether it came with a Content-Length or chunked.

    Werkzeug's one-shot read of a chunked body returns only what the server had buffered (the first
    chunk), so an oversized chunked body used to arrive truncated and fail as malformed JSON (400).
    Reading until the end lets the limited stream raise its 413.
    """
    if request.content_length is not None:
        return request.get_data(cache=True)
    parts = []
    while chunk := request.stream.read(16384):
        parts.append(chunk)
    return b"".join(parts)


def _no_constant(name: str):
    raise ValueError(f"{name} 不是合法的 JSON 数值")


def check_json(value: object) -> dict[str, str]:
    """{field path: message} for every NUL, out-of-range integer or non-finite number in a parsed body.

    Iterative (no recursion), and it stops at MAX_JSON_DEPTH with a 400.
    """
    fields: dict[str, str] = {}
    stack: list[tuple[object, tuple, int]] = [(value, (), 0)]
    while stack:
        item, path, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise BadRequest(f"JSON 嵌套过深（上限 {MAX_JSON_DEPTH} 层）。", code="malformed_json")
        where = ".".join(str(part) for part in path) or "body"
        if isinstance(item, dict):
            for key, child in item.items():
                if NUL in key:
                    fields[".".join([*map(str, path), _shown(key)])] = "字段名" + NUL_MESSAGE
                    continue
                stack.append((child, (*path, key), depth + 1))
        elif isinstance(item, list):
            stack.extend((child, (*path, index), depth + 1) for index, child in enumerate(item))
        elif isinstance(item, str):
            if NUL in item:
                fields[where] = NUL_MESSAGE
        elif isinstance(item, bool):
            continue
        elif isinstance(item, int):
            if not INT_MIN <= item <= INT_MAX:
                fields[where] = f"数值超出范围（{INT_MIN} 至 {INT_MAX}）"
        elif isinstance(item, float) and not math.isfinite(item):
            fields[where] = "数值超出范围"
    return dict(sorted(fields.items()))
