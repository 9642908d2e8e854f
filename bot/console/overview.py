"""ภาพรวม: (being built)."""
from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("overview", __name__, url_prefix="")


@bp.get("/")
def index() -> str:
    return render_template("console/overview/index.html")
