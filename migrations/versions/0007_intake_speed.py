"""intake speed: stored duplicate signatures, the street/time index behind duplicate look-ups

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
    # Existing tickets keep NULL: duplicate detection cleans their text on the fly, as before, and the
    # index rebuild (the sweep) fills in the signatures of the open ones it files.
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("dup_text", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("dup_signature", sa.LargeBinary(), nullable=True))
        batch_op.create_index("ix_tickets_street_received", ["street_id", "received_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index("ix_tickets_street_received")
        batch_op.drop_column("dup_signature")
        batch_op.drop_column("dup_text")
