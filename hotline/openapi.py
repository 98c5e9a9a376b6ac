"""GET /api/v1/openapi.json — the OpenAPI 3 document of the JSON API.

Request bodies come from the same pydantic models that validate them, response bodies from the output
models the serializer fills, and the workflow actions from the transition table (their bodies, who may
take them, from which statuses) — so the document cannot drift from what the API does; apispec
assembles it.
"""

from __future__ import annotations

from apispec import APISpec
from flask import Blueprint, current_app, jsonify, render_template
from pydantic.json_schema import models_json_schema

from hotline.auth.views import TokenRequest
from hotline.followup.schemas import AnswerIn, CallIn
from hotline.intake.schemas import TicketIn
from hotline.tickets.schemas import EventsOut, TicketOut, TicketPage
from hotline.workflow.rules import ACTION_ROUTE, RULES
from hotline.workflow.schemas import Empty

bp = Blueprint("openapi", __name__, url_prefix="/api/v1")

REF = "#/components/schemas/{model}"

ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "object", "required": ["code", "message"], "properties": {
        "code": {"type": "string", "example": "invalid"},
        "message": {"type": "string", "example": "提交的内容有误 — 诉求内容：不能为空"},
        "fields": {"type": "object", "additionalProperties": {"type": "string"}},
    }}},
}
def _errors(*statuses: int) -> dict:
    names = {400: "请求格式不正确", 401: "未登录或密钥无效", 403: "无权操作", 404: "不存在", 409: "当前状态不允许",
             413: "请求过大", 422: "字段有误", 429: "请求过于频繁"}
    return {str(status): {"description": names[status], "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
            for status in statuses}


def _json(schema: dict, description: str = "成功") -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def build_spec() -> dict:
    spec = APISpec(title="Hotline 接诉即办 API", version="1", openapi_version="3.1.0",
                   info={"description": "12345 市民服务热线：受理、派单、办理、回访与考评。错误统一为 "
                                        '{"error": {"code", "message", "fields"}}。'})
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer",
                                               "description": "渠道 API 密钥（hk_…）或工作人员令牌"})
    bodies = {model.__name__: model for model in
              [TicketIn, TokenRequest, AnswerIn, CallIn] + [RULES[name].body for name in ACTION_ROUTE]}
    outputs = (TicketOut, TicketPage, EventsOut)
    _, definitions = models_json_schema([(model, "validation") for model in bodies.values()]
                                        + [(model, "serialization") for model in outputs], ref_template=REF)
    for name, schema in definitions.get("$defs", {}).items():
        spec.components.schema(name, schema)
    spec.components.schema("Error", ERROR)
    ticket_ref = {"$ref": REF.format(model="TicketOut")}
    secured = [{"bearer": []}]

    spec.path(path="/api/v1/tickets", operations={
        "post": {"summary": "受理诉求", "security": secured,
                 "parameters": [{"in": "header", "name": "Idempotency-Key", "schema": {"type": "string", "maxLength": 200},
                                 "description": "重试时携带同一个 Key，只会生成一张工单"}],
                 "requestBody": {"required": True, "content": {"application/json": {"schema": {"$ref": REF.format(model="TicketIn")}}}},
                 "responses": {"201": _json(ticket_ref, "已受理"), "200": _json(ticket_ref, "重试：返回第一次受理的工单"),
                               **_errors(400, 401, 403, 413, 422, 429)}},
        "get": {"summary": "工单列表（按角色限定范围）", "security": secured,
                "parameters": [{"in": "query", "name": name, "schema": {"type": kind}} for name, kind in (
                    ("status", "string"), ("unit", "string"), ("channel", "string"), ("overdue", "boolean"),
                    ("q", "string"), ("page", "integer"), ("per_page", "integer"))],
                "responses": {"200": _json({"$ref": REF.format(model="TicketPage")}), **_errors(401, 422)}},
    })
    number = {"in": "path", "name": "ticket_no", "required": True, "schema": {"type": "string"}}
    spec.path(path="/api/v1/tickets/{ticket_no}", operations={"get": {
        "summary": "查看工单", "security": secured, "parameters": [number],
        "responses": {"200": _json(ticket_ref), **_errors(401, 404)}}})
    spec.path(path="/api/v1/tickets/{ticket_no}/events", operations={"get": {
        "summary": "工单流转记录", "security": secured, "parameters": [number],
        "responses": {"200": _json({"$ref": REF.format(model="EventsOut")}), **_errors(401, 404)}}})
    for action in ACTION_ROUTE:
        rule = RULES[action]
        starts = "、".join(rule.starts_from)
        operation = {"summary": f"{rule.chinese}（{action}）", "security": secured, "parameters": [number],
                     "description": f"可执行者：{rule.who()}；工单状态：{starts}。",
                     "responses": {"200": _json(ticket_ref), **_errors(400, 401, 403, 404, 409, 422)}}
        if rule.body is not Empty:
            operation["requestBody"] = {"required": True, "content": {"application/json": {
                "schema": {"$ref": REF.format(model=rule.body.__name__)}}}}
        spec.path(path=f"/api/v1/tickets/{{ticket_no}}/{action}", operations={"post": operation})
    spec.path(path="/api/v1/auth/token", operations={"post": {
        "summary": "工作人员获取令牌",
        "requestBody": {"required": True, "content": {"application/json": {"schema": {"$ref": REF.format(model="TokenRequest")}}}},
        "responses": {"200": _json({"type": "object", "properties": {"token": {"type": "string"},
                                                                     "expires_at": {"type": "string", "format": "date-time"}}}),
                      **_errors(400, 401, 413, 422, 429)}}})
    _listings(spec, secured)
    _followups(spec, secured, number)
    return spec.to_dict()


def _query(name: str, schema: dict, description: str) -> dict:
    return {"in": "query", "name": name, "required": False, "schema": schema, "description": description}


PAGING = [_query("page", {"type": "integer", "minimum": 1}, "页码，从 1 开始"),
          _query("per_page", {"type": "integer", "minimum": 1}, "每页条数（上限见 PAGE_SIZE_MAX）")]


def _nullable(kind: str, **extra) -> dict:
    return {"type": [kind, "null"], **extra}


WHEN = _nullable("string", format="date-time")
RATE = _nullable("number", minimum=0)
UNIT_SCORE = {"type": "object", "required": ["code", "name", "group", "dispatched", "ranked"], "properties": {
    "code": {"type": "string"}, "name": {"type": "string"}, "group": {"type": "string"},
    "dispatched": {"type": "integer"}, "responded_in_time": {"type": "integer"}, "rated": {"type": "integer"},
    "resolved": {"type": "integer"}, "satisfaction_points": {"type": "number"}, "response_rate": RATE,
    "resolution_rate": RATE, "satisfaction_rate": RATE, "composite": RATE, "rank": _nullable("integer"),
    "ranked": {"type": "boolean"}}}
LISTING_ANSWERS = {
    "/api/v1/stats/units": {"type": "object", "required": ["period", "source", "units"], "properties": {
        "period": {"type": "string"}, "source": {"type": "string"}, "computed_at": WHEN,
        "min_volume": {"type": "integer"}, "units": {"type": "array", "items": UNIT_SCORE}}},
    "/api/v1/hotspots": {"type": "object", "required": ["hours", "hotspots"], "properties": {
        "hours": {"type": "integer"}, "hotspots": {"type": "array", "items": {
            "type": "object", "required": ["street", "size", "ticket_nos"], "properties": {
                "street": {"type": "string"}, "size": {"type": "integer"},
                "ticket_nos": {"type": "array", "items": {"type": "string"}}, "sample": _nullable("string"),
                "first_at": WHEN, "last_at": WHEN}}}}},
    "/api/v1/notifications": {"type": "object", "required": ["items"], "properties": {"items": {
        "type": "array", "items": {"type": "object", "required": ["id", "kind", "message", "read"], "properties": {
            "id": {"type": "integer"}, "kind": {"type": "string"}, "message": {"type": "string"},
            "created_at": WHEN, "read": {"type": "boolean"}, "read_at": WHEN, "ticket_no": _nullable("string")}}}}},
    "/api/v1/followups/callbacks": {"type": "object", "required": ["items", "page", "per_page", "total", "pages"],
                                    "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/FollowUp"}},
                                                   "page": {"type": "integer"}, "per_page": {"type": "integer"},
                                                   "total": {"type": "integer"}, "pages": {"type": "integer"}}},
    "/api/v1/classifier": {"type": "object", "required": ["current", "runs"], "properties": {
        "current": {"type": "object"}, "runs": {"type": "array", "items": {"type": "object"}}}},
}


def _listings(spec: APISpec, secured: list) -> None:
    """The staff listings: rankings, hotspots, notifications, callbacks, the classifier."""
    listings = {
        "/api/v1/stats/units": ("三率、综合得分与排名", [
            _query("period", {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"}, "考评月份 YYYY-MM，默认本月"),
            _query("group", {"type": "string", "enum": ["street", "district", "department", "enterprise"]},
                   "单位类别")]),
        "/api/v1/hotspots": ("热点诉求", [
            _query("hours", {"type": "integer", "minimum": 1, "maximum": 168}, "统计最近多少小时"),
            _query("min_size", {"type": "integer", "minimum": 2, "maximum": 100}, "成为热点的最少工单数")]),
        "/api/v1/notifications": ("我的通知", [
            _query("unread", {"type": "string", "enum": ["1", "true"]}, "只看未读"),
            _query("limit", {"type": "integer", "minimum": 1, "maximum": 200}, "条数")]),
        "/api/v1/followups/callbacks": ("回访回拨队列", PAGING),
        "/api/v1/classifier": ("分类模型与重新训练记录", []),
    }
    for path, (summary, parameters) in listings.items():
        spec.path(path=path, operations={"get": {
            "summary": summary, "security": secured, "parameters": parameters,
            "responses": {"200": _json(LISTING_ANSWERS[path]), **_errors(401, 403, 422)}}})
    notice = {"in": "path", "name": "notification_id", "required": True, "schema": {"type": "integer"}}
    spec.path(path="/api/v1/notifications/{notification_id}/read", operations={"post": {
        "summary": "标记通知已读", "security": secured, "parameters": [notice],
        "responses": {"200": _json({"type": "object", "required": ["id", "read"], "properties": {
            "id": {"type": "integer"}, "read": {"type": "boolean"}}}), **_errors(401, 403, 404)}}})


FOLLOWUP = {"type": "object", "properties": {
    "id": {"type": "integer"}, "ticket_no": {"type": "string"}, "round": {"type": "integer"},
    "channel": {"type": "string"}, "status": {"type": "string"}, "status_name": {"type": "string"},
    "attempts": {"type": "integer"}, "next_attempt_at": {"type": ["string", "null"], "format": "date-time"},
    "expires_at": {"type": ["string", "null"], "format": "date-time"}, "resolved": {"type": ["boolean", "null"]},
    "satisfaction": {"type": ["string", "null"]}, "satisfaction_name": {"type": ["string", "null"]},
    "comment": {"type": ["string", "null"]}, "answered_at": {"type": ["string", "null"], "format": "date-time"},
    "answered_via": {"type": ["string", "null"]}}}
ANSWERED = {"type": "object", "required": ["outcome", "ticket_status", "followup"], "properties": {
    "outcome": {"type": "string"}, "ticket_status": {"type": "string"}, "followup": FOLLOWUP}}


def _followups(spec: APISpec, secured: list, number: dict) -> None:
    """回访: the citizen's survey by its token (no login), and the agents' answers and call attempts."""
    spec.components.schema("FollowUp", FOLLOWUP)
    token = {"in": "path", "name": "token", "required": True, "schema": {"type": "string"}}
    answer_body = {"required": True, "content": {"application/json": {"schema": {"$ref": REF.format(model="AnswerIn")}}}}
    spec.path(path="/api/v1/followups/{token}", operations={"get": {
        "summary": "回访问卷（市民凭链接访问）", "parameters": [token],
        "responses": {"200": _json({"type": "object", "required": ["ticket_no", "status"], "properties": {
            "ticket_no": {"type": "string"}, "matter": {"type": ["string", "null"]}, "unit": {"type": ["string", "null"]},
            "reply": {"type": ["string", "null"]}, "replied_at": {"type": ["string", "null"], "format": "date-time"},
            "status": {"type": "string"}, "status_name": {"type": "string"},
            "expires_at": {"type": ["string", "null"], "format": "date-time"}, "choices": {"type": "object"}}}),
            **_errors(404)}}})
    spec.path(path="/api/v1/followups/{token}/answer", operations={"post": {
        "summary": "市民提交回访评价", "parameters": [token], "requestBody": answer_body,
        "responses": {"200": _json(ANSWERED), **_errors(400, 404, 409, 413, 422)}}})
    spec.path(path="/api/v1/tickets/{ticket_no}/followup-answer", operations={"post": {
        "summary": "坐席代录回访结果", "security": secured, "parameters": [number], "requestBody": answer_body,
        "responses": {"200": _json(ANSWERED), **_errors(400, 401, 403, 404, 409, 413, 422)}}})
    followup_id = {"in": "path", "name": "followup_id", "required": True, "schema": {"type": "integer"}}
    spec.path(path="/api/v1/followups/{followup_id}/attempt", operations={"post": {
        "summary": "记录一次回访电话（未接通）", "security": secured, "parameters": [followup_id],
        "requestBody": {"required": False, "content": {"application/json": {"schema": {"$ref": REF.format(model="CallIn")}}}},
        "responses": {"200": _json({"$ref": "#/components/schemas/FollowUp"}), **_errors(400, 401, 403, 404, 409, 422)}}})


@bp.get("/docs")
def documentation_page():
    """The document as a page (Swagger UI, served from this app: no outside assets, no inline scripts)."""
    response = current_app.make_response(render_template("api_docs.html"))
    response.headers["Content-Security-Policy"] = DOCS_CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


# Swagger UI sets style attributes and uses data: icons; every script and stylesheet comes from this app.
DOCS_CSP = ("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            "connect-src 'self'; base-uri 'none'; frame-ancestors 'none'")


@bp.get("/openapi.json")
def openapi_document():
    document = current_app.extensions.get("hotline.openapi")
    if document is None:
        document = current_app.extensions["hotline.openapi"] = build_spec()
    return jsonify(document)
