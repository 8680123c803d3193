"""How many of each thing at a scale, and exact integer shares of a total."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import accumulate

# At scale 1.0: a province (Jilin's platform after one year, DOMAIN.md).
FULL = {
    "users": 1_720_000,
    "party_members": 1_520_000,
    "branches": 81_000,
    "services": 300_000,
    "enrollments": 3_000_000,
    "help_requests": 200_000,
    "hour_records": 5_000_000,
}
DAYS = 3 * 365  # hour records are spread over three years before "now"


@dataclass(frozen=True)
class Counts:
    users: int
    party_members: int
    branches: int
    services: int
    enrollments: int
    help_requests: int
    hour_records: int

    @classmethod
    def at(cls, scale: float) -> Counts:
        if scale <= 0:
            raise ValueError("scale must be positive")
        n = {name: max(1, round(value * scale)) for name, value in FULL.items()}
        n["branches"] = max(n["branches"], 8)
        n["users"] = max(n["users"], 40)
        n["party_members"] = min(max(n["party_members"], 24), n["users"] - 8)
        return cls(**n)

    @property
    def residents(self) -> int:
        return self.users - self.party_members


def allocate(total: int, weights, minimum: int = 0) -> list[int]:
    """Split `total` into len(weights) integers proportional to the weights,
    each at least `minimum` (lowered when the total cannot give it), summing
    exactly to `total` (cumulative rounding: no drift)."""
    weights = list(weights)
    count = len(weights)
    if count == 0:
        return []
    minimum = min(minimum, total // count)
    rest = total - minimum * count
    cumulative = list(accumulate(weights))
    whole = cumulative[-1] or 1
    shares, given = [], 0
    for running in cumulative:
        upto = round(rest * running / whole)
        shares.append(minimum + upto - given)
        given = upto
    return shares
