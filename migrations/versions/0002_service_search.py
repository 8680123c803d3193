"""service keyword search: FTS5 trigram on SQLite, pg_trgm on PostgreSQL

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22

Neither object is in the models' metadata (env.py leaves them out of
autogenerate); marketplace/listings/search.py is what queries them.
"""
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

SQLITE_UP = [
    # External content: the text stays in `services`; the index follows it.
    """CREATE VIRTUAL TABLE services_fts USING fts5(
        title, description, content='services', content_rowid='id', tokenize='trigram')""",
    """CREATE TRIGGER services_fts_insert AFTER INSERT ON services BEGIN
        INSERT INTO services_fts(rowid, title, description)
        VALUES (new.id, new.title, new.description);
    END""",
    """CREATE TRIGGER services_fts_delete AFTER DELETE ON services BEGIN
        INSERT INTO services_fts(services_fts, rowid, title, description)
        VALUES ('delete', old.id, old.title, old.description);
    END""",
    """CREATE TRIGGER services_fts_update AFTER UPDATE OF title, description ON services BEGIN
        INSERT INTO services_fts(services_fts, rowid, title, description)
        VALUES ('delete', old.id, old.title, old.description);
        INSERT INTO services_fts(rowid, title, description)
        VALUES (new.id, new.title, new.description);
    END""",
    "INSERT INTO services_fts(services_fts) VALUES ('rebuild')",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS services_fts_update",
    "DROP TRIGGER IF EXISTS services_fts_delete",
    "DROP TRIGGER IF EXISTS services_fts_insert",
    "DROP TABLE IF EXISTS services_fts",
]
POSTGRES_UP = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    """CREATE INDEX ix_services_search_trgm ON services
        USING gin ((title || ' ' || description) gin_trgm_ops)""",
]
POSTGRES_DOWN = ["DROP INDEX IF EXISTS ix_services_search_trgm"]


def _run(sqlite, postgres):
    dialect = op.get_bind().dialect.name
    for statement in {"sqlite": sqlite, "postgresql": postgres}.get(dialect, []):
        op.execute(statement)


def upgrade():
    _run(SQLITE_UP, POSTGRES_UP)


def downgrade():
    _run(SQLITE_DOWN, POSTGRES_DOWN)
