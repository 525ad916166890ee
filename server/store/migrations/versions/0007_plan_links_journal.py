"""The network's personal links to their room's plan, and the safety journal's reports.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "plan_links",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("room_id", sa.String(64), sa.ForeignKey("meeting_rooms.id", ondelete="CASCADE"), nullable=False),
        sa.Column(
            "participant_id", sa.String(32), sa.ForeignKey("participants.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_plan_links_room_id", "plan_links", ["room_id"])
    op.create_index("ix_plan_links_participant_id", "plan_links", ["participant_id"])
    op.create_table(
        "journal_entries",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("room_id", sa.String(64), sa.ForeignKey("meeting_rooms.id", ondelete="CASCADE"), nullable=False),
        sa.Column(
            "participant_id", sa.String(32), sa.ForeignKey("participants.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("rule_id", sa.String(128), nullable=False),
        sa.Column("verdict", sa.String(16), nullable=False),
        sa.Column("note", sa.String(500), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_journal_entries_room_id", "journal_entries", ["room_id"])
    op.create_index("ix_journal_entries_participant_id", "journal_entries", ["participant_id"])


def downgrade() -> None:
    op.drop_index("ix_journal_entries_participant_id", table_name="journal_entries")
    op.drop_index("ix_journal_entries_room_id", table_name="journal_entries")
    op.drop_table("journal_entries")
    op.drop_index("ix_plan_links_participant_id", table_name="plan_links")
    op.drop_index("ix_plan_links_room_id", table_name="plan_links")
    op.drop_table("plan_links")
