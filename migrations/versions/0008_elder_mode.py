"""users.elder_mode: the account remembers elder mode (长辈模式)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03

Every existing account starts in the normal mode (server default false).
"""
import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("elder_mode", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))


def downgrade():
    with op.batch_alter_table("users") as batch:
        batch.drop_column("elder_mode")
