"""The pages (HTML, zh-CN): staff log in at /login and work at /agent, /unit, /supervisor, /admin;
citizens complain at /complaint, track at /track and answer the survey at /survey/<token>.

Pages use only local assets (hotline/static, ECharts vendored under static/vendor) and send strict
headers: no framing, no inline script, nothing fetched from elsewhere, no referrer, no caching. Every
POST of a staff or citizen form carries a CSRF token (Flask-WTF); the survey's link token is its own
capability.
"""

from flask import Blueprint, Flask

bp = Blueprint("web", __name__)

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


@bp.after_request
def _headers(response):
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def init_app(app: Flask) -> None:
    """Sessions (Flask-Login) and CSRF (Flask-WTF) for the pages; the JSON API keeps its bearer tokens."""

    login.init_app(app)


from hotline.web import (  # noqa: E402,F401  (routes register on import)
    admin,
    agent,
    citizen,
    home,
    login,
    supervisor,
    survey,
    tickets,
    unit,
)
