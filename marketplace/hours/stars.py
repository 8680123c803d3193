"""Volunteer star levels (星级志愿者) by cumulative approved hours, as in the
national registered-volunteer practice: 100 / 300 / 600 / 1000 / 1500 h."""

STAR_THRESHOLDS_HOURS = (100, 300, 600, 1000, 1500)


def star_level(approved_minutes: int) -> int:
    hours = approved_minutes / 60
    return sum(1 for threshold in STAR_THRESHOLDS_HOURS if hours >= threshold)


def next_star_hours(approved_minutes: int) -> int | None:
    """The approved hours that earn the next star, or None at five stars."""
    hours = approved_minutes / 60
    return next((t for t in STAR_THRESHOLDS_HOURS if hours < t), None)
