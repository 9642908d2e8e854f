"""join the nominations and outbox branches; index staff.active

Revision ID: 0005
Revises: 0003, 0004
Create Date: 2026-11-24 20:35:00
"""
from typing import Sequence, Union

from alembic import op

revision: str = "0005"
down_revision: Union[str, Sequence[str], None] = ("0003", "0004")
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    # Counting the people on the roster (every acknowledgment's progress line) reads this index.
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staff_active"), ["active"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_active"))
