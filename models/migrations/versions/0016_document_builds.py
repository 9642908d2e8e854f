"""document_builds: documents made outside the request that asked for them (the evidence pack),
waiting, being made, ready for a day, failed or expired

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04 23:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | Sequence[str] | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "document_builds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("thai_digits", sa.Boolean(), nullable=False),
        sa.Column("names", sa.Boolean(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("via", sa.String(length=10), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("stored_name", sa.String(length=64), nullable=True),
        sa.Column("size", sa.Integer(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("error", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(["plan_id"], ["plans.id"], name=op.f("fk_document_builds_plan_id_plans"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["requested_by_id"], ["staff.id"], name=op.f("fk_document_builds_requested_by_id_staff"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_builds")),
    )
    op.create_index(op.f("ix_document_builds_plan_id"), "document_builds", ["plan_id"], unique=False)
    op.create_index(op.f("ix_document_builds_state"), "document_builds", ["state"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_document_builds_state"), table_name="document_builds")
    op.drop_index(op.f("ix_document_builds_plan_id"), table_name="document_builds")
    op.drop_table("document_builds")
