"""回访 follow-up: after each reply the citizen is asked whether the matter is resolved and how satisfied
they are; the answer closes the ticket, or reopens it (重办), or goes to a supervisor; no answer closes
it as unrated. See docs/followup.md.

- service.py   workflow-style steps: open a round (subscribed to the workflow's `reply`), record an answer or an
               agent's call, expire a round
- channels.py  which channel reaches the citizen (sms, push, callback) and the adapters that send
- tokens.py    the signed survey token of a link
- jobs.py      the RQ jobs (attempts, expiry), their schedule and the sweep that rebuilds it
- views.py     its blueprint: JSON routes under /api/v1 (citizens' app answers, agents' callback queue and answers)
The survey page itself is hotline/web.
"""

from hotline.followup.jobs import schedule_round, sweep
from hotline.followup.service import Gone, expire, open_followup, record_answer, record_call
from hotline.followup.settings import FollowupSettings, settings
from hotline.followup.tokens import followup_for_token, survey_token, survey_url

__all__ = [
    "FollowupSettings", "Gone", "expire", "followup_for_token", "open_followup", "record_answer", "record_call",
    "schedule_round", "settings", "survey_token", "survey_url", "sweep",
]
