"""URL converters. Ids in paths are bounded to what the database can hold, so
a huge number is simply not found (404) instead of overflowing a driver."""

from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1  # an INTEGER id column's range on every engine (PostgreSQL's is 32-bit)


class IdConverter(IntegerConverter):
    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


def id_schema(converter) -> dict:
    """How the OpenAPI document describes such a path parameter."""
    return {"type": "integer", "minimum": 0, "maximum": MAX_ID}
