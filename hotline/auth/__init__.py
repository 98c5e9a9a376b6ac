"""Who is calling: channel API keys and staff tokens; and what each may see.

Channel clients send `Authorization: Bearer hk_<prefix>_<secret>` (only a SHA-256 of the key is stored:
the keys are long random strings, so a slow hash buys nothing). Staff exchange username + password for
a signed, expiring token (`POST /api/v1/auth/token`).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache, wraps

from flask import current_app, g, request
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import or_, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from hotline.auth.keycache import key_cache
from hotline.database import db
from hotline.errors import Forbidden, Unauthorized
from models import ApiKey, Assignment, Ticket, User, clock, in_select
from models.enums import Role

API_KEY_PREFIX = "hk_"
TOKEN_SALT = "hotline-api-token"


@dataclass(frozen=True)
class Principal:
    kind: str  # "apikey" | "user"
    id: int
    name: str
    role: str | None = None  # staff role; None for channel keys
    unit_id: int | None = None
    channel: str | None = None  # for channel keys

    @property
    def actor(self) -> str:
        """How this principal is written in the audit trail."""
        return "system" if self.kind == "system" else f"{self.kind}:{self.name}"

    @property
    def ident(self) -> str:
        """What records and limits are keyed by: the id, never the name (two keys may once have shared a
        name, and a replay must never hand one client another client's ticket)."""
        return f"{self.kind}:{self.id}"

    @property
    def is_staff(self) -> bool:
        return self.kind == "user"

    def has_role(self, *roles: str) -> bool:
        return self.is_staff and self.role in roles


SYSTEM = Principal("system", 0, "system", role="system")
"""The actor of automatic steps: routing at intake, deadline jobs, follow-up results."""


# --- passwords and keys -------------------------------------------------------------------------

def hash_password(password: str) -> str:
    return generate_password_hash(password)


def check_password(user: User, password: str) -> bool:
    return check_password_hash(user.password_hash, password)


def hash_api_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_api_key() -> tuple[str, str]:
    """A fresh key and its public prefix (the prefix lets people tell keys apart without the secret)."""
    prefix = secrets.token_hex(4)
    return f"{API_KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}", prefix


def find_user(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username))


def authenticate_password(session: Session, username: str, password: str) -> User | None:
    user = find_user(session, username)
    if user is None or not user.active:
        # Hash anyway so a missing user costs the same time as a wrong password.
        check_password_hash(_dummy_hash(), password)
        return None
    return user if check_password(user, password) else None


@cache
def _dummy_hash() -> str:
    """A hash to check against for unknown users, made at the first such login: a scrypt hash costs
    ~0.15 s, which every process (the CLI, workers) would otherwise pay on import."""
    return generate_password_hash("not-a-real-password")


# --- staff tokens ---------------------------------------------------------------------------------

def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=TOKEN_SALT)


def _password_fingerprint(user: User) -> str:
    # Part of every token: changing the password invalidates the tokens issued before.
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:12]


def issue_token(user: User) -> tuple[str, datetime]:
    ttl = current_app.config["TOKEN_TTL_SECONDS"]
    token = _serializer().dumps({"uid": user.id, "pw": _password_fingerprint(user)})
    return token, clock.now() + timedelta(seconds=ttl)


def _user_from_token(session: Session, token: str) -> User:
    try:
        data = _serializer().loads(token, max_age=current_app.config["TOKEN_TTL_SECONDS"])
    except SignatureExpired:
        raise Unauthorized("登录令牌已过期，请重新获取。", code="token_expired") from None
    except BadSignature:
        raise Unauthorized("API 密钥或令牌无效。", code="invalid_credentials") from None
    user = session.get(User, data.get("uid"))
    if user is None or not user.active or data.get("pw") != _password_fingerprint(user):
        raise Unauthorized("令牌已失效，请重新登录。", code="invalid_credentials")
    return user


# --- resolving the caller -------------------------------------------------------------------------

def principal_for_user(user: User) -> Principal:
    return Principal("user", user.id, user.username, role=user.role, unit_id=user.unit_id)


def _principal_for_key(key: ApiKey) -> Principal:
    return Principal("apikey", key.id, key.name, channel=key.channel)


def _from_bearer(session: Session, token: str) -> Principal:
    if token.startswith(API_KEY_PREFIX):
        return _principal_for_key_token(session, token)
    return principal_for_user(_user_from_token(session, token))


def _principal_for_key_token(session: Session, token: str) -> Principal:
    """Looked up by the SHA-256 of the key (the database compares digests, never the secret itself);
    a key found valid is trusted for a few seconds by this process (hotline.auth.keycache)."""
    key_hash = hash_api_key(token)
    cache = key_cache(current_app)
    principal = cache.get(key_hash)
    if principal is not None:
        return principal
    key = session.scalar(select(ApiKey).where(ApiKey.key_hash == key_hash))
    if key is None or key.revoked_at is not None:
        raise Unauthorized("API 密钥无效或已吊销。", code="invalid_credentials")
    principal = _principal_for_key(key)
    cache.put(key_hash, principal)
    return principal


def current_principal(required: bool = True) -> Principal | None:
    """The caller of this request (cached on g); raises 401 when required and absent."""
    if "principal" not in g:
        g.principal = _resolve_principal()
    if g.principal is None and required:
        raise Unauthorized("需要登录或提供有效的 API 密钥。")
    return g.principal


def _resolve_principal() -> Principal | None:
    principal = None
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("Authorization 请求头格式应为：Bearer <密钥或令牌>。", code="invalid_credentials")
        principal = _from_bearer(db(), token.strip())
    return principal


def require(*roles: str, keys: bool = False) -> Callable:
    """Route decorator: staff with one of `roles` (any staff when none given); channel keys if `keys`."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            principal = current_principal()
            if principal.kind == "apikey":
                if not keys:
                    raise Forbidden("渠道 API 密钥无权执行此操作。")
            elif roles and principal.role not in roles:
                raise Forbidden("当前角色无权执行此操作。")
            return view(*args, **kwargs)

        return wrapper

    return decorator


def rate_limit_key() -> str:
    """Rate limits count per API key / user; anonymous callers per address."""
    try:
        principal = current_principal(required=False)
    except Exception:  # an invalid credential is answered by the view; count it by address here
        principal = None
    if principal is not None:
        return principal.ident
    return f"ip:{request.remote_addr}"


# --- what a caller may see ------------------------------------------------------------------------

def ticket_scope(principal: Principal):
    """A WHERE clause limiting tickets to those the principal may read."""
    if principal.kind == "apikey":
        return Ticket.api_key_id == principal.id
    if principal.role == Role.UNIT_STAFF:
        if principal.unit_id is None:
            return Ticket.id.is_(None)
        # The lead unit's tickets by lead_unit_id (an active lead assignment always names the ticket's
        # lead unit), the assisting unit's through its active assistance. Not a correlated EXISTS: under
        # the OR PostgreSQL would test it on every ticket it reads (600 ms for one unit's list at 1M
        # tickets); this way both branches are index look-ups (bench/intake.py).
        assisting = in_select(Ticket.id, select(Assignment.ticket_id).where(
            Assignment.unit_id == principal.unit_id, Assignment.active.is_(True), Assignment.role == "assist"))
        return or_(Ticket.lead_unit_id == principal.unit_id, assisting)
    return Ticket.id.is_not(None)  # agents, supervisors and admins see every ticket
