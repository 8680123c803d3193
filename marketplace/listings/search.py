"""Keyword search over services that works for Chinese text (no spaces
between words) on both engines.

- PostgreSQL: ILIKE on title + description, served by a pg_trgm GIN index
  (migration 0002).
- SQLite: an FTS5 table with the trigram tokenizer, kept in step by
  triggers (migration 0002), for words of 3+ characters; shorter words
  (理, 理发) cannot make a trigram and fall back to LIKE.
"""

from __future__ import annotations

import sqlalchemy as sa

from ..extensions import db
from .models import Service

MAX_QUERY_LENGTH = 40
SEARCH_TEXT = Service.title + " " + Service.description


def normalize_query(q: str | None) -> str:
    return " ".join((q or "").split())[:MAX_QUERY_LENGTH]


def _like_pattern(q: str) -> str:
    escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def matches(q: str) -> sa.ColumnElement[bool]:
    """A condition on Service: every space-separated word of `q` occurs in
    the title or the description."""
    words = normalize_query(q).split(" ")
    return sa.and_(*(_word_matches(word) for word in words if word))


def _word_matches(word: str) -> sa.ColumnElement[bool]:
    if db.engine.dialect.name == "sqlite" and len(word) >= 3:
        phrase = '"' + word.replace('"', '""') + '"'
        fts = sa.text("SELECT rowid FROM services_fts WHERE services_fts MATCH :phrase"
                      ).bindparams(phrase=phrase).columns(sa.column("rowid"))
        return Service.id.in_(fts)
    return SEARCH_TEXT.ilike(_like_pattern(word), escape="\\")
