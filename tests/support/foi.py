"""An independent reckoning of the FOI Act's statutory clock, for the tests: every working day
(no Saturday, Sunday, Christmas Day, Good Friday, nor bank holiday in any part of the UK) in a
sorted list, straight from the holidays package, indexed; checked against hand-worked due
dates in tests/test_foi_clock.py."""

from __future__ import annotations

import bisect
from datetime import date, timedelta

import holidays

FIRST, LAST = date(2019, 1, 1), date(2026, 12, 31)


def reference_working_days() -> list[date]:
    """Every FOI working day of 2019-2027, from the holidays package's subdivisions for
    England, Scotland and Northern Ireland, plus Christmas Day and Good Friday by their names."""
    years = range(FIRST.year, LAST.year + 2)
    closed: set[date] = set()
    for part in ("ENG", "SCT", "NIR"):
        found = holidays.country_holidays("GB", subdiv=part, years=years)
        closed |= set(found)
        closed |= {d for d, name in found.items() if "Good Friday" in name}
    closed |= {date(y, 12, 25) for y in years}
    day, end = date(FIRST.year, 1, 1), date(LAST.year + 1, 12, 31)
    days = []
    while day <= end:
        if day.weekday() < 5 and day not in closed:
            days.append(day)
        day += timedelta(days=1)
    return days


WORKING = reference_working_days()


def reference_due(received: date) -> date:
    """The twentieth working day following ``received``: the first working day after it is at
    ``bisect_right``; nineteen more on."""
    return WORKING[bisect.bisect_right(WORKING, received) + 19]
