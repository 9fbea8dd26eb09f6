"""registrations, tickets, outbox, rate limits

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('recipient', sa.Text(), nullable=False),
    sa.Column('subject', sa.Text(), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=12), server_default='pending', nullable=False),
    sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.current_timestamp(), nullable=False),
    sa.CheckConstraint("status IN ('pending', 'sent')", name=op.f('ck_outbox_status')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox'))
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_due', ['status', 'next_attempt_at'], unique=False)

    op.create_table('rate_limits',
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('window_start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('hits', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('key', 'window_start', name=op.f('pk_rate_limits'))
    )
    op.create_table('registrations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('surname', sa.Text(), nullable=True),
    sa.Column('given_name', sa.Text(), nullable=True),
    sa.Column('patronymic', sa.Text(), nullable=True),
    sa.Column('email', sa.Text(), nullable=True),
    sa.Column('phone', sa.String(length=16), nullable=True),
    sa.Column('organisation_name', sa.Text(), nullable=True),
    sa.Column('organisation_inn', sa.String(length=12), nullable=True),
    sa.Column('position', sa.Text(), nullable=True),
    sa.Column('region_code', sa.String(length=2), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('consent_version', sa.String(length=32), nullable=False),
    sa.Column('consent_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('consent_ip', sa.String(length=45), nullable=True),
    sa.Column('decision_reason', sa.Text(), nullable=True),
    sa.Column('language', sa.String(length=2), server_default='ru', nullable=False),
    sa.Column('calendar_token', sa.String(length=43), nullable=True),
    sa.Column('link_version', sa.Integer(), server_default='0', nullable=False),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.current_timestamp(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.current_timestamp(), nullable=False),
    sa.CheckConstraint("status IN ('pending', 'confirmed', 'waitlisted', 'rejected', 'cancelled')", name=op.f('ck_registrations_status')),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_registrations_event_id_events'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registrations')),
    sa.UniqueConstraint('calendar_token', name=op.f('uq_registrations_calendar_token'))
    )
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.create_index('ix_registrations_email', ['email'], unique=False)
        batch_op.create_index('ix_registrations_event_status', ['event_id', 'status', 'id'], unique=False)

    op.create_table('registration_days',
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'], name=op.f('fk_registration_days_registration_id_registrations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('registration_id', 'day', name=op.f('pk_registration_days'))
    )
    op.create_table('tickets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('secret', sa.String(length=32), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'], name=op.f('fk_tickets_registration_id_registrations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tickets')),
    sa.UniqueConstraint('secret', name=op.f('uq_tickets_secret'))
    )
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.create_index('ix_tickets_registration', ['registration_id'], unique=False)

    op.create_table('registration_choices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.current_timestamp(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.current_timestamp(), nullable=False),
    sa.CheckConstraint("status IN ('confirmed', 'waitlisted')", name=op.f('ck_registration_choices_status')),
    sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'], name=op.f('fk_registration_choices_registration_id_registrations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_id'], ['sessions.id'], name=op.f('fk_registration_choices_session_id_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registration_choices')),
    sa.UniqueConstraint('registration_id', 'session_id', name='uq_registration_choices_registration_session')
    )
    with op.batch_alter_table('registration_choices', schema=None) as batch_op:
        batch_op.create_index('ix_registration_choices_session_status', ['session_id', 'status', 'id'], unique=False)

    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('capacity', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('moderation', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('registration_opens_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('registration_closes_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('consent_version', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('consent_text', sa.Text(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_column('consent_text')
        batch_op.drop_column('consent_version')
        batch_op.drop_column('registration_closes_at')
        batch_op.drop_column('registration_opens_at')
        batch_op.drop_column('moderation')
        batch_op.drop_column('capacity')

    with op.batch_alter_table('registration_choices', schema=None) as batch_op:
        batch_op.drop_index('ix_registration_choices_session_status')

    op.drop_table('registration_choices')
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_index('ix_tickets_registration')

    op.drop_table('tickets')
    op.drop_table('registration_days')
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.drop_index('ix_registrations_event_status')
        batch_op.drop_index('ix_registrations_email')

    op.drop_table('registrations')
    op.drop_table('rate_limits')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_due')

    op.drop_table('outbox')
