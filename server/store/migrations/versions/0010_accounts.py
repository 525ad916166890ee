"""An organisation runs it: roles, teams, one-time account links, second factor, single sign-on, and
where an audited access came from.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def _facilitator() -> sa.ForeignKey:
    return sa.ForeignKey("facilitators.id", ondelete="CASCADE")


def _create_teams() -> None:
    op.create_table(
        "teams",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(120), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )


def upgrade() -> None:
    # Columns are added in place: a batch copy of `facilitators` would cascade into every session and
    # case link on SQLite.
    op.add_column("facilitators", sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()))
    op.add_column("facilitators", sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("facilitators", sa.Column("totp_secret", sa.String(64), nullable=True))
    op.add_column("facilitators", sa.Column("totp_enabled_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "facilitator_roles",
        sa.Column("facilitator_id", sa.Integer(), _facilitator(), primary_key=True),
        sa.Column("role", sa.String(24), primary_key=True),
    )
    # Every account made before roles existed was a facilitator; the first of them ran the place.
    op.execute("INSERT INTO facilitator_roles (facilitator_id, role) SELECT id, 'facilitator' FROM facilitators")
    op.execute(
        "INSERT INTO facilitator_roles (facilitator_id, role) "
        "SELECT MIN(id), 'admin' FROM facilitators HAVING COUNT(*) > 0"
    )
    # A SQLite store taken down to 0009 and up again still has these two (see downgrade()).
    existing = sa.inspect(op.get_bind())
    kept_teams = existing.has_table("teams")
    kept_team_id = "team_id" in {c["name"] for c in existing.get_columns("cases")}
    if not kept_teams:
        _create_teams()
    op.create_table(
        "team_members",
        sa.Column("team_id", sa.String(32), sa.ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("facilitator_id", sa.Integer(), _facilitator(), primary_key=True),
    )
    op.create_index("ix_team_members_facilitator_id", "team_members", ["facilitator_id"])
    if kept_team_id:
        pass
    elif op.get_bind().dialect.name == "sqlite":
        # Not batch mode: copying and dropping `cases` with foreign keys on would delete every meeting
        # (0004 says the same of meeting_rooms). A column added in place may carry its reference inline.
        op.execute("ALTER TABLE cases ADD COLUMN team_id VARCHAR(32) REFERENCES teams (id) ON DELETE SET NULL")
    else:
        op.add_column("cases", sa.Column("team_id", sa.String(32), nullable=True))
        op.create_foreign_key("fk_cases_team_id", "cases", "teams", ["team_id"], ["id"], ondelete="SET NULL")
    if not kept_team_id:
        op.create_index("ix_cases_team_id", "cases", ["team_id"])
    op.create_table(
        "account_tokens",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("facilitator_id", sa.Integer(), _facilitator(), nullable=False),
        sa.Column("purpose", sa.String(16), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_account_tokens_facilitator_id", "account_tokens", ["facilitator_id"])
    op.create_table(
        "recovery_codes",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("facilitator_id", sa.Integer(), _facilitator(), nullable=False),
        sa.Column("code_hash", sa.String(255), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_recovery_codes_facilitator_id", "recovery_codes", ["facilitator_id"])
    op.create_table(
        "sso_identities",
        sa.Column("issuer", sa.String(255), primary_key=True),
        sa.Column("subject", sa.String(255), primary_key=True),
        sa.Column("facilitator_id", sa.Integer(), _facilitator(), nullable=False),
    )
    op.create_index("ix_sso_identities_facilitator_id", "sso_identities", ["facilitator_id"])
    op.add_column("facilitator_sessions", sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("facilitator_sessions", sa.Column("stage", sa.String(16), nullable=False, server_default="full"))
    op.add_column("facilitator_sessions", sa.Column("via", sa.String(16), nullable=False, server_default="password"))
    # A plain ADD COLUMN: a batch copy of the table would drop the append-only triggers of 0005.
    op.add_column("audit_log", sa.Column("address", sa.String(64), nullable=True))


def downgrade() -> None:
    op.drop_column("audit_log", "address")
    # In place (SQLite 3.35+), never a table copy: see upgrade().
    for column in ("via", "stage", "last_seen_at"):
        op.drop_column("facilitator_sessions", column)
    op.drop_table("sso_identities")
    op.drop_table("recovery_codes")
    op.drop_table("account_tokens")
    if op.get_bind().dialect.name != "sqlite":
        op.drop_index("ix_cases_team_id", "cases")
        op.drop_constraint("fk_cases_team_id", "cases", type_="foreignkey")
    # SQLite drops a column in place (3.35+) unless it carries a reference: then only a copy would do,
    # and a copy deletes the meetings; the unused column (and the table it refers to) stays.
    if op.get_bind().dialect.name != "sqlite":
        op.drop_column("cases", "team_id")
    op.drop_table("team_members")
    if op.get_bind().dialect.name != "sqlite":
        op.drop_table("teams")  # on SQLite the kept cases.team_id still refers to it
    op.drop_table("facilitator_roles")
    for column in ("totp_enabled_at", "totp_secret", "last_login_at", "active"):
        op.drop_column("facilitators", column)
