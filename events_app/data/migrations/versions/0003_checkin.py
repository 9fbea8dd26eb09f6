"""door check-in: devices, lists, check-ins, scan log

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('checkin_list_states',
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_checkin_list_states_event_id_events'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('event_id', 'name', name=op.f('pk_checkin_list_states'))
    )
    op.create_table('devices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('default_list', sa.String(length=40), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('pairing_hash', sa.String(length=64), nullable=True),
    sa.Column('paired_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.current_timestamp(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_devices_event_id_events'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_devices')),
    sa.UniqueConstraint('pairing_hash', name=op.f('uq_devices_pairing_hash')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_devices_token_hash'))
    )
    op.create_table('checkins',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('list_name', sa.String(length=40), nullable=False),
    sa.Column('type', sa.String(length=8), nullable=False),
    sa.Column('nonce', sa.String(length=64), nullable=False),
    sa.Column('device_id', sa.Integer(), nullable=False),
    sa.Column('scanned_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('offline', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.CheckConstraint("type IN ('entry', 'exit')", name=op.f('ck_checkins_type')),
    sa.ForeignKeyConstraint(['device_id'], ['devices.id'], name=op.f('fk_checkins_device_id_devices')),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_checkins_event_id_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'], name=op.f('fk_checkins_registration_id_registrations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checkins')),
    sa.UniqueConstraint('nonce', name=op.f('uq_checkins_nonce'))
    )
    with op.batch_alter_table('checkins', schema=None) as batch_op:
        batch_op.create_index('ix_checkins_event_list', ['event_id', 'list_name', 'recorded_at'], unique=False)
        batch_op.create_index('ix_checkins_registration_list', ['registration_id', 'list_name', 'id'], unique=False)

    op.create_table('scan_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('nonce', sa.String(length=64), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('device_id', sa.Integer(), nullable=False),
    sa.Column('list_name', sa.String(length=40), nullable=False),
    sa.Column('type', sa.String(length=8), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('reason', sa.String(length=24), nullable=True),
    sa.Column('scanned_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('offline', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['device_id'], ['devices.id'], name=op.f('fk_scan_log_device_id_devices')),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_scan_log_event_id_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_scan_log_ticket_id_tickets'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scan_log')),
    sa.UniqueConstraint('nonce', name=op.f('uq_scan_log_nonce'))
    )
    with op.batch_alter_table('scan_log', schema=None) as batch_op:
        batch_op.create_index('ix_scan_log_event_list', ['event_id', 'list_name', 'id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('scan_log', schema=None) as batch_op:
        batch_op.drop_index('ix_scan_log_event_list')

    op.drop_table('scan_log')
    with op.batch_alter_table('checkins', schema=None) as batch_op:
        batch_op.drop_index('ix_checkins_registration_list')
        batch_op.drop_index('ix_checkins_event_list')

    op.drop_table('checkins')
    op.drop_table('devices')
    op.drop_table('checkin_list_states')
