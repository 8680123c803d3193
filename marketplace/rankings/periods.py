"""Period keys of the summary tables: "2026-11", "2026-Q4", "2026".

A record counts for the month, quarter and year of its local start date.
`parse_period` turns what a reader typed (?period=2026-Q3) into a Period,
or refuses it with a message: a bad period never reaches SQL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from ..db import utcnow
from ..exceptions import InvalidInput
from ..localtime import local_zone

MONTH, QUARTER, YEAR = "month", "quarter", "year"
KINDS = (MONTH, QUARTER, YEAR)
FIRST_YEAR, LAST_YEAR = 2000, 2100
_PATTERN = re.compile(r"(\d{4})(?:-Q([1-4])|-(\d{2}))?")


def local_date(moment: datetime) -> date:
    return moment.astimezone(local_zone()).date()


def today() -> date:
    return local_date(utcnow())


def month_key(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def quarter_key(day: date) -> str:
    return f"{day.year:04d}-Q{(day.month - 1) // 3 + 1}"


def year_key(day: date) -> str:
    return f"{day.year:04d}"


def keys_for(moment: datetime) -> tuple[str, str, str]:
    """The month, quarter and year that a moment counts for, in local time."""
    day = local_date(moment)
    return month_key(day), quarter_key(day), year_key(day)


class BadPeriod(InvalidInput):
    message = _l("A period is a month (2026-11), a quarter (2026-Q4) or a year (2026).")

    def __init__(self, message=None):
        super().__init__(message, field="period")


@dataclass(frozen=True, order=True)
class Period:
    year: int
    kind: str  # month, quarter or year
    number: int  # the month (1-12) or quarter (1-4); 0 for a year

    @property
    def key(self) -> str:
        if self.kind == MONTH:
            return f"{self.year:04d}-{self.number:02d}"
        if self.kind == QUARTER:
            return f"{self.year:04d}-Q{self.number}"
        return f"{self.year:04d}"

    @property
    def months(self) -> int:
        return {MONTH: 1, QUARTER: 3, YEAR: 12}[self.kind]

    @property
    def first_day(self) -> date:
        first_month = {MONTH: self.number, QUARTER: 3 * self.number - 2, YEAR: 1}[self.kind]
        return date(self.year, first_month, 1)

    @property
    def after_last_day(self) -> date:
        """The first day after the period."""
        month = self.first_day.month + self.months
        return date(self.year + (month - 1) // 12, (month - 1) % 12 + 1, 1)

    def shifted(self, steps: int) -> Period:
        """The period `steps` periods of the same kind later (earlier when negative)."""
        if self.kind == YEAR:
            return Period(self.year + steps, YEAR, 0)
        per_year = 12 if self.kind == MONTH else 4
        index = self.year * per_year + self.number - 1 + steps
        return Period(index // per_year, self.kind, index % per_year + 1)

    @property
    def label(self) -> str:
        """In the reader's language: 2026年11月 / 2026年第4季度 / 2026年."""
        if self.kind == MONTH:
            return gettext("%(year)d-%(month)02d", year=self.year, month=self.number)
        if self.kind == QUARTER:
            return gettext("Q%(quarter)d %(year)d", quarter=self.number, year=self.year)
        return gettext("Year %(year)d", year=self.year)

    def __str__(self) -> str:
        return self.key


def parse_period(text: str | None) -> Period:
    """A Period from "2026-11", "2026-Q4" or "2026"; BadPeriod otherwise."""
    match = _PATTERN.fullmatch((text or "").strip())
    if match is None:
        raise BadPeriod()
    year = int(match.group(1))
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise BadPeriod()
    if match.group(2):
        return Period(year, QUARTER, int(match.group(2)))
    if match.group(3):
        month = int(match.group(3))
        if not 1 <= month <= 12:
            raise BadPeriod()
        return Period(year, MONTH, month)
    return Period(year, YEAR, 0)


def current(kind: str = MONTH, day: date | None = None) -> Period:
    """This month, quarter or year (local time)."""
    day = day or today()
    if kind == MONTH:
        return Period(day.year, MONTH, day.month)
    if kind == QUARTER:
        return Period(day.year, QUARTER, (day.month - 1) // 3 + 1)
    return Period(day.year, YEAR, 0)


def last_months(count: int = 12, day: date | None = None) -> list[Period]:
    """The last `count` months, this one included, oldest first."""
    this_month = current(MONTH, day)
    return [this_month.shifted(-steps) for steps in range(count - 1, -1, -1)]


def period_from_args(value: str | None, default_kind: str = MONTH) -> Period:
    """?period= as a page or API gets it: empty means this month; "month",
    "quarter" or "year" mean the current one; anything else must parse."""
    value = (value or "").strip()
    if not value:
        return current(default_kind)
    if value in KINDS:
        return current(value)
    return parse_period(value)


def recent(day: date | None = None) -> dict[str, list[Period]]:
    """What a period picker offers, newest first: the last 12 months, the
    last 8 quarters and the last 3 years."""
    return {MONTH: [current(MONTH, day).shifted(-n) for n in range(12)],
            QUARTER: [current(QUARTER, day).shifted(-n) for n in range(8)],
            YEAR: [current(YEAR, day).shifted(-n) for n in range(3)]}


def months_up_to(period: Period, count: int = 12, day: date | None = None) -> list[Period]:
    """`count` months, oldest first, ending with the period's last month or
    with this month when the period runs on into the future."""
    after = period.after_last_day
    last = Period(after.year, MONTH, after.month).shifted(-1)
    this_month = current(MONTH, day)
    end = min(last, this_month, key=lambda p: (p.year, p.number))
    return [end.shifted(-n) for n in range(count - 1, -1, -1)]
