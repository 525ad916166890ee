"""The TOTP time step a person's last accepted code belonged to: a code works once (RFC 6238, 5.2).

Revision ID: 0011
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # In place, never a batch copy (0010 says why).
    op.add_column("facilitators", sa.Column("totp_last_step", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    op.drop_column("facilitators", "totp_last_step")
