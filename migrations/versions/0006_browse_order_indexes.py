"""browse order on PostgreSQL: partial indexes in each list order

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01

The browse list and the API's service list (published, not hidden) sort
by "soonest" (open-ended offers last), "newest" or "popular". Without an
index in that order PostgreSQL sorts every listed service for each page: at
provincial scale, 225,000 rows per request. These partial indexes give each
order straight from the index, by category too, so page 1 and page 1,000
cost the same. "Soonest" is an expression (listings/queries.py writes the
same one), so the indexes are made here by hand and are not in the models'
metadata (env.py leaves the ix_services_order_* names out of autogenerate).
SQLite, the small-deployment engine, sorts its few rows without them.
"""
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

SOONEST = "coalesce(starts_at, '9999-01-01 00:00:00+00'::timestamptz)"
LISTED = "WHERE status = 'published' AND hidden_at IS NULL"
INDEXES = {
    "ix_services_order_soonest": f"({SOONEST}, id)",
    "ix_services_order_category_soonest": f"(category_id, {SOONEST}, id)",
    "ix_services_order_newest": "(published_at DESC, id DESC)",
    "ix_services_order_popular": "(joined_total DESC, id DESC)",
}


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        for name, columns in INDEXES.items():
            op.execute(f"CREATE INDEX {name} ON services {columns} {LISTED}")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for name in INDEXES:
            op.execute(f"DROP INDEX IF EXISTS {name}")
