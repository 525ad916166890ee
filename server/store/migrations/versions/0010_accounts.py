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


def upgrade() -> None:
    with op.batch_alter_table("facilitators") as batch:
        batch.add_column(sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()))
        batch.add_column(sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("totp_secret", sa.String(64), nullable=True))
        batch.add_column(sa.Column("totp_enabled_at", sa.DateTime(timezone=True), nullable=True))
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
    op.create_table(
        "teams",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(120), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    op.create_table(
        "team_members",
        sa.Column("team_id", sa.String(32), sa.ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("facilitator_id", sa.Integer(), _facilitator(), primary_key=True),
    )
    op.create_index("ix_team_members_facilitator_id", "team_members", ["facilitator_id"])
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("team_id", sa.String(32), nullable=True))
        batch.create_foreign_key("fk_cases_team_id", "teams", ["team_id"], ["id"], ondelete="SET NULL")
        batch.create_index("ix_cases_team_id", ["team_id"])
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
    with op.batch_alter_table("facilitator_sessions") as batch:
        batch.add_column(sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("stage", sa.String(16), nullable=False, server_default="full"))
        batch.add_column(sa.Column("via", sa.String(16), nullable=False, server_default="password"))
    # A plain ADD COLUMN: a batch copy of the table would drop the append-only triggers of 0005.
    op.add_column("audit_log", sa.Column("address", sa.String(64), nullable=True))


def downgrade() -> None:
    op.drop_column("audit_log", "address")
    with op.batch_alter_table("facilitator_sessions") as batch:
        batch.drop_column("via")
        batch.drop_column("stage")
        batch.drop_column("last_seen_at")
    op.drop_table("sso_identities")
    op.drop_table("recovery_codes")
    op.drop_table("account_tokens")
    with op.batch_alter_table("cases") as batch:
        batch.drop_index("ix_cases_team_id")
        batch.drop_constraint("fk_cases_team_id", type_="foreignkey")
        batch.drop_column("team_id")
    op.drop_table("team_members")
    op.drop_table("teams")
    op.drop_table("facilitator_roles")
    with op.batch_alter_table("facilitators") as batch:
        batch.drop_column("totp_enabled_at")
        batch.drop_column("totp_secret")
        batch.drop_column("last_login_at")
        batch.drop_column("active")
