"""programme version: one counter that every change to the public programme moves

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07

Public pages, the JSON programme and the feeds are cached per programme version. The counter
is moved by triggers rather than by the services, so no write path (import, publishing, the
organiser's forms, a restore, a hand-made UPDATE) can change the programme without the caches
hearing of it, and every process sees the change on its next request.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

# What the public pages, the programme API and the feeds are made of.
PROGRAMME_TABLES = (
    'events', 'organisations', 'event_organisations', 'venues', 'people', 'sessions', 'session_speakers',
    'visit_details', 'transport_groups', 'defence_blocks', 'defence_slots', 'defence_applications',
)

# An upsert, not an UPDATE: a table emptied by TRUNCATE or a restore still counts on.
BUMP = ("INSERT INTO programme_version (id, version) VALUES (1, 1) "
        "ON CONFLICT (id) DO UPDATE SET version = programme_version.version + 1")


def upgrade() -> None:
    op.create_table('programme_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.BigInteger(), server_default='0', nullable=False),
    sa.PrimaryKeyConstraint('id'),
    )
    op.execute("INSERT INTO programme_version (id, version) VALUES (1, 0)")
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("""
            CREATE FUNCTION bump_programme_version() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                {BUMP};
                RETURN NULL;
            END $$""".replace("{BUMP}", BUMP))
        for table in PROGRAMME_TABLES:
            # Once per statement: an import that writes a thousand rows moves the counter once.
            op.execute(f"CREATE TRIGGER programme_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
                       f"FOR EACH STATEMENT EXECUTE FUNCTION bump_programme_version()")
    else:
        # SQLite has row triggers only.
        for table in PROGRAMME_TABLES:
            for action in ('INSERT', 'UPDATE', 'DELETE'):
                op.execute(f"CREATE TRIGGER programme_changed_{table}_{action.lower()} AFTER {action} ON {table} "
                           f"BEGIN {BUMP}; END")


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        for table in PROGRAMME_TABLES:
            op.execute(f"DROP TRIGGER programme_changed ON {table}")
        op.execute("DROP FUNCTION bump_programme_version()")
    else:
        for table in PROGRAMME_TABLES:
            for action in ('insert', 'update', 'delete'):
                op.execute(f"DROP TRIGGER programme_changed_{table}_{action}")
    op.drop_table('programme_version')
