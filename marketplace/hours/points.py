"""How approved hours turn into points (积分)."""

POINTS_PER_HOUR = 10


def points_for(minutes: int) -> int:
    return minutes * POINTS_PER_HOUR // 60
