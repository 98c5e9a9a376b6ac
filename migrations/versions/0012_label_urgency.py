"""labels: urgency and referral corrections (urgency, referral and what routing had predicted); a label
may carry an urgency without a category

Revision ID: 0012
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("labels") as batch:
        batch.add_column(sa.Column("urgency", sa.String(length=20), nullable=True))
        batch.add_column(sa.Column("referral", sa.String(length=20), nullable=True))
        batch.add_column(sa.Column("predicted_urgency", sa.String(length=20), nullable=True))
        batch.add_column(sa.Column("predicted_referral", sa.String(length=20), nullable=True))
        batch.alter_column("category_code", existing_type=sa.String(length=40), nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM labels WHERE category_code IS NULL")
    with op.batch_alter_table("labels") as batch:
        batch.alter_column("category_code", existing_type=sa.String(length=40), nullable=False)
        batch.drop_column("predicted_referral")
        batch.drop_column("predicted_urgency")
        batch.drop_column("referral")
        batch.drop_column("urgency")
