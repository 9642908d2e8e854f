"""การแจ้งเตือน: (being built)."""
from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.get("/")
def index() -> str:
    return render_template("console/notifications/index.html")
