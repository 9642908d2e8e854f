"""evidence per indicator: items (a file, a link or a note) and the records on top of them (the 2.2
order, 4.2 awards, 4.3 publicity, 4.4 lessons learned, the 4.5 confirmation)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 01:45:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: Union[str, Sequence[str], None] = "0009"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("indicator_code", sa.String(length=16), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("record", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=True),
        sa.Column("dated", sa.Date(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("removed_at", sa.DateTime(), nullable=True),
        sa.Column("removed_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["plan_id"], ["plans.id"], name=op.f("fk_evidence_plan_id_plans"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["activity_id"], ["activities.id"], name=op.f("fk_evidence_activity_id_activities"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["file_id"], ["files.id"], name=op.f("fk_evidence_file_id_files"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["staff.id"], name=op.f("fk_evidence_recorded_by_id_staff")),
        sa.ForeignKeyConstraint(["removed_by_id"], ["staff.id"], name=op.f("fk_evidence_removed_by_id_staff")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence")),
    )
    op.create_index(op.f("ix_evidence_plan_id"), "evidence", ["plan_id"])
    op.create_index(op.f("ix_evidence_activity_id"), "evidence", ["activity_id"])
    op.create_index("ix_evidence_plan_indicator", "evidence", ["plan_id", "indicator_code"])

    def on_evidence(name: str, *columns: sa.Column) -> None:
        op.create_table(
            name,
            sa.Column("evidence_id", sa.Integer(), nullable=False),
            *columns,
            sa.ForeignKeyConstraint(["evidence_id"], ["evidence.id"], name=op.f(f"fk_{name}_evidence_id_evidence"),
                                    ondelete="CASCADE"),
            sa.PrimaryKeyConstraint("evidence_id", name=op.f(f"pk_{name}")),
        )

    on_evidence("evidence_orders", sa.Column("number", sa.String(length=40), nullable=False),
                sa.Column("signer", sa.String(length=200), nullable=False))
    on_evidence("evidence_awards", sa.Column("issuer", sa.String(length=300), nullable=False),
                sa.Column("award_kind", sa.String(length=20), nullable=False))
    on_evidence("evidence_publicity", sa.Column("channel", sa.String(length=20), nullable=False))
    on_evidence("evidence_lessons", sa.Column("done", sa.Text(), nullable=False),
                sa.Column("results", sa.Text(), nullable=False), sa.Column("worked", sa.Text(), nullable=False),
                sa.Column("problems", sa.Text(), nullable=False), sa.Column("improvements", sa.Text(), nullable=False),
                sa.Column("sent_on", sa.Date(), nullable=True),
                sa.Column("acknowledged_by", sa.String(length=200), nullable=False),
                sa.Column("acknowledged_on", sa.Date(), nullable=True))
    on_evidence("evidence_confirmations", sa.Column("confirmed_by", sa.String(length=200), nullable=False),
                sa.Column("position", sa.String(length=200), nullable=False),
                sa.Column("statement", sa.Text(), nullable=False))


def downgrade() -> None:
    for name in ("evidence_confirmations", "evidence_lessons", "evidence_publicity", "evidence_awards",
                 "evidence_orders"):
        op.drop_table(name)
    op.drop_index("ix_evidence_plan_indicator", table_name="evidence")
    op.drop_index(op.f("ix_evidence_activity_id"), table_name="evidence")
    op.drop_index(op.f("ix_evidence_plan_id"), table_name="evidence")
    op.drop_table("evidence")
