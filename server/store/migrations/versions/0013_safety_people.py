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
    with op.batch_alter_table("participants") as batch:
        batch.add_column(sa.Column("photo", sa.String(80), nullable=True))
        batch.add_column(sa.Column("photo_consent_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("safety_person", sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("participants") as batch:
        batch.drop_column("safety_person")
        batch.drop_column("photo_consent_at")
        batch.drop_column("photo")
