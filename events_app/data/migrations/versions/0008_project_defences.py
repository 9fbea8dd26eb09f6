"""project defences: slots, applications, jury scores

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('defence_applications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), server_default='waiting', nullable=False),
    sa.Column('project_title', sa.Text(), nullable=False),
    sa.Column('organisations', sa.Text(), nullable=False),
    sa.Column('regions', sa.Text(), nullable=True),
    sa.Column('presenters', sa.Text(), nullable=False),
    sa.Column('email', sa.Text(), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('language', sa.String(length=2), server_default='ru', nullable=False),
    sa.Column('consent_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('consent_ip', sa.String(length=45), nullable=True),
    sa.Column('link_version', sa.Integer(), server_default='0', nullable=False),
    sa.Column('slides_file', sa.String(length=64), nullable=True),
    sa.Column('slides_size', sa.Integer(), nullable=True),
    sa.Column('slides_uploaded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('slides_published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('remarks_sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.current_timestamp(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.current_timestamp(), nullable=False),
    sa.CheckConstraint("status IN ('waiting', 'accepted', 'rejected')", name=op.f('ck_defence_applications_status')),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_defence_applications_event_id_events'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_defence_applications'))
    )
    op.create_index('ix_defence_applications_event', 'defence_applications', ['event_id', 'status', 'id'], unique=False)
    op.create_table('defence_blocks',
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('scoring_closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reveal_experts', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('stage_slot_id', sa.Integer(), nullable=True),
    sa.Column('stage_phase', sa.String(length=12), server_default='idle', nullable=False),
    sa.Column('stage_started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('stage_paused_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('stage_version', sa.Integer(), server_default='0', nullable=False),
    sa.CheckConstraint("stage_phase IN ('idle', 'talk', 'questions', 'done')", name=op.f('ck_defence_blocks_stage_phase')),
    sa.ForeignKeyConstraint(['session_id'], ['sessions.id'], name=op.f('fk_defence_blocks_session_id_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('session_id', name=op.f('pk_defence_blocks'))
    )
    op.create_table('defence_criteria',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('min_score', sa.Integer(), nullable=False),
    sa.Column('max_score', sa.Integer(), nullable=False),
    sa.CheckConstraint('max_score > min_score', name=op.f('ck_defence_criteria_range')),
    sa.ForeignKeyConstraint(['session_id'], ['sessions.id'], name=op.f('fk_defence_criteria_session_id_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_defence_criteria'))
    )
    op.create_index('ix_defence_criteria_session', 'defence_criteria', ['session_id', 'position'], unique=False)
    op.create_table('defence_experts',
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['sessions.id'], name=op.f('fk_defence_experts_session_id_sessions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_defence_experts_staff_id_staff'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('session_id', 'staff_id', name=op.f('pk_defence_experts'))
    )
    op.create_table('defence_slots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('project_title', sa.Text(), nullable=False),
    sa.Column('organisations', sa.Text(), nullable=False),
    sa.Column('regions', sa.Text(), nullable=True),
    sa.Column('presenters', sa.Text(), nullable=False),
    sa.Column('talk_minutes', sa.Integer(), nullable=False),
    sa.Column('question_minutes', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.current_timestamp(), nullable=False),
    sa.CheckConstraint('talk_minutes > 0 AND question_minutes >= 0', name=op.f('ck_defence_slots_minutes')),
    sa.ForeignKeyConstraint(['application_id'], ['defence_applications.id'], name=op.f('fk_defence_slots_application_id_defence_applications'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['session_id'], ['sessions.id'], name=op.f('fk_defence_slots_session_id_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_defence_slots')),
    sa.UniqueConstraint('application_id', name=op.f('uq_defence_slots_application_id'))
    )
    op.create_index('ix_defence_slots_session', 'defence_slots', ['session_id', 'position'], unique=False)
    op.create_table('defence_scores',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slot_id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('remarks', sa.Text(), server_default='', nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['slot_id'], ['defence_slots.id'], name=op.f('fk_defence_scores_slot_id_defence_slots'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_defence_scores_staff_id_staff'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_defence_scores')),
    sa.UniqueConstraint('slot_id', 'staff_id', name=op.f('uq_defence_scores_slot_staff'))
    )
    op.create_table('defence_score_values',
    sa.Column('score_id', sa.Integer(), nullable=False),
    sa.Column('criterion_id', sa.Integer(), nullable=False),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['criterion_id'], ['defence_criteria.id'], name=op.f('fk_defence_score_values_criterion_id_defence_criteria'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['score_id'], ['defence_scores.id'], name=op.f('fk_defence_score_values_score_id_defence_scores'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('score_id', 'criterion_id', name=op.f('pk_defence_score_values'))
    )


def downgrade() -> None:
    op.drop_table('defence_score_values')
    op.drop_table('defence_scores')
    op.drop_table('defence_experts')
    op.drop_index('ix_defence_slots_session', table_name='defence_slots')
    op.drop_table('defence_slots')
    op.drop_index('ix_defence_criteria_session', table_name='defence_criteria')
    op.drop_table('defence_criteria')
    op.drop_table('defence_blocks')
    op.drop_index('ix_defence_applications_event', table_name='defence_applications')
    op.drop_table('defence_applications')
