"""The web process: the app with the classifier model, jieba's dictionary and the city's routing index
loaded before it serves its first request.

`up` runs `waitress … hotline.processes.web:app`; with gunicorn, `gunicorn --preload
hotline.processes.web:app` loads them once, before forking its workers. Importing the app itself (`wsgi`)
loads none of this, so that the command line and the job processes start light; without the warm-up the
first complaint would wait seconds for it.
"""

from __future__ import annotations

import logging

from flask import Flask
from sqlalchemy.exc import SQLAlchemyError

from hotline import create_app
from hotline.database import session_factory
from hotline.intake.routing import city_index
from hotline.learning.service import classify, current_urgency_model

log = logging.getLogger(__name__)

WARM_UP_TEXT = ("路灯不亮", "小区门口的路灯坏了好几天，晚上出行不便")


def warm_up(app: Flask) -> None:
    """Load the city's routing index and the current model now. A database not migrated yet or a missing
    model are not errors here: those load at the first complaint instead."""
    try:
        with session_factory(app)() as session:
            city_index(app, session)
    except SQLAlchemyError as error:
        log.warning("routing index not loaded before serving: %s", error)
    classify(app, *WARM_UP_TEXT)  # never raises; loads the model and segments once (jieba's dictionary)
    current_urgency_model(app)  # never raises either


app = create_app()
warm_up(app)
