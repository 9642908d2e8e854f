"""`flask --app bot …` commands for the office's IT person and coordinator, one module per group."""
from __future__ import annotations

from flask import Flask

from bot.cli import activity, db, evidence, jobs, nominate, plan, pledge, report, richmenu, roster

GROUPS = (db.group, roster.group, pledge.group, plan.group, activity.group, nominate.group, evidence.group,
          report.group, jobs.group, richmenu.group)


def init_app(app: Flask) -> None:
    for group in GROUPS:
        app.cli.add_command(group)
