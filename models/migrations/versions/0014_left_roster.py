"""when a person left the roster (staff.left_at) and when their personal data was erased
(staff.erased_at), for the retention job (models/retention.py, RETENTION_DAYS)

People already off the roster get the last time their row changed as the day they left: it is on
or after the day they really left, so the retention period never ends early for them.

A plain ADD COLUMN, not a batch: SQLite's batch mode re-creates the table, which would drop the
tally triggers of migration 0006.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 11:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("staff", sa.Column("left_at", sa.DateTime(), nullable=True))
    op.add_column("staff", sa.Column("erased_at", sa.DateTime(), nullable=True))
    op.execute("UPDATE staff SET left_at = updated_at WHERE NOT active")


def downgrade() -> None:
    op.execute("ALTER TABLE staff DROP COLUMN erased_at")  # SQLite 3.35+ and PostgreSQL; keeps the triggers
    op.execute("ALTER TABLE staff DROP COLUMN left_at")
