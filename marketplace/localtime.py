"""Between what people type (local wall-clock time, Asia/Shanghai by default)
and what is stored (aware UTC).

flask-babel hands out pytz zones, and attaching one with replace() or
datetime.combine() takes its historical LMT offset (+08:06 for Shanghai);
zoneinfo has no such trap, so everything here goes through it."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import get_timezone


def local_zone() -> ZoneInfo:
    return ZoneInfo(str(get_timezone()))


def local_to_utc(value: datetime | None) -> datetime | None:
    """A naive local wall-clock time (or an aware one) as aware UTC."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=local_zone())
    return value.astimezone(UTC)


def utc_to_local(value: datetime | None) -> datetime | None:
    """A naive local datetime, as a datetime-local form field wants it."""
    return value.astimezone(local_zone()).replace(tzinfo=None) if value else None


def local_day_start(day: date, zone: ZoneInfo | None = None) -> datetime:
    """Local midnight at the start of `day`, in UTC (for 0001-01-01 east of
    UTC, which began before year 1: the earliest time there is)."""
    try:
        return datetime.combine(day, time.min, zone or local_zone()).astimezone(UTC)
    except OverflowError:
        return datetime.min.replace(tzinfo=UTC)


def local_day_end(day: date, zone: ZoneInfo | None = None) -> datetime:
    """Local midnight at the end of `day` (the start of the next), in UTC; a
    range up to 9999-12-31, which has no next day, ends at the last time there is."""
    if day >= date.max:
        return datetime.max.replace(tzinfo=UTC)
    return local_day_start(day + timedelta(days=1), zone)
