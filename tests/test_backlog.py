"""The review backlog, counted from real imports into a real SQLite store.

Hand-checked data sets pin the definitions; a hypothesis property test compares every figure,
for random rows and random as-of dates, with a naive count over the same rows (the oracle).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from oversight.figures.backlog import (
    ALL,
    WORKSTREAMS,
    backlog,
    percent,
    project_completion,
    week_start,
)
from oversight.importing.kinds import KINDS, import_extract
from oversight.store import Store, open_store
from tests.support.data import CASE_HEADER, NOW, case, write_csv
from tests.support.handchecked import BACKLOG_EXPECTED, CASE_ROWS, CP, DA


def import_cases(
    store: Store,
    folder: Path,
    rows: list[list[str]],
    *,
    name: str = "cases.csv",
    extract_as_of: date = date(2020, 7, 10),
) -> None:
    path = write_csv(folder / name, CASE_HEADER, rows)
    import_extract(
        store,
        KINDS["cases"],
        path,
        extract_as_of=extract_as_of,
        imported_by="tester",
        imported_at=NOW,
    )


def reviewed(ref: str, workstream: str, on: str, **answers: str) -> list[str]:
    return case(
        ref,
        workstream,
        recorded_on="2019-07-01",
        review_status="reviewed",
        reviewed_on=on,
        **answers,
    )


# --- the hand-checked data set (tests/support/handchecked.py) ------------------------------

D = date(2020, 6, 30)


def as_tuple(f: object) -> tuple:
    return (
        f.recorded,
        f.needing_review,
        f.reviewed,
        f.outstanding,
        f.percent_reviewed,
        f.ncrs_answered,
        f.ncrs_compliant,
        f.ncrs_percent,
        f.referrals_not_sent,
        f.referrals_unknown,
    )


@pytest.fixture
def hand_store(store: Store, tmp_path: Path) -> Store:
    import_cases(store, tmp_path, CASE_ROWS)
    return store


def test_hand_checked_figures_for_every_workstream(hand_store: Store):
    result = backlog(hand_store, D)
    assert result.as_of == D
    assert result.workstream == ALL
    assert [f.workstream for f in result.figures] == [DA, CP, ALL]
    assert {f.workstream: as_tuple(f) for f in result.figures} == BACKLOG_EXPECTED


@pytest.mark.parametrize("workstream", [DA, CP])
def test_one_workstream_shows_only_its_own_figures(hand_store: Store, workstream: str):
    result = backlog(hand_store, D, workstream)
    assert [f.workstream for f in result.figures] == [workstream]
    assert as_tuple(result.figures[0]) == BACKLOG_EXPECTED[workstream]
    assert result.trend.outstanding == BACKLOG_EXPECTED[workstream][3]


def test_hand_checked_trend_for_all(hand_store: Store):
    trend = backlog(hand_store, D).trend
    # Reviews by week: 1 Jun: DA1; 8 Jun: DA2; 15 Jun: CP1, CP2; 22 Jun: DA3 (Sunday 28th).
    # DA4 (Monday 29th) is in the partial week and DA10 is after D: neither is counted.
    assert [(w.week_start, w.completed) for w in trend.weeks[-4:]] == [
        (date(2020, 6, 1), 1),
        (date(2020, 6, 8), 1),
        (date(2020, 6, 15), 2),
        (date(2020, 6, 22), 1),
    ]
    assert sum(w.completed for w in trend.weeks[:-4]) == 0
    assert trend.last_week.week_start == date(2020, 6, 22)
    assert trend.four_week_mean == 1.25  # 5 / 4
    # On D - 7 = 23 June: need review DA1-6, DA10, CP1, CP2, CP4 = 10 (DA8 not yet recorded);
    # reviewed DA1, DA2, CP1, CP2 = 4; outstanding 6. On D it is 5: down 1.
    assert trend.outstanding == 5
    assert trend.outstanding_week_before == 6
    assert trend.change_over_week == -1
    # 5 outstanding / 1.25 a week = 4 weeks = 28 days after 30 June.
    assert trend.projected_completion == date(2020, 7, 28)
    assert not trend.complete
    assert trend.has_projection


def test_hand_checked_trend_per_workstream(hand_store: Store):
    da = backlog(hand_store, D, DA).trend
    # DA weeks: 1, 1, 0, 1 -> mean 0.75; 4 outstanding / 0.75 * 7 = 37.3 -> 38 days: 7 August.
    assert [w.completed for w in da.weeks[-4:]] == [1, 1, 0, 1]
    assert da.four_week_mean == 0.75
    assert (da.outstanding_week_before, da.outstanding) == (5, 4)
    assert da.projected_completion == date(2020, 8, 7)
    cp = backlog(hand_store, D, CP).trend
    # CP weeks: 0, 0, 2, 0 -> mean 0.5; 1 outstanding / 0.5 * 7 = 14 days: 14 July.
    assert [w.completed for w in cp.weeks[-4:]] == [0, 0, 2, 0]
    assert cp.four_week_mean == 0.5
    assert (cp.outstanding_week_before, cp.outstanding, cp.change_over_week) == (1, 1, 0)
    assert cp.projected_completion == date(2020, 7, 14)


def test_figures_follow_the_as_of_date(hand_store: Store):
    # On 1 July DA9 is recorded (needs review, outstanding): DA 10 / 9 / 4 / 5.
    da = backlog(hand_store, date(2020, 7, 1), DA).figures[0]
    assert (da.recorded, da.needing_review, da.reviewed, da.outstanding) == (10, 9, 4, 5)
    # On 5 July DA10's review is done: reviewed 5, outstanding 4, NCRS 3 of 4 = 75.0%.
    da = backlog(hand_store, date(2020, 7, 5), DA).figures[0]
    assert (da.reviewed, da.outstanding, da.ncrs_compliant, da.ncrs_answered) == (5, 4, 3, 4)
    assert da.ncrs_percent == 75.0
    # Before anything was recorded, every count is zero and the percentages are unknown.
    empty = backlog(hand_store, date(2019, 6, 30)).figures[-1]
    assert as_tuple(empty) == (0, 0, 0, 0, None, 0, 0, None, 0, 0)


def test_a_newer_extract_recounts_the_totals(hand_store: Store, tmp_path: Path):
    # DA6 is reviewed on 29 June (NCRS no, referral required and not sent); CP4 is unchanged.
    rows = [r for r in CASE_ROWS if r[0] != "DA6"]
    rows.append(case("DA6", DA, "2019-08-02", "yes", "reviewed", "2020-06-29", "no", "yes", "no"))
    import_cases(hand_store, tmp_path, rows, name="cases-2.csv")
    da = backlog(hand_store, D, DA).figures[0]
    # reviewed 4 + 1 = 5, outstanding 3; NCRS 2 of 4 = 50.0%; not sent 1 + 1 = 2.
    assert (da.reviewed, da.outstanding, da.ncrs_percent, da.referrals_not_sent) == (5, 3, 50.0, 2)
    # A row missing from a later extract is kept as it was: CP4 is still outstanding.
    import_cases(hand_store, tmp_path, [r for r in rows if r[0] != "CP4"], name="cases-3.csv")
    assert backlog(hand_store, D, CP).figures[0].outstanding == 1


def test_empty_store(store: Store):
    result = backlog(store, D)
    assert all(as_tuple(f) == (0, 0, 0, 0, None, 0, 0, None, 0, 0) for f in result.figures)
    assert result.trend.four_week_mean == 0
    assert result.trend.complete
    assert result.trend.projected_completion is None
    assert len(result.trend.weeks) == 12


def test_nothing_outstanding_needs_no_projection(store: Store, tmp_path: Path):
    import_cases(
        store,
        tmp_path,
        [reviewed("CP1", CP, "2020-06-24"), case("CP2", CP, needs_review="no", review_status="")],
    )
    trend = backlog(store, D, CP).trend
    assert trend.four_week_mean == 0.25
    assert trend.complete
    assert trend.projected_completion is None


def test_no_reviews_in_four_weeks_gives_no_projection(store: Store, tmp_path: Path):
    # One review long ago (outside the last four complete weeks), one case outstanding.
    import_cases(store, tmp_path, [reviewed("DA1", DA, "2020-01-06"), case("DA2", DA)])
    trend = backlog(store, D).trend
    assert trend.four_week_mean == 0
    assert trend.outstanding == 1
    assert not trend.complete
    assert trend.projected_completion is None
    assert backlog(store, D).figures[-1].reviewed == 1


def test_projection_is_exact_where_floating_point_is_not(store: Store, tmp_path: Path):
    # 7 reviews in the four complete weeks to Sunday 28 June: mean 1.75 a week.
    # 29 outstanding: 29 / 1.75 * 7 = 116 days exactly (in floats, 116.00000000000001).
    # 28 June + 116 days = 22 October (2 to 30 Jun, 31 Jul, 31 Aug, 30 Sep, then 22).
    days = ["2020-06-01", "2020-06-02", "2020-06-08", "2020-06-09", "2020-06-15"]
    days += ["2020-06-22", "2020-06-28"]
    rows = [reviewed(f"R{i}", DA, day) for i, day in enumerate(days)]
    rows += [case(f"O{i}", DA) for i in range(29)]
    import_cases(store, tmp_path, rows)
    trend = backlog(store, date(2020, 6, 28)).trend
    assert trend.four_week_mean == 1.75
    assert trend.outstanding == 29
    assert trend.projected_completion == date(2020, 10, 22)


def test_project_completion_directly():
    d = date(2020, 6, 30)
    assert project_completion(d, 29, 1.75) == d + timedelta(days=116)
    assert project_completion(d, 1, 7.0) == d + timedelta(days=1)
    assert project_completion(d, 1, 8.0) == d + timedelta(days=1)  # 0.875 of a day: rounded up
    assert project_completion(d, 3, 0.25) == d + timedelta(days=84)
    assert project_completion(d, 0, 3.0) is None
    assert project_completion(d, 5, 0.0) is None


# --- week boundaries --------------------------------------------------------------------------

WEEK_ROWS = [
    reviewed("W1", DA, "2020-06-20"),  # Saturday
    reviewed("W2", DA, "2020-06-21"),  # Sunday
    reviewed("W3", CP, "2020-06-22"),  # Monday
    reviewed("W4", CP, "2020-06-28"),  # Sunday
    reviewed("W5", DA, "2020-06-29"),  # Monday
]


@pytest.mark.parametrize(
    ("as_of", "last_week", "last_count", "reviewed_total"),
    [
        (date(2020, 6, 20), date(2020, 6, 8), 0, 1),  # Saturday: the week of 15th is not over
        (date(2020, 6, 21), date(2020, 6, 15), 2, 2),  # Sunday: its own week is complete
        (date(2020, 6, 22), date(2020, 6, 15), 2, 3),  # Monday: the new week is not counted
        (date(2020, 6, 27), date(2020, 6, 15), 2, 3),  # Saturday
        (date(2020, 6, 28), date(2020, 6, 22), 2, 4),  # Sunday: Monday 22nd and Sunday 28th
        (date(2020, 6, 29), date(2020, 6, 22), 2, 5),  # Monday: W5 reviewed but not in a week
    ],
)
def test_week_boundaries(
    store: Store, tmp_path: Path, as_of: date, last_week: date, last_count: int, reviewed_total: int
):
    import_cases(store, tmp_path, WEEK_ROWS)
    result = backlog(store, as_of)
    weeks = result.trend.weeks
    assert weeks[-1].week_start == last_week
    assert weeks[-1].completed == last_count
    assert weeks[-1].week_start + timedelta(days=6) <= as_of
    assert weeks[-1].week_start + timedelta(days=13) > as_of  # and it is the latest such week
    assert result.figures[-1].reviewed == reviewed_total


def test_weeks_are_twelve_consecutive_mondays_oldest_first(store: Store, tmp_path: Path):
    import_cases(store, tmp_path, WEEK_ROWS)
    weeks = backlog(store, date(2020, 6, 28)).trend.weeks
    assert len(weeks) == 12
    assert weeks[0].week_start == date(2020, 4, 6)
    assert all(w.week_start.weekday() == 0 for w in weeks)
    assert all(b.week_start - a.week_start == timedelta(weeks=1) for a, b in pairwise(weeks))
    # The four-week mean reads only the last four: 2 + 2 = 4 reviews / 4 weeks.
    assert backlog(store, date(2020, 6, 28)).trend.four_week_mean == 1.0


@pytest.mark.parametrize(
    ("rows", "as_of", "expected"),
    [
        # British Summer Time began at 01:00 on Sunday 29 March 2020.
        (
            ["2020-03-28", "2020-03-29", "2020-03-30", "2020-04-05"],
            date(2020, 4, 5),
            [(date(2020, 3, 23), 2), (date(2020, 3, 30), 2)],
        ),
        # It ended at 02:00 on Sunday 25 October 2020.
        (
            ["2020-10-24", "2020-10-25", "2020-10-26", "2020-11-01"],
            date(2020, 11, 1),
            [(date(2020, 10, 19), 2), (date(2020, 10, 26), 2)],
        ),
        # D on the clock-change Sunday itself: its week is complete.
        (
            ["2020-10-19", "2020-10-25", "2020-10-26"],
            date(2020, 10, 25),
            [(date(2020, 10, 12), 0), (date(2020, 10, 19), 2)],
        ),
    ],
)
def test_clock_changes_do_not_move_reviews_between_weeks(
    store: Store, tmp_path: Path, rows: list[str], as_of: date, expected: list
):
    import_cases(
        store,
        tmp_path,
        [reviewed(f"C{i}", DA, day) for i, day in enumerate(rows)],
        extract_as_of=date(2020, 12, 31),
    )
    weeks = backlog(store, as_of).trend.weeks
    assert [(w.week_start, w.completed) for w in weeks[-2:]] == expected
    assert all(b.week_start - a.week_start == timedelta(days=7) for a, b in pairwise(weeks))


def test_week_start():
    assert week_start(date(2020, 6, 29)) == date(2020, 6, 29)  # Monday
    assert week_start(date(2020, 7, 5)) == date(2020, 6, 29)  # Sunday
    assert week_start(date(2020, 3, 29)) == date(2020, 3, 23)
    assert week_start(date(2021, 1, 1)) == date(2020, 12, 28)  # across a year


# --- percentages ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("numerator", "denominator", "expected"),
    [
        (1, 8, 12.5),
        (1, 16, 6.3),  # 6.25: the half goes up
        (1, 80, 1.3),  # 1.25
        (3, 80, 3.8),  # 3.75
        (1, 3, 33.3),
        (2, 3, 66.7),
        (1, 6, 16.7),
        (5, 6, 83.3),
        (3235, 3370, 96.0),  # the demo's 96.0%: 95.994...
        (0, 5, 0.0),
        (5, 5, 100.0),
        (0, 0, None),
        (3, 0, None),
    ],
)
def test_percent(numerator: int, denominator: int, expected: float | None):
    assert percent(numerator, denominator) == expected


def half_up_tenths(numerator: int, denominator: int) -> Decimal:
    """100 * n / d to one decimal place, halves up, in integers: floor(1000n/d + 1/2) / 10."""
    tenths = (2000 * numerator + denominator) // (2 * denominator)
    return Decimal(tenths) / 10


@given(st.integers(0, 10**6), st.integers(1, 10**6))
def test_percent_matches_an_integer_count(a: int, b: int):
    numerator, denominator = min(a, b), max(a, b)
    assert Decimal(str(percent(numerator, denominator))) == half_up_tenths(numerator, denominator)


# --- the oracle: random rows, imported for real, against a naive count ------------------------

START, END = date(2019, 6, 1), date(2020, 12, 31)
SPELLINGS = {
    DA: ["domestic_abuse", "DA", "da", "Domestic Abuse", "domestic-abuse"],
    CP: ["child_protection", "CP", "cp", "Child Protection"],
}
YES, NO = ["yes", "Y", "TRUE", "1"], ["no", "n", "False", "0"]


@dataclass(frozen=True)
class Case:
    ref: str
    workstream: str
    recorded_on: date
    needs_review: bool
    status: str  # as stored: outstanding, in_progress, reviewed, not_required
    reviewed_on: date | None
    ncrs: bool | None
    referral_required: bool | None
    referral_sent: bool | None


@st.composite
def a_date_text(draw: st.DrawFn, day: date) -> str:
    return day.isoformat() if draw(st.booleans()) else f"{day.day:02d}/{day.month:02d}/{day.year}"


@st.composite
def yes_no(draw: st.DrawFn) -> tuple[bool | None, str]:
    value = draw(st.sampled_from([None, True, False]))
    if value is None:
        return None, draw(st.sampled_from(["", " "]))
    return value, draw(st.sampled_from(YES if value else NO))


@st.composite
def a_case(draw: st.DrawFn, ref: str, days: st.SearchStrategy[date]) -> tuple[Case, list[str]]:
    workstream = draw(st.sampled_from(WORKSTREAMS))
    recorded_on = draw(days)
    needs_review = draw(st.booleans())
    reviewed_on = None
    if needs_review:
        status = draw(st.sampled_from(["outstanding", "in_progress", "reviewed", "reviewed"]))
        status_text = status
        if status == "reviewed":
            latest = (END - recorded_on).days
            # Mostly soon after recording, so reviews crowd into the weeks around the as-of dates.
            delay = draw(st.one_of(st.integers(0, min(21, latest)), st.integers(0, latest)))
            reviewed_on = recorded_on + timedelta(days=delay)
    else:
        status = "not_required"
        status_text = draw(st.sampled_from(["", "not_required", "Not Required"]))
    ncrs, ncrs_text = draw(yes_no())
    required, required_text = draw(yes_no())
    sent, sent_text = draw(yes_no())
    row = [
        ref,
        draw(st.sampled_from(SPELLINGS[workstream])),
        draw(a_date_text(recorded_on)),
        draw(st.sampled_from(YES if needs_review else NO)),
        status_text,
        draw(a_date_text(reviewed_on)) if reviewed_on else "",
        ncrs_text,
        required_text,
        sent_text,
    ]
    return (
        Case(ref, workstream, recorded_on, needs_review, status, reviewed_on, ncrs, required, sent),
        row,
    )


@st.composite
def extracts(draw: st.DrawFn) -> tuple[list[list[str]], list[list[str]], dict[str, Case]]:
    """A first extract, a second one (new rows and changed rows), and the cases after both."""
    # Dates cluster in a window some of the time, so weeks and as-of dates meet often.
    centre = draw(st.dates(START, END))
    width = timedelta(days=draw(st.sampled_from([14, 45, 120])))
    window = st.dates(max(START, centre - width), min(END, centre + width))
    days = draw(st.sampled_from([st.dates(START, END), window]))
    count = draw(st.integers(1, 60))
    first = [draw(a_case(f"R{i}", days)) for i in range(count)]
    changed = draw(st.lists(st.integers(0, count + 10), max_size=15, unique=True))
    second = [draw(a_case(f"R{i}", days)) for i in changed]
    cases = {c.ref: c for c, _ in first}
    cases.update({c.ref: c for c, _ in second})
    return [row for _, row in first], [row for _, row in second], cases


def naive_figures(cases: list[Case], workstream: str, d: date) -> tuple:
    mine = [c for c in cases if workstream == ALL or c.workstream == workstream]
    recorded = [c for c in mine if c.recorded_on <= d]
    need = [c for c in recorded if c.needs_review]
    done = [c for c in need if c.status == "reviewed" and c.reviewed_on <= d]
    outstanding = [c for c in need if c not in done]
    answered = [c for c in done if c.ncrs is not None]
    compliant = [c for c in answered if c.ncrs is True]
    not_sent = [c for c in done if c.referral_required is True and c.referral_sent is False]
    unknown = [c for c in done if c.referral_required is True and c.referral_sent is None]
    return (
        len(recorded),
        len(need),
        len(done),
        len(outstanding),
        half_up_tenths(len(done), len(need)) if need else None,
        len(answered),
        len(compliant),
        half_up_tenths(len(compliant), len(answered)) if answered else None,
        len(not_sent),
        len(unknown),
    )


def naive_trend(cases: list[Case], workstream: str, d: date) -> tuple:
    mine = [c for c in cases if workstream == ALL or c.workstream == workstream]
    # Every Monday whose whole week (to Sunday) is on or before D; the latest twelve.
    mondays = [
        d - timedelta(days=n) for n in range(6, 100) if (d - timedelta(days=n)).weekday() == 0
    ]
    mondays = sorted(mondays)[-12:]
    weeks = [
        (
            monday,
            sum(
                1
                for c in mine
                if c.status == "reviewed" and monday <= c.reviewed_on <= monday + timedelta(days=6)
            ),
        )
        for monday in mondays
    ]
    last_four = sum(n for _, n in weeks[-4:])
    outstanding = naive_figures(cases, workstream, d)[3]
    before = naive_figures(cases, workstream, d - timedelta(days=7))[3]
    if outstanding == 0 or last_four == 0:
        projected = None
    else:  # outstanding / (last_four / 4) weeks, in days, rounded up
        projected = d + timedelta(days=-(-outstanding * 28 // last_four))
    return weeks, Fraction(last_four, 4), outstanding, before, projected


def comparable(figures: object) -> tuple:
    values = list(as_tuple(figures))
    for i in (4, 7):  # the percentages, as the decimals they were rounded to
        values[i] = None if values[i] is None else Decimal(str(values[i]))
    return tuple(values)


@pytest.mark.slow
@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=extracts(), as_of_dates=st.data())
def test_every_figure_matches_a_naive_count(data: tuple, as_of_dates: st.DataObject):
    first, second, cases = data
    every = list(cases.values())
    # As-of dates: anywhere, or on, just before or just after a date in the data.
    known = [c.recorded_on for c in every] + [c.reviewed_on for c in every if c.reviewed_on]
    near = st.builds(
        lambda day, shift: day + timedelta(days=shift),
        st.sampled_from(known),
        st.sampled_from([-7, -1, 0, 1, 6, 7, 8, 13, 20, 27, 28, 34]),
    )
    dates = as_of_dates.draw(
        st.lists(
            st.one_of(st.dates(START - timedelta(days=30), END + timedelta(days=60)), near),
            min_size=1,
            max_size=4,
        ),
        label="as-of dates",
    )
    with tempfile.TemporaryDirectory() as folder:
        store = open_store(Path(folder) / "oversight.db", create=True)
        try:
            import_cases(store, Path(folder), first, name="first.csv", extract_as_of=END)
            if second:
                import_cases(store, Path(folder), second, name="second.csv", extract_as_of=END)
            for d in dates:
                for workstream in (DA, CP, ALL):
                    result = backlog(store, d, workstream)
                    shown = [*WORKSTREAMS, ALL] if workstream == ALL else [workstream]
                    assert [f.workstream for f in result.figures] == shown
                    for f in result.figures:
                        assert comparable(f) == naive_figures(every, f.workstream, d), (
                            d,
                            f.workstream,
                        )
                    trend = result.trend
                    weeks, mean, outstanding, before, projected = naive_trend(every, workstream, d)
                    assert [(w.week_start, w.completed) for w in trend.weeks] == weeks
                    assert Fraction(trend.four_week_mean) == mean
                    assert trend.outstanding == outstanding
                    assert trend.outstanding_week_before == before
                    assert trend.change_over_week == outstanding - before
                    assert trend.projected_completion == projected
                    if projected:
                        event(f"projection, exact: {outstanding * 28 % (mean * 4) == 0}")
        finally:
            store.close()
