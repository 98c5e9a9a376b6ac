"""API errors: one JSON shape, the right status, a message a person can act on (in Chinese).

{"error": {"code": "...", "message": "...", "fields": {...}}}
"""

from __future__ import annotations

import logging

from flask import Flask, current_app, jsonify, request
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)
DATABASE_RETRY_AFTER = 5  # seconds a client should wait when the database is down


class ApiError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, fields: dict[str, str] | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        if code:
            self.code = code


class BadRequest(ApiError):
    status, code = 400, "bad_request"


class Unauthorized(ApiError):
    status, code = 401, "unauthorized"


class Forbidden(ApiError):
    status, code = 403, "forbidden"


class NotFound(ApiError):
    status, code = 404, "not_found"


class Conflict(ApiError):
    status, code = 409, "conflict"


class Unprocessable(ApiError):
    status, code = 422, "invalid"


# Messages for the HTTP errors Werkzeug raises on its own (routing, body size, methods).
_HTTP_MESSAGES = {
    400: ("bad_request", "请求格式不正确。"),
    401: ("unauthorized", "需要登录或提供有效的 API 密钥。"),
    403: ("forbidden", "没有权限执行此操作。"),
    404: ("not_found", "请求的资源不存在。"),
    405: ("method_not_allowed", "不支持该请求方法。"),
    409: ("conflict", "请求与当前状态冲突。"),
    413: ("payload_too_large", "请求内容过大，请精简后重试（上限 64 KB）。"),
    415: ("unsupported_media_type", "请以 JSON 格式（Content-Type: application/json）提交。"),
    422: ("invalid", "提交的内容有误。"),
    429: ("rate_limited", "请求过于频繁，请稍后再试。"),
    500: ("internal_error", "服务器内部错误，请稍后重试；如持续出现请联系管理员。"),
    503: ("unavailable", "服务暂时不可用，请稍后重试。"),
}


def error_body(code: str, message: str, fields: dict[str, str] | None = None) -> dict:
    body = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    return {"error": body}


def wants_json() -> bool:
    """API and machine routes answer errors in JSON; pages answer in HTML."""
    path = request.path
    return path.startswith(("/api/", "/open311/", "/healthz", "/metrics")) or request.is_json


# Path prefix → function rendering an HTTP error (404/405 of routing included) the way that API's spec
# wants; a blueprint registers itself here (see hotline.open311.views).
ERROR_RENDERERS = "hotline.error_renderers"


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def _api_error(error: ApiError):
        response = jsonify(error_body(error.code, error.message, error.fields))
        response.status_code = error.status
        if retry_after := getattr(error, "retry_after", None):
            response.headers["Retry-After"] = str(retry_after)
        return response

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        for prefix, render in current_app.extensions.get(ERROR_RENDERERS, {}).items():
            if request.path.startswith(prefix):  # e.g. Open311 answers in its spec's error list
                return render(error)
        if not wants_json():
            return error
        code, message = _HTTP_MESSAGES.get(error.code or 500, ("error", error.description or ""))
        if error.code == 429 and error.description:
            message = f"请求过于频繁（限额 {error.description}），请稍后再试。"
        response = jsonify(error_body(code, message))
        response.status_code = error.code or 500
        for name, value in error.get_headers():  # Allow on 405, WWW-Authenticate, …
            if name.lower() != "content-type":
                response.headers[name] = value
        if error.code == 429:
            retry_after = getattr(error, "retry_after", None)
            if retry_after:
                response.headers["Retry-After"] = str(retry_after)
        return response

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def _database_down(error: Exception):
        # The database is unreachable (stopped, restarting, network): a clear 503 the client can retry;
        # the pool (pre-ping) reconnects by itself once it is back. Logged without the traceback.
        log.warning("database unavailable on %s %s: %s", request.method, request.path,
                    str(error).splitlines()[0][:200])
        if not wants_json():
            return "数据库暂时不可用，请稍后重试。", 503, {"Retry-After": str(DATABASE_RETRY_AFTER)}
        response = jsonify(error_body("database_unavailable", "数据库暂时不可用，请稍后重试；已提交成功的诉求不会丢失。"))
        response.status_code = 503
        response.headers["Retry-After"] = str(DATABASE_RETRY_AFTER)
        return response

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        # Anything that reaches here is a bug; log it fully but tell the client something useful.
        log.exception("unhandled error on %s %s", request.method, request.path)
        if not wants_json():
            return "服务器内部错误", 500
        code, message = _HTTP_MESSAGES[500]
        return jsonify(error_body(code, message)), 500
