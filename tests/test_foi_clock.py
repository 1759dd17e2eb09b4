"""The statutory clock of an information request (FOI Act 2000 s.10): the twentieth working day
following the day of receipt, where a working day is any day but a Saturday, a Sunday,
Christmas Day, Good Friday or a bank holiday in any part of the United Kingdom.

The due dates below were worked out by hand, day by day, from the published bank holidays of
England and Wales, Scotland and Northern Ireland; an independent implementation of the rule
(a sorted list of working days, indexed) is checked against them and then against the code
over every day of 2019-2026.
"""

from __future__ import annotations

from datetime import date, timedelta

import holidays
import pytest

from oversight.figures.requests import statutory_due
from oversight.figures.workdays import ENGLAND_AND_WALES, FOI
from tests.support.foi import FIRST, LAST, reference_due

# (received on, due on under FOI, due on counting England-and-Wales working days only)
HAND_WORKED = [
    # Christmas and a Scottish substitute day. Received Mon 14 Dec 2020. Working days after it:
    # 15-18 Dec (1-4), 21-24 (5-8); Fri 25 Christmas Day; Mon 28 Boxing Day's substitute (26th a
    # Saturday); 29-31 (9-11); Fri 1 Jan New Year's Day; Mon 4 Jan Scotland's substitute for 2
    # January (a Saturday); 5-8 Jan (12-15); 11-15 Jan (16-20): due Fri 15 Jan 2021. In England
    # and Wales alone 4 Jan works, so Thu 14 Jan.
    (date(2020, 12, 14), date(2021, 1, 15), date(2021, 1, 14)),
    # Received on Christmas Eve 2020: 29-31 Dec (1-3); 1 Jan and 4 Jan out as above; 5-8 Jan
    # (4-7); 11-15 (8-12); 18-22 (13-17); 25-27 Jan (18-20): due Wed 27 Jan 2021.
    (date(2020, 12, 24), date(2021, 1, 27), date(2021, 1, 26)),
    # Received on Christmas Day itself (not a working day): the count starts the same, 29 Dec.
    (date(2020, 12, 25), date(2021, 1, 27), date(2021, 1, 26)),
    # Christmas on a Sunday. Received Mon 19 Dec 2022: 20-23 Dec (1-4); Mon 26 Boxing Day; Tue
    # 27 Christmas Day's substitute; 28-30 (5-7); Mon 2 Jan New Year's substitute; Tue 3 Jan
    # Scotland's (1 Jan a Sunday); 4-6 Jan (8-10); 9-13 (11-15); 16-20 (16-20): Fri 20 Jan 2023.
    (date(2022, 12, 19), date(2023, 1, 20), date(2023, 1, 19)),
    # Easter. Received Thu 18 Mar 2021: Fri 19 (1); 22-26 (2-6); 29 Mar-1 Apr (7-10); Fri 2 Apr
    # Good Friday; Mon 5 Easter Monday (England, Wales, Northern Ireland); 6-9 Apr (11-14);
    # 12-16 (15-19); Mon 19 Apr (20). The same in England and Wales alone.
    (date(2021, 3, 18), date(2021, 4, 19), date(2021, 4, 19)),
    # St Patrick's Day (Northern Ireland). Received Tue 1 Mar 2022: 2-4 Mar (1-3); 7-11 (4-8);
    # 14-16 (9-11); Thu 17 St Patrick's Day; Fri 18 (12); 21-25 (13-17); 28-30 (18-20): due Wed
    # 30 Mar 2022, where England and Wales alone give Tue 29.
    (date(2022, 3, 1), date(2022, 3, 30), date(2022, 3, 29)),
    # St Andrew's Day (Scotland). Received Mon 15 Nov 2021: 16-19 Nov (1-4); 22-26 (5-9); Mon 29
    # (10); Tue 30 St Andrew's Day; 1-3 Dec (11-13); 6-10 (14-18); 13-14 (19-20): Tue 14 Dec.
    (date(2021, 11, 15), date(2021, 12, 14), date(2021, 12, 13)),
    # St Andrew's Day on a Saturday: substitute Mon 2 Dec 2019. Received Mon 25 Nov 2019: 26-29
    # Nov (1-4); Mon 2 Dec out; 3-6 Dec (5-8); 9-13 (9-13); 16-20 (14-18); 23-24 (19-20): Tue
    # 24 Dec 2019.
    (date(2019, 11, 25), date(2019, 12, 24), date(2019, 12, 23)),
    # The Battle of the Boyne (Northern Ireland), Mon 12 Jul 2021. Received Mon 28 Jun 2021:
    # 29 Jun-2 Jul (1-4); 5-9 Jul (5-9); Mon 12 out; 13-16 (10-13); 19-23 (14-18); 26-27
    # (19-20): Tue 27 Jul 2021.
    (date(2021, 6, 28), date(2021, 7, 27), date(2021, 7, 26)),
    # The Boyne on a Sunday: substitute Mon 13 Jul 2020. Received Mon 29 Jun 2020: 30 Jun-3 Jul
    # (1-4); 6-10 Jul (5-9); Mon 13 out; 14-17 (10-13); 20-24 (14-18); 27-28 (19-20): Tue 28 Jul.
    (date(2020, 6, 29), date(2020, 7, 28), date(2020, 7, 27)),
    # No holiday at all: received Mon 1 Feb 2021, four weeks of five days: Mon 1 Mar 2021.
    (date(2021, 2, 1), date(2021, 3, 1), date(2021, 3, 1)),
    # Received on a Saturday: the count starts on Monday. Sat 6 Feb 2021: 8 Feb-5 Mar (1-20).
    (date(2021, 2, 6), date(2021, 3, 5), date(2021, 3, 5)),
]


@pytest.mark.parametrize(("received", "due", "england_and_wales"), HAND_WORKED)
def test_the_statutory_due_date_as_worked_by_hand(received, due, england_and_wales):
    assert statutory_due(received) == due
    assert FOI.nth_after(received, 20) == due
    # The deadline reminders' rule is not the Act's: the difference is the parts of the UK.
    assert ENGLAND_AND_WALES.nth_after(received, 20) == england_and_wales


@pytest.mark.parametrize(("received", "due", "england_and_wales"), HAND_WORKED)
def test_the_reference_agrees_with_the_hand_worked_cases(received, due, england_and_wales):
    assert reference_due(received) == due


def test_every_day_of_2019_to_2026_against_the_reference():
    day, wrong = FIRST, []
    while day <= LAST:
        if statutory_due(day) != reference_due(day):
            wrong.append((day, statutory_due(day), reference_due(day)))
        day += timedelta(days=1)
    assert wrong == []
    assert (LAST - FIRST).days + 1 == 2922


def test_the_uk_rule_closes_exactly_the_other_parts_days_too():
    """Weekdays the FOI rule closes and England and Wales do not: each a bank holiday in
    Scotland or Northern Ireland, and there are some every year."""
    day, extra = FIRST, []
    while day <= LAST:
        if day.weekday() < 5 and FOI.is_holiday(day) and not ENGLAND_AND_WALES.is_holiday(day):
            extra.append(day)
        day += timedelta(days=1)
    assert date(2021, 11, 30) in extra and date(2022, 3, 17) in extra
    assert date(2021, 7, 12) in extra and date(2021, 1, 4) in extra
    assert {d.year for d in extra} == set(range(FIRST.year, LAST.year + 1))
    for d in extra:
        scottish = d in holidays.country_holidays("GB", subdiv="SCT", years=d.year)
        northern = d in holidays.country_holidays("GB", subdiv="NIR", years=d.year)
        assert scottish or northern, d
