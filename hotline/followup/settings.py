"""The follow-up's settings, read once from the app's config (see hotline/config.py, docs/followup.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from hotline.queue.runtime import job_app

DEFAULT_BASE_URL = "http://localhost:5000"
SMS_GATEWAYS = ("outbox",)


@dataclass(frozen=True)
class FollowupSettings:
    attempts: int  # contacts with the citizen per round (SMS / push), the first right after the reply
    window: timedelta  # from the reply to the end of the survey: unanswered by then → closed as unrated
    sms_gateway: str  # "outbox"
    push_webhook_url: str  # app channel; empty → the app's citizens get an SMS instead
    base_url: str  # what survey links start with
    timezone: str

    @classmethod
    def from_config(cls, config) -> FollowupSettings:
        attempts = int(config.get("FOLLOWUP_ATTEMPTS", 3))
        hours = float(config.get("FOLLOWUP_WINDOW_HOURS", 48))
        if attempts < 1:
            raise ValueError(f"HOTLINE_FOLLOWUP_ATTEMPTS must be at least 1, not {attempts}")
        if hours <= 0:
            raise ValueError(f"HOTLINE_FOLLOWUP_WINDOW_HOURS must be positive, not {hours}")
        gateway = config.get("SMS_GATEWAY", "outbox") or "outbox"
        if gateway not in SMS_GATEWAYS:
            raise ValueError(f"HOTLINE_SMS_GATEWAY must be one of {SMS_GATEWAYS}, not {gateway!r}")
        return cls(
            attempts=attempts,
            window=timedelta(hours=hours),
            sms_gateway=gateway,
            push_webhook_url=(config.get("PUSH_WEBHOOK_URL") or "").strip(),
            base_url=(config.get("BASE_URL") or DEFAULT_BASE_URL).rstrip("/"),
            timezone=config.get("TIMEZONE", "Asia/Shanghai"),
        )

    def attempt_offsets(self) -> list[timedelta]:
        """When each attempt is due, counted from the reply: spread evenly over the window, the last one
        leaving the citizen a little time to answer (3 in 48 h → 0 h, 24 h, 47 h)."""
        if self.attempts == 1:
            return [timedelta(0)]
        margin = min(timedelta(hours=1), self.window / 10)
        step = self.window / (self.attempts - 1)
        return [min(step * index, self.window - margin) for index in range(self.attempts)]


def settings(app=None) -> FollowupSettings:

    return FollowupSettings.from_config((app or job_app()).config)
