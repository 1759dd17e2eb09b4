"""Working days in England and Wales, checked against bank holidays known from gov.uk."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oversight.figures.workdays import (
    is_bank_holiday,
    is_working_day,
    next_working_day,
    working_days_after,
)

# England and Wales bank holidays, 2019-2023, as published on gov.uk (written out by hand,
# not read from the `holidays` package), substitute days included.
GOV_UK = {
    date(2019, 1, 1), date(2019, 4, 19), date(2019, 4, 22), date(2019, 5, 6),
    date(2019, 5, 27), date(2019, 8, 26), date(2019, 12, 25), date(2019, 12, 26),
    date(2020, 1, 1), date(2020, 4, 10), date(2020, 4, 13), date(2020, 5, 8),
    date(2020, 5, 25), date(2020, 8, 31), date(2020, 12, 25), date(2020, 12, 28),
    date(2021, 1, 1), date(2021, 4, 2), date(2021, 4, 5), date(2021, 5, 3),
    date(2021, 5, 31), date(2021, 8, 30), date(2021, 12, 27), date(2021, 12, 28),
    date(2022, 1, 3), date(2022, 4, 15), date(2022, 4, 18), date(2022, 5, 2),
    date(2022, 6, 2), date(2022, 6, 3), date(2022, 8, 29), date(2022, 9, 19),
    date(2022, 12, 26), date(2022, 12, 27),
    date(2023, 1, 2), date(2023, 4, 7), date(2023, 4, 10), date(2023, 5, 1),
    date(2023, 5, 8), date(2023, 5, 29), date(2023, 8, 28), date(2023, 12, 25),
    date(2023, 12, 26),
}  # fmt: skip
FIRST, LAST = date(2019, 1, 1), date(2023, 12, 31)


def test_weekday_bank_holidays_are_exactly_the_published_ones():
    days = (FIRST + timedelta(days=n) for n in range((LAST - FIRST).days + 1))
    found = {d for d in days if d.weekday() < 5 and is_bank_holiday(d)}
    assert found == GOV_UK


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2020, 5, 8), False),  # VE Day: the early May bank holiday moved to a Friday
        (date(2020, 5, 4), True),  # so the first Monday in May 2020 was a working day
        (date(2020, 4, 10), False),  # Good Friday
        (date(2020, 4, 13), False),  # Easter Monday
        (date(2020, 4, 14), True),
        (date(2020, 12, 25), False),  # Christmas Day, a Friday
        (date(2020, 12, 28), False),  # Boxing Day was a Saturday: substitute on Monday 28th
        (date(2020, 12, 29), True),
        (date(2020, 3, 17), True),  # St Patrick's Day: Northern Ireland only
        (date(2020, 8, 3), True),  # Scotland's summer bank holiday
        (date(2020, 11, 30), True),  # St Andrew's Day: Scotland only
        (date(2020, 6, 27), False),  # a Saturday
        (date(2020, 6, 28), False),  # a Sunday
        (date(2020, 6, 29), True),
    ],
)
def test_is_working_day(day: date, working: bool):
    assert is_working_day(day) is working


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        # (Thu 7 May, Mon 11 May 2020]: Fri 8th VE Day, weekend, Monday 11th: 1.
        (date(2020, 5, 7), date(2020, 5, 11), 1),
        # (Thu 9 Apr, Tue 14 Apr 2020]: Good Friday, weekend, Easter Monday, Tuesday: 1.
        (date(2020, 4, 9), date(2020, 4, 14), 1),
        # (Thu 24 Dec, Tue 29 Dec 2020]: 25th, 26th-27th weekend, 28th substitute, 29th: 1.
        (date(2020, 12, 24), date(2020, 12, 29), 1),
        # (Wed 23 Dec 2020, Mon 4 Jan 2021]: 24, 29, 30, 31 Dec and 4 Jan (1 Jan holiday): 5.
        (date(2020, 12, 23), date(2021, 1, 4), 5),
        # A plain week: (Mon 22 Jun, Mon 29 Jun 2020] = Tue-Fri and Monday: 5.
        (date(2020, 6, 22), date(2020, 6, 29), 5),
        (date(2020, 6, 26), date(2020, 6, 28), 0),  # Friday to Sunday
        (date(2020, 6, 29), date(2020, 6, 29), 0),  # the same day: the start is not counted
        (date(2020, 6, 28), date(2020, 6, 29), 1),  # the end is counted
        # Backwards: the working days by which the end has passed.
        (date(2020, 12, 29), date(2020, 12, 24), -1),
        (date(2020, 6, 29), date(2020, 6, 22), -5),
    ],
)
def test_working_days_after(start: date, end: date, expected: int):
    assert working_days_after(start, end) == expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2020, 12, 25), date(2020, 12, 29)),
        (date(2020, 4, 10), date(2020, 4, 14)),
        (date(2020, 5, 8), date(2020, 5, 11)),
        (date(2020, 6, 29), date(2020, 6, 29)),  # already a working day
        (date(2020, 12, 31), date(2020, 12, 31)),
        (date(2021, 1, 1), date(2021, 1, 4)),  # across New Year's Day and a weekend
    ],
)
def test_next_working_day(day: date, expected: date):
    assert next_working_day(day) == expected


days = st.dates(FIRST, LAST)


@given(days, days)
def test_working_days_match_a_count_against_the_published_list(a: date, b: date):
    start, end = min(a, b), max(a, b)
    naive = sum(
        1
        for n in range(1, (end - start).days + 1)
        if (d := start + timedelta(days=n)).weekday() < 5 and d not in GOV_UK
    )
    assert working_days_after(start, end) == naive
    assert working_days_after(end, start) == -naive


@given(days, days, days)
def test_working_days_add_up(a: date, b: date, c: date):
    assert working_days_after(a, b) + working_days_after(b, c) == working_days_after(a, c)
