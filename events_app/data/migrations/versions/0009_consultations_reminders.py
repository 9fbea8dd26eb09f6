"""consultations, reminders, the cross-event cabinet; the consultant role

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

OLD_ROLES = "role IN ('organiser', 'door', 'expert')"
NEW_ROLES = "role IN ('organiser', 'door', 'expert', 'consultant')"


def _staff_roles(check: str) -> sa.Table:
    # The table as it stands, with the role check wanted: SQLite rebuilds the table from this.
    metadata = sa.MetaData()
    # Only their keys: enough for the foreign keys below to resolve.
    sa.Table('staff', metadata, sa.Column('id', sa.Integer(), primary_key=True))
    sa.Table('events', metadata, sa.Column('id', sa.Integer(), primary_key=True))
    return sa.Table(
        'staff_roles', metadata,
        sa.Column('staff_id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('role', sa.String(length=16), nullable=False),
        sa.Column('visitor_data', sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.CheckConstraint(check, name='ck_staff_roles_role'),
        sa.ForeignKeyConstraint(['event_id'], ['events.id'], name='fk_staff_roles_event_id_events', ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name='fk_staff_roles_staff_id_staff', ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('staff_id', 'event_id', 'role', name='pk_staff_roles'),
    )


def _change_roles(check: str) -> None:
    if op.get_bind().dialect.name == 'sqlite':
        with op.batch_alter_table('staff_roles', copy_from=_staff_roles(check), recreate='always'):
            pass
    else:
        op.drop_constraint(op.f('ck_staff_roles_role'), 'staff_roles', type_='check')
        op.create_check_constraint(op.f('ck_staff_roles_role'), 'staff_roles', check)


def upgrade() -> None:
    _change_roles(NEW_ROLES)
    op.create_table('consultation_slots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=True),
    sa.Column('topic', sa.Text(), nullable=False),
    sa.Column('specialist_name', sa.Text(), nullable=False),
    sa.Column('specialist_staff_id', sa.Integer(), nullable=True),
    sa.Column('centre', sa.Text(), nullable=True),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('place', sa.Text(), nullable=True),
    sa.Column('online_url', sa.Text(), nullable=True),
    sa.Column('sequence', sa.Integer(), server_default='0', nullable=False),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.current_timestamp(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.current_timestamp(), nullable=False),
    sa.CheckConstraint('minutes > 0 AND minutes <= 480', name=op.f('ck_consultation_slots_minutes')),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_consultation_slots_event_id_events'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['specialist_staff_id'], ['staff.id'], name=op.f('fk_consultation_slots_specialist_staff_id_staff'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consultation_slots'))
    )
    op.create_index('ix_consultation_slots_starts', 'consultation_slots', ['starts_at'], unique=False)
    op.create_table('consultation_bookings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slot_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('surname', sa.Text(), nullable=True),
    sa.Column('given_name', sa.Text(), nullable=True),
    sa.Column('patronymic', sa.Text(), nullable=True),
    sa.Column('email', sa.Text(), nullable=True),
    sa.Column('phone', sa.String(length=16), nullable=True),
    sa.Column('organisation_name', sa.Text(), nullable=True),
    sa.Column('organisation_inn', sa.String(length=12), nullable=True),
    sa.Column('consent_version', sa.String(length=32), nullable=False),
    sa.Column('consent_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('consent_ip', sa.String(length=45), nullable=True),
    sa.Column('language', sa.String(length=2), server_default='ru', nullable=False),
    sa.Column('secret', sa.String(length=43), nullable=False),
    sa.Column('outcome', sa.String(length=8), nullable=True),
    sa.Column('staff_note', sa.Text(), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.current_timestamp(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.current_timestamp(), nullable=False),
    sa.CheckConstraint("status IN ('booked', 'cancelled')", name=op.f('ck_consultation_bookings_status')),
    sa.CheckConstraint("outcome IS NULL OR outcome IN ('held', 'no_show')", name=op.f('ck_consultation_bookings_outcome')),
    sa.ForeignKeyConstraint(['slot_id'], ['consultation_slots.id'], name=op.f('fk_consultation_bookings_slot_id_consultation_slots'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consultation_bookings')),
    sa.UniqueConstraint('secret', name=op.f('uq_consultation_bookings_secret'))
    )
    op.create_index('uq_consultation_bookings_active_slot', 'consultation_bookings', ['slot_id'], unique=True,
                    sqlite_where=sa.text("status = 'booked'"), postgresql_where=sa.text("status = 'booked'"))
    op.create_index('ix_consultation_bookings_email', 'consultation_bookings', ['email'], unique=False)
    op.create_table('reminders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('subject', sa.String(length=64), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=True),
    sa.Column('subject_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_by', sa.String(length=64), nullable=True),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.current_timestamp(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_reminders_event_id_events'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reminders')),
    sa.UniqueConstraint('kind', 'subject', name='uq_reminders_kind_subject')
    )
    op.create_index('ix_reminders_due', 'reminders', ['sent_at', 'due_at'], unique=False)
    op.create_table('reminder_settings',
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('day_before_at', sa.String(length=5), server_default='10:00', nullable=False),
    sa.Column('day_before', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('consultation_day_before', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('consultation_hour_before', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_reminder_settings_event_id_events'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('event_id', name=op.f('pk_reminder_settings'))
    )
    op.create_table('cabinet_links',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('email', sa.Text(), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.current_timestamp(), nullable=False),
    sa.PrimaryKeyConstraint('token_hash', name=op.f('pk_cabinet_links'))
    )


def downgrade() -> None:
    op.drop_table('cabinet_links')
    op.drop_table('reminder_settings')
    op.drop_index('ix_reminders_due', table_name='reminders')
    op.drop_table('reminders')
    op.drop_index('ix_consultation_bookings_email', table_name='consultation_bookings')
    op.drop_index('uq_consultation_bookings_active_slot', table_name='consultation_bookings')
    op.drop_table('consultation_bookings')
    op.drop_index('ix_consultation_slots_starts', table_name='consultation_slots')
    op.drop_table('consultation_slots')
    op.execute(sa.delete(sa.table('staff_roles', sa.column('role'))).where(sa.column('role') == 'consultant'))
    _change_roles(OLD_ROLES)
