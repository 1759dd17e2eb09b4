"""Working days, by two rules over the same holiday data (the ``holidays`` package):

- :data:`ENGLAND_AND_WALES`: Monday to Friday, less England and Wales bank holidays. The
  deadline reminders, ``/deadlines`` and the digest's holiday rule count these.
- :data:`FOI`: the Freedom of Information Act 2000, section 10(6): any day other than a
  Saturday, a Sunday, Christmas Day, Good Friday or a day that is a bank holiday in **any**
  part of the United Kingdom (England and Wales, Scotland, Northern Ireland), so that Scotland's
  2 January and St Andrew's Day, and Northern Ireland's St Patrick's Day and Battle of the
  Boyne, stop the clock in London too. ``/requests`` counts these.

The difference is only which parts of the UK are asked (and that Christmas Day and Good Friday
are named in the Act whether or not a part keeps them as bank holidays).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

# The parts of the UK as the holidays package names them (Wales keeps England's holidays).
PARTS = {"ENG": "England and Wales", "SCT": "Scotland", "NIR": "Northern Ireland"}


@cache
def _bank_holidays(year: int, parts: tuple[str, ...]) -> frozenset[date]:
    import holidays  # 60 ms to import: only paid for when a working day is counted

    days: set[date] = set()
    for part in parts:
        days |= set(holidays.country_holidays("GB", subdiv=part, years=year))
    return frozenset(days)


def good_friday(year: int) -> date:
    from dateutil.easter import easter  # a dependency of the holidays package

    return easter(year) - timedelta(days=2)


@dataclass(frozen=True)
class WorkingDays:
    """A rule for working days: weekdays less the bank holidays of ``parts`` (and, when
    ``christmas_and_good_friday``, those two days whatever the parts keep)."""

    name: str
    parts: tuple[str, ...]
    christmas_and_good_friday: bool = False

    def is_holiday(self, day: date) -> bool:
        if day in _bank_holidays(day.year, self.parts):
            return True
        return self.christmas_and_good_friday and (
            (day.month, day.day) == (12, 25) or day == good_friday(day.year)
        )

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5 and not self.is_holiday(day)

    def after(self, start: date, end: date) -> int:
        """Working days in (start, end]: after ``start``, up to and including ``end``.

        Negative when ``end`` is before ``start``: the working days by which it has passed.
        """
        if end < start:
            return -self.after(end, start)
        return sum(
            self.is_working_day(start + timedelta(days=n)) for n in range(1, (end - start).days + 1)
        )

    def nth_after(self, start: date, n: int) -> date:
        """The ``n``-th working day following ``start`` (``start`` itself is not counted)."""
        day, found = start, 0
        while found < n:
            day += timedelta(days=1)
            found += self.is_working_day(day)
        return day

    def next_working_day(self, day: date) -> date:
        """``day`` itself if it is a working day, else the next one."""
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day


ENGLAND_AND_WALES = WorkingDays("England and Wales", ("ENG",))
FOI = WorkingDays("UK-wide (FOI Act s.10)", tuple(PARTS), christmas_and_good_friday=True)


# England and Wales, as the deadlines and the jobs have always counted.
def is_bank_holiday(day: date) -> bool:
    return ENGLAND_AND_WALES.is_holiday(day)


def is_working_day(day: date) -> bool:
    return ENGLAND_AND_WALES.is_working_day(day)


def working_days_after(start: date, end: date) -> int:
    """England-and-Wales working days in (start, end] (negative when ``end`` has passed)."""
    return ENGLAND_AND_WALES.after(start, end)


def next_working_day(day: date) -> date:
    return ENGLAND_AND_WALES.next_working_day(day)
