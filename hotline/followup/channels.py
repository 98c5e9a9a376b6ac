"""How the survey link reaches the citizen: the channel of a follow-up and the adapters that send it.

Channels:
- ``callback``: tickets taken on the phone (and citizens with only a landline) are called back by the
  agents; they appear in the agents' callback queue and no message is sent.
- ``push``: tickets from the app, when HOTLINE_PUSH_WEBHOOK_URL is set: the link is POSTed to the app's
  push service.
- ``sms``: everyone else with a mobile number (and app tickets when no push webhook is configured).
- ``none``: no way to reach the citizen (no phone, no push): nothing is sent and the round closes as
  unrated at the end of the window, unless the citizen answers through another way (an agent records it).

Adapters are small: an SMS gateway has one method, `send(recipient, body, dedupe_key, ticket_id)`.
The default gateway (HOTLINE_SMS_GATEWAY=outbox) writes an OutboxMessage row in the job's transaction,
unique per dedupe key, so a job run twice sends once; the operator's SMS provider integration relays
the outbox (rows with sent_at empty) and stamps sent_at.
"""

from __future__ import annotations

import json
import logging
import urllib.request
from typing import Protocol

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberType
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.followup.settings import FollowupSettings
from models import OutboxMessage, Ticket, clock

log = logging.getLogger(__name__)

PUSH_TIMEOUT = 5  # seconds


def is_mobile(phone: str | None) -> bool:
    if not phone:
        return False
    try:
        number = phonenumbers.parse(phone, "CN")
    except NumberParseException:
        return False
    if number.country_code != 86:  # the SMS gateway sends to Chinese mobiles only
        return False
    return phonenumbers.number_type(number) in (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE)


def choose_channel(ticket: Ticket, settings: FollowupSettings) -> str:
    if ticket.channel == "phone":
        return "callback"
    if ticket.channel == "app" and settings.push_webhook_url:
        return "push"
    if is_mobile(ticket.citizen_phone):
        return "sms"
    if ticket.citizen_phone:  # a landline cannot take an SMS: an agent calls
        return "callback"
    return "none"


# --- SMS ------------------------------------------------------------------------------------------

class SmsGateway(Protocol):
    def send(self, recipient: str, body: str, dedupe_key: str, ticket_id: int | None) -> bool:
        """Send once per dedupe key; False when that key was already sent."""


class OutboxSmsGateway:
    """Writes the message to the outbox table, in the caller's transaction."""

    def __init__(self, session: Session):
        self.session = session

    def send(self, recipient: str, body: str, dedupe_key: str, ticket_id: int | None) -> bool:
        if self.session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)) is not None:
            return False
        self.session.add(OutboxMessage(channel="sms", recipient=recipient, body=body, ticket_id=ticket_id,
                                       dedupe_key=dedupe_key, created_at=clock.now()))
        self.session.flush()  # the unique dedupe key fails here, inside the job's transaction, if raced
        return True


def sms_gateway(session: Session, settings: FollowupSettings) -> SmsGateway:
    if settings.sms_gateway == "outbox":
        return OutboxSmsGateway(session)
    raise ValueError(f"unknown SMS gateway {settings.sms_gateway!r}")


# --- app push -------------------------------------------------------------------------------------

class PushError(RuntimeError):
    pass


class WebhookPush:
    """POSTs a JSON message to the app's push service; the receiver dedupes on `dedupe_key` (also sent
    as the Idempotency-Key header), since a retried job may post the same attempt again."""

    def __init__(self, url: str, timeout: float = PUSH_TIMEOUT):
        self.url = url
        self.timeout = timeout

    def send(self, payload: dict, dedupe_key: str) -> int:
        data = json.dumps(dict(payload, dedupe_key=dedupe_key), ensure_ascii=False).encode()
        request = urllib.request.Request(
            self.url, data=data, method="POST",
            headers={"Content-Type": "application/json; charset=utf-8", "Idempotency-Key": dedupe_key},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return response.status
        except (OSError, ValueError) as error:  # URLError, HTTPError, timeouts, a malformed URL
            raise PushError(f"push to {self.url} failed: {error}") from error


# --- what the citizen reads -----------------------------------------------------------------------

def message_text(ticket_no: str, link: str, attempt: int, expires_local: str) -> str:
    """The SMS / push text (short: one or two SMS segments)."""
    if attempt == 1:
        return (f"【12345】您反映的问题（工单号{ticket_no}）已办理答复，请点击链接评价办理结果：{link} "
                f"（{expires_local}前有效）")
    return (f"【12345】提醒：您反映的问题（工单号{ticket_no}）已答复，尚未收到您的评价，请点击链接评价：{link} "
            f"（{expires_local}前有效）")
