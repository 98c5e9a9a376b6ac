"""intake speed: stored duplicate signatures, the street/time index behind duplicate look-ups, partial
indexes of the open tickets by reply deadline (staff queues, the near-due count) and of a unit's current
assistance (unit staff's scope)

Revision ID: 0007
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0012"
branch_labels = None
depends_on = None

# The open statuses as of this revision (models.enums.OPEN_STATUSES), spelled out: a migration must not
# change when the code does.
OPEN = sa.text("status IN ('received', 'triage', 'dispatched', 'returned', 'accepted', 'responded', "
               "'replied')")


def upgrade() -> None:
    # Existing tickets keep NULL: duplicate detection cleans their text on the fly, as before, and the
    # index rebuild (the sweep) fills in the signatures of the open ones it files.
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("dup_text", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("dup_signature", sa.LargeBinary(), nullable=True))
        batch_op.create_index("ix_tickets_street_received", ["street_id", "received_at"], unique=False)
    for name, columns in (("ix_tickets_open_reply_due", ["reply_due"]),
                          ("ix_tickets_open_unit_due", ["lead_unit_id", "reply_due"])):
        op.create_index(name, "tickets", columns, unique=False, postgresql_where=OPEN, sqlite_where=OPEN)
    op.create_index("ix_assignments_assisting", "assignments", ["unit_id"], unique=False,
                    postgresql_where=sa.text("active IS true AND role = 'assist'"),
                    sqlite_where=sa.text("active IS 1 AND role = 'assist'"))


def downgrade() -> None:
    op.drop_index("ix_assignments_assisting", table_name="assignments")
    op.drop_index("ix_tickets_open_unit_due", table_name="tickets")
    op.drop_index("ix_tickets_open_reply_due", table_name="tickets")
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index("ix_tickets_street_received")
        batch_op.drop_column("dup_signature")
        batch_op.drop_column("dup_text")
