"""บุคลากร: (being built)."""
from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("staff", __name__, url_prefix="/staff")


@bp.get("/")
def index() -> str:
    return render_template("console/staff/index.html")
