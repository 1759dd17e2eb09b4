"""Working days in England and Wales: Monday to Friday, less bank holidays (``holidays``)."""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache


@cache
def _bank_holidays(year: int) -> frozenset[date]:
    import holidays  # 60 ms to import: only paid for when a deadline is counted

    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year))


def is_bank_holiday(day: date) -> bool:
    return day in _bank_holidays(day.year)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and not is_bank_holiday(day)


def working_days_after(start: date, end: date) -> int:
    """Working days in (start, end]: after ``start``, up to and including ``end``.

    Negative when ``end`` is before ``start``: the working days by which it has passed.
    """
    if end < start:
        return -working_days_after(end, start)
    return sum(is_working_day(start + timedelta(days=n)) for n in range(1, (end - start).days + 1))


def next_working_day(day: date) -> date:
    """``day`` itself if it is a working day, else the next one."""
    while not is_working_day(day):
        day += timedelta(days=1)
    return day
