"""The `flask --app wsgi ...` commands."""

from __future__ import annotations

from flask import Flask

from hotline.cli.errors import guard


def register_commands(app: Flask) -> None:
    from hotline.cli.accounts import apikey_cli, user_cli
    from hotline.cli.city_cmds import city_cli
    from hotline.cli.classifier_cmds import classifier_cli
    from hotline.cli.db_cmds import db_cli
    from hotline.cli.jobs_cmds import sla_cli, sweep_command
    from hotline.cli.run_cmds import up_command, worker_command
    from hotline.cli.simulate_cmds import simulate_command
    from hotline.cli.stats_cmds import stats_command
    from hotline.cli.urgency_cmds import urgency_cli
    from hotline.cli.workflow_cmds import workflow_cli

    for command in (db_cli, city_cli, user_cli, apikey_cli, up_command, worker_command, stats_command,
                    sla_cli, sweep_command, simulate_command, classifier_cli, workflow_cli, urgency_cli):
        app.cli.add_command(guard(command))  # failures print one Chinese line (hotline.cli.errors)
