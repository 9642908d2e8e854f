"""กิจกรรม: (being built)."""
from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("activities", __name__, url_prefix="/activities")


@bp.get("/")
def index() -> str:
    return render_template("console/activities/index.html")
