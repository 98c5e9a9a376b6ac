"""api_keys: a key's name is unique within its channel (idempotency and limits are keyed by the key's id)

Revision ID: 0009
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Keys that already share a name in a channel keep the oldest's name; the others get their prefix.
    connection = op.get_bind()
    keys = sa.table("api_keys", sa.column("id", sa.Integer), sa.column("name", sa.String),
                    sa.column("channel", sa.String), sa.column("prefix", sa.String))
    seen: set[tuple[str, str]] = set()
    for key_id, name, channel, prefix in connection.execute(
            sa.select(keys.c.id, keys.c.name, keys.c.channel, keys.c.prefix).order_by(keys.c.id)).all():
        if (channel, name) in seen:
            connection.execute(keys.update().where(keys.c.id == key_id).values(name=f"{name[:80]}-{prefix}"))
        seen.add((channel, name))
    with op.batch_alter_table("api_keys") as batch:
        batch.create_unique_constraint(op.f("uq_api_keys_channel"), ["channel", "name"])


def downgrade() -> None:
    with op.batch_alter_table("api_keys") as batch:
        batch.drop_constraint(op.f("uq_api_keys_channel"), type_="unique")
