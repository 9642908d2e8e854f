"""ประวัติการแก้ไข: (being built)."""
from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("history", __name__, url_prefix="/history")


@bp.get("/")
def index() -> str:
    return render_template("console/history/index.html")
