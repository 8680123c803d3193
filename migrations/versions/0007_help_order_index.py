"""help-request list order on PostgreSQL: a partial index, most urgent first

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01

The help-request list shows open, unhidden requests by urgency (high,
normal, low), then newest. Without an index in that order PostgreSQL sorted
every open request for each page (40,000 at provincial scale). The rank is
an expression (help/queries.py writes the same one with literals), so this
index is made by hand like those of migration 0006, and env.py leaves it
out of autogenerate. SQLite sorts its few rows without it.
"""
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

RANK = "(CASE urgency WHEN 'high' THEN 3 WHEN 'normal' THEN 2 WHEN 'low' THEN 1 ELSE 0 END)"


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"CREATE INDEX ix_help_requests_order_urgency ON help_requests "
                   f"({RANK} DESC, id DESC) WHERE status = 'open' AND hidden_at IS NULL")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_help_requests_order_urgency")
