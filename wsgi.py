"""WSGI entry point: `flask --app wsgi ...`, `gunicorn wsgi:app`."""

from hotline import create_app
from hotline.config import ConfigError

try:
    app = create_app()
except ConfigError as error:  # a wrong HOTLINE_* setting: one line saying which, not a traceback
    raise SystemExit(f"配置错误：{error}") from None
