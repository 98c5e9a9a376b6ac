"""gunicorn settings for the web service: `gunicorn -c gunicorn.conf.py wsgi:app` (add -w / -b as needed).

The app is loaded once in the master (preload) and warmed there, so the workers share the classifier
model, jieba's dictionary and the city index (see hotline/processes/preload.py).
"""

import os

preload_app = True
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
bind = os.environ.get("HOTLINE_BIND", "0.0.0.0:8000")


def when_ready(server):  # in the master, after the app is loaded and before the workers are forked
    from hotline.processes.preload import warm

    warm(server.app.wsgi())
