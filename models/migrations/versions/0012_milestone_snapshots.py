"""milestone snapshots, hash-chained: the indicator values frozen at each milestone date, with the
digest of the records they came from, of the audit trail, and of the previous snapshot

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 05:40:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: Union[str, Sequence[str], None] = "0011"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "milestone_snapshots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("taken_for", sa.Date(), nullable=False),
        sa.Column("taken_at", sa.DateTime(), nullable=False),
        sa.Column("values", sa.JSON(), nullable=False),
        sa.Column("content", sa.String(length=64), nullable=False),
        sa.Column("audit_id", sa.Integer(), nullable=True),
        sa.Column("audit_hash", sa.String(length=64), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["plan_id"], ["plans.id"], name=op.f("fk_milestone_snapshots_plan_id_plans")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_milestone_snapshots")),
        sa.UniqueConstraint("plan_id", "taken_for", name=op.f("uq_milestone_snapshots_plan_id_taken_for")),
        sa.UniqueConstraint("plan_id", "prev_hash", name=op.f("uq_milestone_snapshots_plan_id_prev_hash")),
    )


def downgrade() -> None:
    op.drop_table("milestone_snapshots")
