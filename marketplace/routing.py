"""URL converters. Ids in paths are bounded to what the database can hold, so
a huge number is simply not found (404) instead of overflowing a driver."""

from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1  # an INTEGER id column's range on every engine (PostgreSQL's is 32-bit)


class IdConverter(IntegerConverter):
    """An id past MAX_ID reads as 0, an id no row has, so the view answers
    404 as for any unknown id. (Refusing it here, Werkzeug would answer 405
    on a path that has a rule for another method.)"""

    def to_python(self, value: str) -> int:
        number = super().to_python(value)
        return number if number <= MAX_ID else 0


def id_schema(converter) -> dict:
    """How the OpenAPI document describes such a path parameter."""
    return {"type": "integer", "minimum": 0, "maximum": MAX_ID}
