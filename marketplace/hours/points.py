"""How approved hours turn into points (积分).

10 points for each approved hour; a record the resident confirmed (the
visit code, or a rated enrollment or help request) earns a fifth more,
because its figure is trusted twice. Points are never edited: a correction
writes the reversal of what the corrected record earned.
"""

POINTS_PER_HOUR = 10
CONFIRMED_BONUS = 0.2


def points_for(minutes: int, resident_confirmed: bool = False) -> int:
    base = minutes * POINTS_PER_HOUR / 60
    return round(base * (1 + CONFIRMED_BONUS) if resident_confirmed else base)
