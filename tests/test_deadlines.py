"""Deadlines open on a date: due soon or overdue, with working days left, from a real import."""

from __future__ import annotations

import tempfile
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oversight.figures.deadlines import open_deadlines
from oversight.importing.kinds import KINDS, import_extract
from oversight.store import Store, open_store
from tests.support.data import DEADLINE_HEADER, NOW, write_csv
from tests.support.handchecked import DEADLINE_ROWS, DEADLINES_EXPECTED


def import_deadlines(
    store: Store,
    folder: Path,
    rows: list[list[str]],
    *,
    name: str = "deadlines.csv",
    extract_as_of: date = date(2020, 12, 31),
) -> None:
    path = write_csv(folder / name, DEADLINE_HEADER, rows)
    import_extract(
        store,
        KINDS["deadlines"],
        path,
        extract_as_of=extract_as_of,
        imported_by="tester",
        imported_at=NOW,
    )


# The hand-checked deadlines (tests/support/handchecked.py) are worked out as of D.
D = date(2020, 12, 23)


@pytest.fixture
def hand_store(store: Store, tmp_path: Path) -> Store:
    import_deadlines(store, tmp_path, DEADLINE_ROWS)
    return store


def test_open_deadlines_overdue_first(hand_store: Store):
    result = open_deadlines(hand_store, D, 14)
    assert (result.as_of, result.within_days) == (D, 14)
    assert [
        (d.title, d.days_left, d.working_days_left) for d in result.deadlines
    ] == DEADLINES_EXPECTED
    assert [d.title for d in result.overdue] == ["B done late", "A overdue"]
    assert [d.title for d in result.upcoming] == [t for t, _, _ in DEADLINES_EXPECTED[2:]]
    assert all(d.overdue is (d.days_left < 0) for d in result.deadlines)


def test_fields_are_carried_through(hand_store: Store):
    by_title = {d.title: d for d in open_deadlines(hand_store, D, 14).deadlines}
    b = by_title["B done late"]
    assert (b.due_on, b.category, b.owner) == (date(2020, 12, 10), "ONS", "Head of Data")
    g = by_title["G last day"]
    assert (g.category, g.owner) == (None, None)


@pytest.mark.parametrize(
    ("within", "titles"),
    [
        # Overdue ones are always shown; the window decides which upcoming ones are.
        (1, ["B done late", "A overdue", "E due today", "I Christmas Eve"]),
        (12, ["B done late", "A overdue", "E due today", "I Christmas Eve", "F after Christmas"]),
        (13, ["B done late", "A overdue", "E due today", "I Christmas Eve", "F after Christmas"]),
        (15, [t for t, _, _ in DEADLINES_EXPECTED] + ["H too far"]),
    ],
)
def test_window_in_calendar_days(hand_store: Store, within: int, titles: list[str]):
    assert [d.title for d in open_deadlines(hand_store, D, within).deadlines] == titles


def test_open_on_the_date_follows_done_on(hand_store: Store):
    # On 24 December B was done: it is no longer listed. A is 4 working days overdue.
    later = {d.title: d for d in open_deadlines(hand_store, date(2020, 12, 24), 14).deadlines}
    assert "B done late" not in later
    assert later["A overdue"].working_days_left == -4
    # "E due today" is now a day overdue, by one working day (Thursday 24th).
    assert (later["E due today"].days_left, later["E due today"].working_days_left) == (-1, -1)
    # On 21 December C (done on the 22nd) was open and overdue by one working day.
    earlier = {d.title: d for d in open_deadlines(hand_store, date(2020, 12, 21), 14).deadlines}
    assert (earlier["C done"].days_left, earlier["C done"].working_days_left) == (-1, -1)
    # A deadline done on the day is not open on that day.
    assert "C done" not in {
        d.title for d in open_deadlines(hand_store, date(2020, 12, 22), 14).deadlines
    }


def test_overdue_over_a_bank_holiday_weekend(store: Store, tmp_path: Path):
    # Due Thursday 24 December; on Tuesday 29th: 25th, weekend, 28th substitute, 29th = 1.
    import_deadlines(store, tmp_path, [["Report", "2020-12-24", "", "", "open", ""]])
    (item,) = open_deadlines(store, date(2020, 12, 29), 14).deadlines
    assert (item.days_left, item.working_days_left, item.overdue) == (-5, -1, True)


def test_no_deadlines(store: Store):
    result = open_deadlines(store, D, 14)
    assert result.deadlines == result.overdue == result.upcoming == []


# --- against a naive count over random rows ----------------------------------------------------

START, END = date(2020, 1, 1), date(2021, 6, 30)


@st.composite
def deadline_rows(draw: st.DrawFn) -> list[tuple[str, date, str, date | None]]:
    rows = []
    for i in range(draw(st.integers(1, 20))):
        due = draw(st.dates(START, END))
        status = draw(st.sampled_from(["open", "done", ""]))
        done = None
        if status == "done" and draw(st.integers(0, 5)):
            done = draw(st.dates(due - timedelta(days=20), min(END, due + timedelta(days=20))))
        rows.append((f"T{i}", due, status or "open", done))
    return rows


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=deadline_rows(), as_of=st.dates(START, END), within=st.integers(1, 366))
def test_deadlines_match_a_naive_count(rows: list, as_of: date, within: int):
    with tempfile.TemporaryDirectory() as folder:
        store = open_store(Path(folder) / "oversight.db", create=True)
        try:
            csv_rows = [
                [title, due.isoformat(), "", "", status, done.isoformat() if done else ""]
                for title, due, status, done in rows
            ]
            import_deadlines(store, Path(folder), csv_rows, extract_as_of=END)
            result = open_deadlines(store, as_of, within)
        finally:
            store.close()
    # Open on D: not done, or done after D. (Done with no date is taken as done.)
    shown = sorted(
        (due, title)
        for title, due, status, done in rows
        if (status == "open" or (done is not None and done > as_of))
        and due <= as_of + timedelta(days=within)
    )
    assert [(d.due_on, d.title) for d in result.deadlines] == shown
    for d in result.deadlines:
        assert d.days_left == (d.due_on - as_of).days
        assert d.overdue is (d.due_on < as_of)
        # Working days: counted one day at a time, the other way round from the code.
        step = 1 if d.due_on >= as_of else -1
        span = range(0, (d.due_on - as_of).days, step)
        working = [as_of + timedelta(days=n + (step > 0)) for n in span]
        count = sum(1 for day in working if day.weekday() < 5 and not _holiday(day))
        assert d.working_days_left == step * count


def _holiday(day: date) -> bool:
    import holidays

    return day in holidays.country_holidays("GB", subdiv="ENG", years=day.year)
