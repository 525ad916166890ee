"""The safety-network register per case.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "network_members",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("case_id", sa.String(32), sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("relation", sa.String(32), nullable=False),
        sa.Column("role", sa.String(500), nullable=False),
        sa.Column("knows_worries", sa.Boolean(), nullable=False),
        sa.Column("contact", sa.String(500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    op.create_index("ix_network_members_case_id", "network_members", ["case_id"])


def downgrade() -> None:
    op.drop_index("ix_network_members_case_id", table_name="network_members")
    op.drop_table("network_members")
