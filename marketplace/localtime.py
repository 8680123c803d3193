"""Between what people type (local wall-clock time, Asia/Shanghai by default)
and what is stored (aware UTC)."""

from datetime import UTC, datetime

from flask_babel import get_timezone, to_user_timezone


def local_to_utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=get_timezone()).astimezone(UTC)


def utc_to_local(value: datetime | None) -> datetime | None:
    """A naive local datetime, as a datetime-local form field wants it."""
    return to_user_timezone(value).replace(tzinfo=None) if value else None
