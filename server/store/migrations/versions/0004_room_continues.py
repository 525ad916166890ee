"""A room names the room of an earlier meeting that it continues (for the scaling history).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_FK = "fk_meeting_rooms_continues_room_id"


def upgrade() -> None:
    # Existing rooms continue nothing: nobody chose a link for them, and guessing one (by position)
    # is exactly what once showed one parent's room the other parent's network.
    if op.get_bind().dialect.name == "sqlite":
        # SQLite cannot add a constraint to a table, and batch mode would copy and drop
        # meeting_rooms, which with foreign keys on deletes every participant. A column may carry
        # its reference inline, though.
        op.execute(
            "ALTER TABLE meeting_rooms ADD COLUMN continues_room_id VARCHAR(64) "
            "REFERENCES meeting_rooms (id) ON DELETE SET NULL"
        )
        return
    op.add_column("meeting_rooms", sa.Column("continues_room_id", sa.String(64), nullable=True))
    op.create_foreign_key(_FK, "meeting_rooms", "meeting_rooms", ["continues_room_id"], ["id"], ondelete="SET NULL")


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(_FK, "meeting_rooms", type_="foreignkey")
    op.drop_column("meeting_rooms", "continues_room_id")
