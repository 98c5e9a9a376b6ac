"""WSGI entry point: `flask --app wsgi ...`, `gunicorn wsgi:app`."""

import gc

from hotline import create_app
from hotline.config import ConfigError

try:
    app = create_app()
except ConfigError as error:  # a wrong HOTLINE_* setting: one line saying which, not a traceback
    raise SystemExit(f"配置错误：{error}") from None

# The app's modules, mapped classes and routes live as long as the process. Moving them out of the
# collector's generations spares every later collection, and the interpreter's teardown at exit, from
# walking them again: a CLI call ends about 0.2 s sooner. (The web server's master freezes again after
# warming the model, hotline/processes/preload.py.)
gc.freeze()
