"""แผน: (being built)."""
from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("plan", __name__, url_prefix="/plan")


@bp.get("/")
def index() -> str:
    return render_template("console/plan/index.html")
