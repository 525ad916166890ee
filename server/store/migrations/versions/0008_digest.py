"""The daily review digest's claims: one row per facilitator and day, so it goes out once.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "digests_sent",
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column(
            "facilitator_id",
            sa.Integer(),
            sa.ForeignKey("facilitators.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("claimed_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("digests_sent")
