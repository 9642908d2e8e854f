"""per-user rich menus: the deployed menus' ids and the LINE accounts linked to the coordinators' menu

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 00:30:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: Union[str, Sequence[str], None] = "0008"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "rich_menus",
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("rich_menu_id", sa.String(length=64), nullable=False),
        sa.Column("deployed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("kind", name=op.f("pk_rich_menus")),
    )
    op.create_table(
        "rich_menu_links",
        sa.Column("line_user_id", sa.String(length=64), nullable=False),
        sa.Column("rich_menu_id", sa.String(length=64), nullable=False),
        sa.Column("linked_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("line_user_id", name=op.f("pk_rich_menu_links")),
    )


def downgrade() -> None:
    op.drop_table("rich_menu_links")
    op.drop_table("rich_menus")
