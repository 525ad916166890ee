"""Facilitators, sessions, cases, meetings, rooms, participants and the audit log.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "facilitators",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("email", sa.String(254), nullable=False, unique=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("created_at", _TS, server_default=sa.func.now(), nullable=False),
    )
    op.create_table(
        "facilitator_sessions",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("facilitator_id", sa.Integer(), sa.ForeignKey("facilitators.id", ondelete="CASCADE"), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("expires_at", _TS, nullable=False),
    )
    op.create_index("ix_facilitator_sessions_facilitator_id", "facilitator_sessions", ["facilitator_id"])
    op.create_table(
        "cases",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("label", sa.String(120), nullable=False),
        sa.Column("created_at", _TS, server_default=sa.func.now(), nullable=False),
    )
    op.create_table(
        "case_facilitators",
        sa.Column("case_id", sa.String(32), sa.ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True),
        sa.Column(
            "facilitator_id", sa.Integer(), sa.ForeignKey("facilitators.id", ondelete="CASCADE"), primary_key=True
        ),
    )
    op.create_table(
        "meetings",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("case_id", sa.String(32), sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("admit_all", sa.Boolean(), nullable=False),
        sa.Column("created_at", _TS, server_default=sa.func.now(), nullable=False),
        sa.Column("closed_at", _TS, nullable=True),
    )
    op.create_index("ix_meetings_case_id", "meetings", ["case_id"])
    op.create_table(
        "meeting_rooms",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("meeting_id", sa.String(32), sa.ForeignKey("meetings.id", ondelete="CASCADE"), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("join_code", sa.String(16), nullable=True, unique=True),
        sa.Column("locked", sa.Boolean(), nullable=False),
        sa.Column("projector_token_hash", sa.String(64), nullable=True, unique=True),
    )
    op.create_index("ix_meeting_rooms_meeting_id", "meeting_rooms", ["meeting_id"])
    op.create_table(
        "participants",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("room_id", sa.String(64), sa.ForeignKey("meeting_rooms.id", ondelete="CASCADE"), nullable=False),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("relation", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("token_expires_at", _TS, nullable=False),
        sa.Column("created_at", _TS, server_default=sa.func.now(), nullable=False),
    )
    op.create_index("ix_participants_room_id", "participants", ["room_id"])
    op.create_table(
        "audit_log",
        sa.Column("id", _BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("at", _TS, server_default=sa.func.now(), nullable=False),
        sa.Column("actor_kind", sa.String(16), nullable=False),
        sa.Column("actor_id", sa.String(64), nullable=True),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("case_id", sa.String(32), nullable=True),
        sa.Column("meeting_id", sa.String(32), nullable=True),
        sa.Column("room_id", sa.String(64), nullable=True),
        sa.Column("on_behalf_of", sa.String(64), nullable=True),
        sa.Column("detail", sa.String(200), nullable=True),
    )
    op.create_index("ix_audit_log_case_id", "audit_log", ["case_id"])
    op.create_index("ix_audit_log_meeting_id", "audit_log", ["meeting_id"])


def downgrade() -> None:
    for table in (
        "audit_log",
        "participants",
        "meeting_rooms",
        "meetings",
        "case_facilitators",
        "cases",
        "facilitator_sessions",
        "facilitators",
    ):
        op.drop_table(table)
