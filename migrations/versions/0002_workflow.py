"""workflow: deadlines, outcomes, extensions, labels

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 20:05:07.619225
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.types


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


STATUSES_BEFORE = ("received", "triage", "dispatched", "accepted", "responded", "replied", "closed", "answered",
                   "rejected", "merged")
STATUSES_AFTER = STATUSES_BEFORE + ("returned",)


def _status_check(statuses) -> str:
    return "status IN (" + ", ".join(f"'{status}'" for status in statuses) + ")"


def upgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_tickets_status'), type_='check')
        batch_op.create_check_constraint(op.f('ck_tickets_status'), _status_check(STATUSES_AFTER))
    op.create_table('extensions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('days', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('requested_by', sa.String(length=100), nullable=False),
    sa.Column('requested_at', models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('decided_by', sa.String(length=100), nullable=True),
    sa.Column('decided_at', models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('old_due', models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('new_due', models.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_extensions_ticket_id_tickets')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_extensions_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_extensions'))
    )
    with op.batch_alter_table('extensions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_extensions_ticket_id'), ['ticket_id'], unique=False)

    op.create_table('labels',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('category_code', sa.String(length=40), nullable=False),
    sa.Column('predicted_code', sa.String(length=40), nullable=True),
    sa.Column('source', sa.String(length=30), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('created_at', models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_labels_ticket_id_tickets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_labels'))
    )
    with op.batch_alter_table('labels', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_labels_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_labels_ticket_id'), ['ticket_id'], unique=False)

    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('accept_due', models.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('respond_due', models.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('reply_due', models.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('followup_due', models.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('dispatched_at', models.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('accepted_at', models.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('responded_at', models.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('replied_at', models.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('closed_at', models.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('overdue', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('overdue_stages', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('escalation_level', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('next_check_at', models.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('jobs_owed', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('reply_text', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('unit_resolved', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('resolved', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('satisfaction', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('rated_at', models.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('reopen_count', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('excluded', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('exclude_reason', sa.Text(), nullable=True))
        batch_op.create_index(batch_op.f('ix_tickets_jobs_owed'), ['jobs_owed'], unique=False)
        batch_op.create_index(batch_op.f('ix_tickets_next_check_at'), ['next_check_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_tickets_overdue'), ['overdue'], unique=False)

    # ### end Alembic commands ###


def downgrade() -> None:
    # ### commands auto generated by Alembic - please adjust! ###
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tickets_overdue'))
        batch_op.drop_index(batch_op.f('ix_tickets_next_check_at'))
        batch_op.drop_index(batch_op.f('ix_tickets_jobs_owed'))
        batch_op.drop_column('exclude_reason')
        batch_op.drop_column('excluded')
        batch_op.drop_column('reopen_count')
        batch_op.drop_column('rated_at')
        batch_op.drop_column('satisfaction')
        batch_op.drop_column('resolved')
        batch_op.drop_column('unit_resolved')
        batch_op.drop_column('reply_text')
        batch_op.drop_column('jobs_owed')
        batch_op.drop_column('next_check_at')
        batch_op.drop_column('escalation_level')
        batch_op.drop_column('overdue_stages')
        batch_op.drop_column('overdue')
        batch_op.drop_column('closed_at')
        batch_op.drop_column('replied_at')
        batch_op.drop_column('responded_at')
        batch_op.drop_column('accepted_at')
        batch_op.drop_column('dispatched_at')
        batch_op.drop_column('followup_due')
        batch_op.drop_column('reply_due')
        batch_op.drop_column('respond_due')
        batch_op.drop_column('accept_due')

    with op.batch_alter_table('labels', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_labels_ticket_id'))
        batch_op.drop_index(batch_op.f('ix_labels_created_at'))

    op.drop_table('labels')
    with op.batch_alter_table('extensions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_extensions_ticket_id'))

    op.drop_table('extensions')
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_tickets_status'), type_='check')
        batch_op.create_check_constraint(op.f('ck_tickets_status'), _status_check(STATUSES_BEFORE))
