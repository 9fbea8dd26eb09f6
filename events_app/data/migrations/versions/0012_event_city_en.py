"""event city in English: the English interface names the city as English readers write it

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07

The city is data entered in Russian («Сыктывкар»); like the title, it may have an English
variant («Syktyvkar»), shown in the English interface. Without one the city shows as entered.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('events', sa.Column('city_en', sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column('events', 'city_en')  # SQLite 3.35+ drops a column in place, keeping its triggers
