"""The children's version's safety people: a participant's photo, kept only with their consent, and
whether the facilitator counts them as a safety person (null: if they carry a rule).

Revision ID: 0013
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # In place, never a batch copy: dropping `participants` would cascade into plan links and journals.
    op.add_column("participants", sa.Column("photo", sa.String(80), nullable=True))
    op.add_column("participants", sa.Column("photo_consent_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("participants", sa.Column("safety_person", sa.Boolean(), nullable=True))


def downgrade() -> None:
    for column in ("safety_person", "photo_consent_at", "photo"):
        op.drop_column("participants", column)
