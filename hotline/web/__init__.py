"""Pages for citizens (HTML, zh-CN, mobile first): the follow-up survey at `/survey/<token>`.

Pages use only local assets (hotline/static) and send strict headers: no framing, no inline script,
nothing fetched from elsewhere, no referrer (the survey link is a capability), no caching.
"""

from flask import Blueprint

bp = Blueprint("web", __name__)

SECURITY_HEADERS = {
    "Content-Security-Policy": ("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
                                "base-uri 'none'; frame-ancestors 'none'"),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


@bp.after_request
def _headers(response):
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


from hotline.web import home, survey  # noqa: E402,F401  (routes register on import)
