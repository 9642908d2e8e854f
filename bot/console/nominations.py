"""เสนอชื่อ: (being built)."""
from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("nominations", __name__, url_prefix="/nominations")


@bp.get("/")
def index() -> str:
    return render_template("console/nominations/index.html")
