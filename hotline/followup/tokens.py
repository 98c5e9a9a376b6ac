"""Survey tokens: the signed capability in a survey link (`/survey/<token>`).

The token signs the follow-up's id and round with the app's SECRET_KEY (salt "survey"): it cannot be
guessed or altered, and it names exactly one round of one ticket. It does not expire by itself; the
follow-up's own `expires_at` decides until when an answer is taken.
"""

from __future__ import annotations

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.orm import Session

from models import FollowUp

SALT = "survey"


def _serializer(secret_key: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key, salt=SALT)


def survey_token(secret_key: str, followup: FollowUp) -> str:
    return _serializer(secret_key).dumps([followup.id, followup.round])


def followup_for_token(session: Session, secret_key: str, token: str) -> FollowUp | None:
    """The follow-up a token names, or None for a bad, tampered or stale token."""
    try:
        data = _serializer(secret_key).loads(token)
    except BadSignature:
        return None
    if not (isinstance(data, list) and len(data) == 2 and all(isinstance(part, int) for part in data)):
        return None
    followup = session.get(FollowUp, data[0])
    if followup is None or followup.round != data[1]:
        return None
    return followup


def survey_url(base_url: str, secret_key: str, followup: FollowUp) -> str:
    return f"{base_url.rstrip('/')}/survey/{survey_token(secret_key, followup)}"
