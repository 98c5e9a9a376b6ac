"""GET /api/v1/openapi.json — the OpenAPI 3 document of the JSON API.

Request bodies come from the same pydantic models that validate them, response bodies from the output
models the serializer fills, and the workflow actions from the transition table (their bodies, who may
take them, from which statuses) — so the document cannot drift from what the API does; apispec
assembles it.
"""

from __future__ import annotations

from apispec import APISpec
from flask import Blueprint, current_app, jsonify
from pydantic.json_schema import models_json_schema

from hotline.auth.views import TokenRequest
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
              [TicketIn, TokenRequest] + [RULES[name].body for name in ACTION_ROUTE]}
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
                      **_errors(401, 422, 429)}}})
    for path, summary in (("/api/v1/stats/units", "三率、综合得分与排名"), ("/api/v1/hotspots", "热点诉求"),
                          ("/api/v1/notifications", "我的通知"), ("/api/v1/followups/callbacks", "回访回拨队列"),
                          ("/api/v1/classifier", "分类模型与重新训练记录")):
        spec.path(path=path, operations={"get": {"summary": summary, "security": secured,
                                                 "responses": {"200": _json({"type": "object"}), **_errors(401, 403, 422)}}})
    return spec.to_dict()


@bp.get("/openapi.json")
def openapi_document():
    document = current_app.extensions.get("hotline.openapi")
    if document is None:
        document = current_app.extensions["hotline.openapi"] = build_spec()
    return jsonify(document)
