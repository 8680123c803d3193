"""Keyword search over services that works for Chinese text (no spaces
between words) on both engines, for words of any length (理, 理发, 修空调).

- PostgreSQL: an expression GIN index over every 1- and 2-character gram
  of title + description (`search_grams`, migration 0005). A 1-character
  word is one gram; a longer word needs all its 2-character grams; ILIKE
  then checks the word itself. Unlike pg_trgm, this
  serves 1- and 2-character words and does not depend on the locale.
- SQLite: an FTS5 table with the trigram tokenizer, kept in step by
  triggers (migration 0002), for words of 3+ characters; shorter words
  (理, 理发) cannot make a trigram and fall back to LIKE.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from ..extensions import db
from .models import Service

MAX_QUERY_LENGTH = 40
# A literal separator (not a bound parameter), so that PostgreSQL matches
# the expression of its search index.
SEARCH_TEXT = Service.title.op("||")(sa.literal_column("' '")).op("||")(Service.description)


def normalize_query(q: str | None) -> str:
    return " ".join((q or "").split())[:MAX_QUERY_LENGTH]


def _like_pattern(q: str) -> str:
    escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def matches(q: str) -> sa.ColumnElement[bool]:
    """A condition on Service: every space-separated word of `q` occurs in
    the title or the description."""
    words = normalize_query(q).split(" ")
    dialect = db.engine.dialect.name
    return sa.and_(*(_word_matches(word, dialect) for word in words if word))


def _word_matches(word: str, dialect: str) -> sa.ColumnElement[bool]:
    substring = SEARCH_TEXT.ilike(_like_pattern(word), escape="\\")
    if dialect == "postgresql":
        # The grams find the candidates through the index; ILIKE decides,
        # and is the cheap test when the planner walks a list-order index
        # instead (it runs cheaper filters first).
        return sa.and_(_grams_contain(_grams_of(word)), substring)
    if dialect == "sqlite" and len(word) >= 3:
        phrase = '"' + word.replace('"', '""') + '"'
        fts = sa.text("SELECT rowid FROM services_fts WHERE services_fts MATCH :phrase"
                      ).bindparams(phrase=phrase).columns(sa.column("rowid"))
        return Service.id.in_(fts)
    return substring


def _grams_of(word: str) -> list[str]:
    """The grams a text containing `word` must have: the word itself when
    it is one character, else each of its 2-character grams."""
    if len(word) == 1:
        return [word]
    return sorted({word[i:i + 2] for i in range(len(word) - 1)})


def _grams_contain(grams: list[str]) -> sa.ColumnElement[bool]:
    # lower() on the database's side, as the index was built with it.
    wanted = postgresql.array([sa.func.lower(gram) for gram in grams])
    indexed = sa.func.search_grams(SEARCH_TEXT, type_=postgresql.ARRAY(sa.Text))
    return indexed.contains(wanted)
