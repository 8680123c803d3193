"""service search on PostgreSQL: an index of 1- and 2-character grams

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01

pg_trgm cannot serve words shorter than 3 characters (理, 理发 are the
commonest Chinese searches), and under a C locale it drops CJK characters
altogether. An expression GIN index over every 1- and 2-character gram of
title + description serves words of any length, whatever the locale: a
1-character word is one gram, a longer one the set of its 2-character
grams (rechecked with ILIKE). It replaces the trigram index. SQLite keeps
its FTS5 trigram table (migration 0002). Like that one, the function and
the index are not in the models' metadata; marketplace/listings/search.py
queries them.
"""
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

# IMMUTABLE, so it can be indexed; lower() makes the grams case-blind like
# ILIKE, and grams with white space never match a word (words have none).
GRAMS_FUNCTION = r"""
CREATE FUNCTION search_grams(body text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(DISTINCT gram), '{}')
    FROM generate_series(1, length(body)) AS i,
         LATERAL (VALUES (substr(lower(body), i, 1)), (substr(lower(body), i, 2))) AS g(gram)
    WHERE gram !~ '\s'
$$
"""
SEARCH_TEXT = "(title || ' ' || description)"

POSTGRES_UP = [
    GRAMS_FUNCTION,
    f"CREATE INDEX ix_services_search_grams ON services USING gin (search_grams{SEARCH_TEXT})",
    "DROP INDEX IF EXISTS ix_services_search_trgm",
]
POSTGRES_DOWN = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    f"CREATE INDEX ix_services_search_trgm ON services USING gin ({SEARCH_TEXT} gin_trgm_ops)",
    "DROP INDEX IF EXISTS ix_services_search_grams",
    "DROP FUNCTION IF EXISTS search_grams(text)",
]


def _run(statements):
    if op.get_bind().dialect.name == "postgresql":
        for statement in statements:
            op.execute(statement)


def upgrade():
    _run(POSTGRES_UP)


def downgrade():
    _run(POSTGRES_DOWN)
