"""city_settings: the SLA policy and scoring settings an administrator edited in the browser

Revision ID: 0013
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.types

revision = "0013"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "city_settings",
        sa.Column("key", sa.String(length=50), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.Column("updated_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_city_settings")),
    )


def downgrade() -> None:
    op.drop_table("city_settings")
