"""WSGI entry point: `flask --app wsgi ...`, `gunicorn wsgi:app`."""

from hotline import create_app

app = create_app()
