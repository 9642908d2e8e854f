"""activity plan columns (indicator 2.1): the target virtue, the problem to solve, the good to do, the
indicator it serves, the budget and the budget used

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 05:40:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: Union[str, Sequence[str], None] = "0010"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

TEXTS = (("virtue", sa.String(length=20)), ("problem", sa.Text()), ("good", sa.Text()),
         ("indicator_code", sa.String(length=16)))
SUMS = ("budget", "budget_used")


def upgrade() -> None:
    with op.batch_alter_table("activities") as batch:
        for name, type_ in TEXTS:
            batch.add_column(sa.Column(name, type_, server_default="", nullable=False))
        for name in SUMS:
            batch.add_column(sa.Column(name, sa.Numeric(precision=12, scale=2), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("activities") as batch:
        for name in (*reversed(SUMS), *(name for name, _ in reversed(TEXTS))):
            batch.drop_column(name)
