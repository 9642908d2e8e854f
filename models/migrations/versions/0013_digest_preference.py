"""the weekly digest per person: staff.weekly_digest (NULL: the role's default — coordinators get it,
executives do not; true/false: the person's own choice, made in LINE)

A plain ADD COLUMN, not a batch: SQLite's batch mode re-creates the table, which would drop the
tally triggers of migration 0006.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 07:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("staff", sa.Column("weekly_digest", sa.Boolean(), nullable=True))


def downgrade() -> None:
    op.execute("ALTER TABLE staff DROP COLUMN weekly_digest")  # SQLite 3.35+ and PostgreSQL; keeps the triggers
