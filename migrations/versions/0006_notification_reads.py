"""notification_reads: read state per person instead of one flag per notification

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.types

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notification_reads",
        sa.Column("notification_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("read_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["notification_id"], ["notifications.id"], ondelete="CASCADE",
                                name=op.f("fk_notification_reads_notification_id_notifications")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE",
                                name=op.f("fk_notification_reads_user_id_users")),
        sa.PrimaryKeyConstraint("notification_id", "user_id", name=op.f("pk_notification_reads")),
    )
    with op.batch_alter_table("notification_reads", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notification_reads_user_id"), ["user_id"], unique=False)
    # The old shared flag cannot say who read a notice, so it is not carried over: a notice read by
    # one person becomes unread for everyone, which errs on the side of being seen.
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index("ix_notifications_audience")
        batch_op.drop_column("read_at")
        batch_op.create_index("ix_notifications_audience", ["audience", "unit_id", "created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index("ix_notifications_audience")
        batch_op.add_column(sa.Column("read_at", models.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index("ix_notifications_audience", ["audience", "unit_id", "read_at"], unique=False)
    op.execute(
        "UPDATE notifications SET read_at = "
        "(SELECT MIN(r.read_at) FROM notification_reads r WHERE r.notification_id = notifications.id)"
    )
    with op.batch_alter_table("notification_reads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notification_reads_user_id"))
    op.drop_table("notification_reads")
