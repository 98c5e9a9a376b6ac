"""The `flask --app wsgi ...` commands."""

from __future__ import annotations

from flask import Flask


def register_commands(app: Flask) -> None:
    from .accounts import apikey_cli, user_cli
    from .city_cmds import city_cli
    from .classifier_cmds import classifier_cli
    from .db_cmds import db_cli
    from .jobs_cmds import sla_cli, sweep_command
    from .run_cmds import up_command, worker_command
    from .simulate_cmds import simulate_command
    from .stats_cmds import stats_command
    from .urgency_cmds import urgency_cli

    for command in (db_cli, city_cli, user_cli, apikey_cli, up_command, worker_command, stats_command,
                    sla_cli, sweep_command, simulate_command, classifier_cli, urgency_cli):
        app.cli.add_command(command)
