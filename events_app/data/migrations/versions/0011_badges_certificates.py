"""badges, join links, certificates

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('badge_prints',
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('printed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('times', sa.Integer(), server_default='1', nullable=False),
    sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'], name=op.f('fk_badge_prints_registration_id_registrations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('registration_id', name=op.f('pk_badge_prints'))
    )
    op.create_table('badge_legends',
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('label', sa.Text(), nullable=False),
    sa.Column('colour', sa.String(length=7), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_badge_legends_event_id_events'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('event_id', 'category', name=op.f('pk_badge_legends'))
    )
    op.create_table('join_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=43), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('first_joined_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_joined_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('joins', sa.Integer(), server_default='0', nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'], name=op.f('fk_join_links_registration_id_registrations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_id'], ['sessions.id'], name=op.f('fk_join_links_session_id_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_join_links')),
    sa.UniqueConstraint('registration_id', 'session_id', name='uq_join_links_registration_session'),
    sa.UniqueConstraint('token', name=op.f('uq_join_links_token'))
    )
    with op.batch_alter_table('join_links', schema=None) as batch_op:
        batch_op.create_index('ix_join_links_session', ['session_id'], unique=False)

    op.create_table('certificate_rules',
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('min_online', sa.Integer(), server_default='0', nullable=False),
    sa.Column('checkin', sa.String(length=8), server_default='any', nullable=False),
    sa.Column('checkin_day', sa.Date(), nullable=True),
    sa.Column('hours', sa.Integer(), nullable=True),
    sa.Column('signatory', sa.Text(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('min_online >= 0', name=op.f('ck_certificate_rules_min_online')),
    sa.CheckConstraint("checkin IN ('none', 'any', 'day')", name=op.f('ck_certificate_rules_checkin')),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_certificate_rules_event_id_events'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('event_id', name=op.f('pk_certificate_rules'))
    )
    op.create_table('certificates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=24), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=True),
    sa.Column('holder_name', sa.Text(), nullable=True),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_certificates_event_id_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'], name=op.f('fk_certificates_registration_id_registrations'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificates')),
    sa.UniqueConstraint('event_id', 'registration_id', name='uq_certificates_event_registration'),
    sa.UniqueConstraint('number', name=op.f('uq_certificates_number'))
    )


def downgrade() -> None:
    op.drop_table('certificates')
    op.drop_table('certificate_rules')
    with op.batch_alter_table('join_links', schema=None) as batch_op:
        batch_op.drop_index('ix_join_links_session')
    op.drop_table('join_links')
    op.drop_table('badge_legends')
    op.drop_table('badge_prints')
