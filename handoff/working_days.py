"""Dutch working days: deadlines such as 'a first conversation within five working days'."""

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import FrozenSet


def _easter(year: int) -> date:
    """Gregorian Easter Sunday (anonymous Gregorian algorithm)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l = (32 + 2 * e + 2 * i - h - k) % 7  # noqa: E741 - the algorithm's own name
    m = (a + 11 * h + 22 * l) // 451
    month, day = divmod(h + l - 7 * m + 114, 31)
    return date(year, month, day + 1)


@lru_cache(maxsize=64)
def public_holidays(year: int) -> FrozenSet[date]:
    """Official Dutch public holidays on which schools and universities are closed.

    Bevrijdingsdag (5 May) counts only in lustrum years, as in most education CAOs;
    Goede Vrijdag is not a general day off and is not counted.
    """
    easter = _easter(year)
    kings_day = date(year, 4, 27)
    if kings_day.weekday() == 6:  # on a Sunday it moves to Saturday 26 April
        kings_day = date(year, 4, 26)
    days = {
        date(year, 1, 1),
        easter,
        easter + timedelta(days=1),
        kings_day,
        easter + timedelta(days=39),  # Hemelvaartsdag
        easter + timedelta(days=49),
        easter + timedelta(days=50),  # Tweede Pinksterdag
        date(year, 12, 25),
        date(year, 12, 26),
    }
    if year % 5 == 0:
        days.add(date(year, 5, 5))
    return frozenset(days)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in public_holidays(day.year)


def add_working_days(start: datetime, count: int) -> datetime:
    """The end of the `count`-th working day after `start` (the day of the report itself not counted)."""
    day = start.date()
    remaining = count
    while remaining > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return datetime.combine(day, time(23, 59, 59), tzinfo=start.tzinfo)
