"""site visits: transport groups, requirements, visitor data

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('visit_details',
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('host_organisation_id', sa.Integer(), nullable=True),
    sa.Column('meeting_point', sa.Text(), nullable=True),
    sa.Column('meeting_address', sa.Text(), nullable=True),
    sa.Column('meeting_latitude', sa.Float(), nullable=True),
    sa.Column('meeting_longitude', sa.Float(), nullable=True),
    sa.Column('meeting_note', sa.Text(), nullable=True),
    sa.Column('departs_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('returns_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('requirements', sa.Text(), server_default='', nullable=False),
    sa.Column('minimum_age', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['host_organisation_id'], ['organisations.id'], name=op.f('fk_visit_details_host_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['session_id'], ['sessions.id'], name=op.f('fk_visit_details_session_id_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('session_id', name=op.f('pk_visit_details'))
    )
    op.create_table('transport_groups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=60), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('seats', sa.Integer(), nullable=False),
    sa.Column('plate', sa.Text(), nullable=True),
    sa.Column('curator_name', sa.Text(), nullable=True),
    sa.Column('curator_phone', sa.String(length=20), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.CheckConstraint('seats > 0', name=op.f('ck_transport_groups_seats_positive')),
    sa.CheckConstraint("kind IN ('bus', 'car')", name=op.f('ck_transport_groups_kind')),
    sa.ForeignKeyConstraint(['session_id'], ['sessions.id'], name=op.f('fk_transport_groups_session_id_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transport_groups')),
    sa.UniqueConstraint('session_id', 'key', name='uq_transport_groups_session_key')
    )
    op.create_table('transport_seats',
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('by_hand', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('assigned_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['transport_groups.id'], name=op.f('fk_transport_seats_group_id_transport_groups'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'], name=op.f('fk_transport_seats_registration_id_registrations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_id'], ['sessions.id'], name=op.f('fk_transport_seats_session_id_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('registration_id', 'session_id', name=op.f('pk_transport_seats'))
    )
    with op.batch_alter_table('transport_seats', schema=None) as batch_op:
        batch_op.create_index('ix_transport_seats_group', ['group_id'], unique=False)
    op.create_table('visitor_data',
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('sealed', sa.Text(), nullable=False),
    sa.Column('consent_version', sa.String(length=32), nullable=False),
    sa.Column('consent_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('consent_ip', sa.String(length=45), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_visitor_data_event_id_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'], name=op.f('fk_visitor_data_registration_id_registrations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('registration_id', name=op.f('pk_visitor_data'))
    )
    with op.batch_alter_table('visitor_data', schema=None) as batch_op:
        batch_op.create_index('ix_visitor_data_event', ['event_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('visitor_data', schema=None) as batch_op:
        batch_op.drop_index('ix_visitor_data_event')
    op.drop_table('visitor_data')
    with op.batch_alter_table('transport_seats', schema=None) as batch_op:
        batch_op.drop_index('ix_transport_seats_group')
    op.drop_table('transport_seats')
    op.drop_table('transport_groups')
    op.drop_table('visit_details')
