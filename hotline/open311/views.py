"""Open311 GeoReport v2 routes under /open311/v2/ (every path with its .json or .xml suffix)."""

from __future__ import annotations

from flask import Blueprint, current_app, request, url_for
from sqlalchemy import select
from werkzeug.exceptions import HTTPException

from hotline.auth import Principal, hash_api_key
from hotline.database import db
from hotline.errors import ERROR_RENDERERS, ApiError, BadRequest, Forbidden
from hotline.extensions import rate_limited
from hotline.open311 import present, service
from hotline.open311.schemas import read_form
from models import ApiKey
from models.enums import Channel

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")
FMT = "<any(json, xml):fmt>"


def status_for(error: ApiError) -> int:
    """The spec's codes: 403 for a missing or bad key, 404 for an unknown id or service, 400 otherwise."""
    if error.status in (401, 403):
        return 403
    if error.status in (404, 413, 429):
        return error.status
    return 400


@bp.errorhandler(ApiError)
def _api_error(error: ApiError):
    return present.error_response(status_for(error), error.message)


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException):
    return open311_http_error(error)


def open311_http_error(error: HTTPException):
    status = error.code or 500
    if status == 429:
        return present.error_response(429, "请求过于频繁，请稍后再试。")
    messages = {404: "请求的资源不存在。", 405: "不支持该请求方法。", 413: "请求内容过大。"}
    return present.error_response(status if status in messages else 400,
                                  messages.get(status, "请求格式不正确。"))


@bp.record_once
def _render_routing_errors(state) -> None:
    state.app.extensions.setdefault(ERROR_RENDERERS, {})[bp.url_prefix + "/"] = open311_http_error


@bp.before_request
def _check_jurisdiction():
    expected = current_app.config["OPEN311_JURISDICTION"]
    given = (request.values.get("jurisdiction_id") or "").strip()
    if expected and given and given != expected:
        raise BadRequest(f"jurisdiction_id {given} 不属于本接口（应为 {expected}）。")


def extensions_wanted() -> bool:
    return (request.args.get("extensions") or "").strip().lower() in ("true", "1")


def open311_principal() -> Principal:
    """The caller of a POST: an API key of the open311 channel, sent as api_key (form or query)."""
    key = (request.form.get("api_key") or request.args.get("api_key") or "").strip()
    if not key:
        raise Forbidden("缺少 api_key。")
    row = db().scalar(select(ApiKey).where(ApiKey.key_hash == hash_api_key(key)))
    if row is None or row.revoked_at is not None:
        raise Forbidden("api_key 无效或已吊销。")
    if row.channel != Channel.OPEN311.value:
        raise Forbidden(f"该 api_key 属于“{row.channel}”渠道，不能用于 Open311。")
    return Principal("apikey", row.id, row.name, channel=row.channel)


@bp.get(f"/discovery.{FMT}")
def discovery(fmt: str):
    base = (current_app.config.get("BASE_URL") or request.host_url).rstrip("/") + bp.url_prefix
    return present.render(fmt, "discovery", present.discovery_dict(base))


@bp.get(f"/services.{FMT}")
def services(fmt: str):
    items = [present.service_dict(category, group) for category, group in service.services(db())]
    return present.render(fmt, "services", items)


@bp.get(f"/services/<service_code>.{FMT}")
def service_definition(service_code: str, fmt: str):
    return present.render(fmt, "service_definition", present.definition_dict(service.service(db(), service_code)))


@bp.post(f"/requests.{FMT}")
@rate_limited("RATELIMIT_INTAKE")
def post_request(fmt: str):
    principal = open311_principal()
    form = read_form(request.values)
    ticket, extra = service.post_request(principal, form)
    answer = {"service_request_id": ticket.ticket_no, "token": extra.token,
              "service_notice": ticket.category.service_notice if ticket.category else None,
              "account_id": extra.account_id}
    response = present.render(fmt, "service_requests", [answer], status=201)
    response.headers["Location"] = url_for("open311.get_request", service_request_id=ticket.ticket_no, fmt=fmt)
    return response


@bp.get(f"/requests.{FMT}")
def list_requests(fmt: str):
    session = db()
    rows = service.find_requests(session, service.request_query(request.args))
    return present.render(fmt, "service_requests", _requests(rows))


def _requests(rows) -> list[dict]:
    extended = extensions_wanted()
    history = service.histories(db(), [ticket for ticket, _ in rows]) if extended else {}
    return [present.request_dict(ticket, extra, extended, history.get(ticket.id)) for ticket, extra in rows]


@bp.get(f"/requests/<service_request_id>.{FMT}")
def get_request(service_request_id: str, fmt: str):
    row = service.one_request(db(), service_request_id)
    return present.render(fmt, "service_requests", _requests([row]))


@bp.get(f"/tokens/<token>.{FMT}")
def get_token(token: str, fmt: str):
    token, service_request_id = service.by_token(db(), token)
    return present.render(fmt, "service_requests", [{"service_request_id": service_request_id, "token": token}])


@bp.get(f"/servicerequestupdates.{FMT}")
def request_updates(fmt: str):
    """mySociety's extension (FixMyStreet follows updates with it): status changes and replies."""
    args = request.args
    start, end = service.window(service.parse_datetime("start_date", args.get("start_date")),
                                service.parse_datetime("end_date", args.get("end_date")))
    page = service.int_param(args, "page", 1, 1_000_000)
    page_size = service.int_param(args, "page_size", service.PAGE_SIZE_MAX, service.PAGE_SIZE_MAX)
    rows = service.find_updates(db(), start, end, page, page_size)
    return present.render(fmt, "service_requests_updates", [present.update_dict(event, ticket) for event, ticket in rows])
