"""Staff API tokens: POST /api/v1/auth/token {username, password} -> {token, expires_at}."""

from __future__ import annotations

from typing import Annotated

from flask import Blueprint, jsonify
from pydantic import BaseModel, ConfigDict, Field

from hotline.api.bodies import json_object, parse
from hotline.api.formats import iso
from hotline.auth import authenticate_password, issue_token, lockout
from hotline.database import db
from hotline.errors import Unauthorized
from hotline.extensions import rate_limited

bp = Blueprint("auth", __name__, url_prefix="/api/v1")


class TokenRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: Annotated[str, Field(min_length=1, max_length=64)]
    password: Annotated[str, Field(min_length=1, max_length=200)]


@bp.post("/auth/token")
@rate_limited("RATELIMIT_AUTH")
def create_token():
    body = parse(TokenRequest, json_object())
    lockout.check(body.username)  # before the password is looked at: a locked account stays locked
    user = authenticate_password(db(), body.username, body.password)
    if user is None:
        lockout.failed(body.username)
        raise Unauthorized("用户名或密码错误，或账号已停用。", code="invalid_credentials")
    token, expires_at = issue_token(user)
    return jsonify({"token": token, "expires_at": iso(expires_at), "role": user.role})
