"""Crime-data returns: overdue, excluded and next due, as of a date, from a real import."""

from __future__ import annotations

import tempfile
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oversight.figures.returns import returns_status
from oversight.importing.kinds import KINDS, import_extract
from oversight.store import Store, open_store
from tests.support.data import NOW, RETURN_HEADER, write_csv
from tests.support.handchecked import ANNUAL, BACKSLASH, MONTHLY, ONS, RETURN_ROWS

# The hand-checked returns (tests/support/handchecked.py) are worked out as of D.
D = date(2020, 6, 30)


def import_returns(
    store: Store,
    folder: Path,
    rows: list[list[str]],
    *,
    name: str = "returns.csv",
    extract_as_of: date = date(2020, 7, 10),
) -> None:
    path = write_csv(folder / name, RETURN_HEADER, rows)
    import_extract(
        store,
        KINDS["returns"],
        path,
        extract_as_of=extract_as_of,
        imported_by="tester",
        imported_at=NOW,
    )


@pytest.fixture
def hand_store(store: Store, tmp_path: Path) -> Store:
    import_returns(store, tmp_path, RETURN_ROWS)
    return store


def keys(returns: list) -> list[tuple[str, str]]:
    return [(r.dataset, r.period) for r in returns]


def test_every_return_is_listed_overdue_first(hand_store: Store):
    status = returns_status(hand_store, D)
    assert status.as_of == D
    assert status.dataset is None
    assert keys(status.returns) == [
        (ONS, "2019-Q3"),  # 228 days overdue
        (ONS, "2019-Q4"),  # 137
        (ANNUAL, "2019/20"),  # 61
        (ONS, "2020-Q1"),  # then by due date
        (MONTHLY, "2020-06"),
        (BACKSLASH, "2020-07"),
        (ONS, "2020-Q2"),
        (ANNUAL, "2020/21"),
    ]
    assert [(r.overdue, r.days_overdue) for r in status.returns[:4]] == [
        (True, 228),
        (True, 137),
        (True, 61),
        (False, 0),
    ]
    assert keys(status.overdue) == keys(status.returns[:3])
    assert not any(r.overdue or r.days_overdue for r in status.returns[3:])


def test_statuses_notes_and_submission_dates(hand_store: Store):
    by_key = {(r.dataset, r.period): r for r in returns_status(hand_store, D).returns}
    q3 = by_key[(ONS, "2019-Q3")]
    assert (q3.status, q3.notes, q3.submitted_on, q3.submitted) == (
        "missing",
        "Not sent: excluded from the bulletin",
        None,
        False,
    )
    q1 = by_key[(ONS, "2020-Q1")]
    assert (q1.status, q1.submitted_on, q1.submitted) == ("submitted", date(2020, 5, 14), True)
    assert q1.notes is None  # a blank cell is stored as unknown
    # Sent on 3 July: on 30 June it had not been sent, whatever the status says now.
    annual = by_key[(ANNUAL, "2019/20")]
    assert (annual.status, annual.submitted_on, annual.submitted) == ("late", None, False)


def test_excluded_means_excluded_from_official_statistics(hand_store: Store):
    status = returns_status(hand_store, D)
    assert keys(status.excluded) == [(ONS, "2019-Q4")]
    assert [r.excluded for r in status.returns].count(True) == 1


def test_next_due_is_the_earliest_unsent_return_due_on_or_after_the_date(hand_store: Store):
    assert keys([returns_status(hand_store, D).next_due]) == [(MONTHLY, "2020-06")]
    # The day after, the monthly return is overdue and Stats\North is next.
    later = returns_status(hand_store, D + timedelta(days=1))
    assert keys([later.next_due]) == [(BACKSLASH, "2020-07")]
    assert (MONTHLY, "2020-06") in keys(later.overdue)


def test_a_later_submission_counts_from_its_date(hand_store: Store):
    # 1 July: the annual return is sent; on 30 June it was still 61 days overdue.
    by_day = {
        d: {(r.dataset, r.period): r for r in returns_status(hand_store, d).returns}
        for d in (date(2020, 6, 30), date(2020, 7, 1))
    }
    before, on = by_day[date(2020, 6, 30)], by_day[date(2020, 7, 1)]
    assert (before[(ANNUAL, "2019/20")].overdue, before[(ANNUAL, "2019/20")].days_overdue) == (
        True,
        61,
    )
    assert on[(ANNUAL, "2019/20")].overdue is False
    assert on[(ANNUAL, "2019/20")].submitted_on == date(2020, 7, 1)


def test_due_date_boundary(store: Store, tmp_path: Path):
    import_returns(store, tmp_path, [["Daily", "2020-06", "2020-06-30", "pending", "", ""]])
    assert returns_status(store, date(2020, 6, 30)).overdue == []  # due today: not yet overdue
    late = returns_status(store, date(2020, 7, 1)).returns[0]
    assert (late.overdue, late.days_overdue) == (True, 1)
    assert returns_status(store, date(2020, 7, 1)).next_due is None


def test_submitted_on_the_due_date_or_before_the_as_of_date_is_not_overdue(
    store: Store, tmp_path: Path
):
    rows = [
        ["A", "2020-Q1", "2020-05-15", "submitted", "2020-05-15", ""],
        ["B", "2020-Q1", "2020-05-15", "late", "2020-06-30", ""],
    ]
    import_returns(store, tmp_path, rows)
    status = returns_status(store, date(2020, 6, 30))
    assert status.overdue == []
    assert all(r.submitted for r in status.returns)


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("crime", [(ONS, p) for p in ("2019-Q3", "2019-Q4", "2020-Q1", "2020-Q2")]),
        ("CRIME", [(ONS, p) for p in ("2019-Q3", "2019-Q4", "2020-Q1", "2020-Q2")]),
        ("home office", [(ANNUAL, "2019/20"), (ANNUAL, "2020/21")]),
        ("%", [(MONTHLY, "2020-06")]),  # a literal percent sign, not "anything"
        ("_", [(MONTHLY, "2020-06")]),  # a literal underscore, not "any one character"
        ("Quarterly_crime", []),  # "_" would match the space if it were not escaped
        ("100%", [(MONTHLY, "2020-06")]),
        ("\\", [(BACKSLASH, "2020-07")]),
        ("s\\n", [(BACKSLASH, "2020-07")]),
        ("burglary", []),
    ],
)
def test_dataset_filter(hand_store: Store, search: str, expected: list):
    status = returns_status(hand_store, D, search)
    assert status.dataset == search
    assert sorted(keys(status.returns)) == sorted(expected)


def test_filter_keeps_the_order_and_the_figures(hand_store: Store):
    status = returns_status(hand_store, D, "ons")
    assert keys(status.returns) == [
        (ONS, "2019-Q3"),
        (ONS, "2019-Q4"),
        (ONS, "2020-Q1"),
        (ONS, "2020-Q2"),
    ]
    assert len(status.overdue) == 2
    assert keys([status.next_due]) == [(ONS, "2020-Q2")]


def test_no_returns(store: Store):
    status = returns_status(store, D)
    assert status.returns == []
    assert status.next_due is None
    assert status.overdue == status.excluded == []


# --- against a naive count over random rows ----------------------------------------------------

START, END = date(2019, 1, 1), date(2021, 12, 31)


@st.composite
def return_rows(draw: st.DrawFn) -> list[tuple[str, str, date, str, date | None]]:
    rows = {}
    for _ in range(draw(st.integers(1, 25))):
        dataset = draw(st.sampled_from(["Crime (ONS)", "Annual", "Monthly_x", "50% sample"]))
        period = f"{draw(st.integers(2019, 2021))}-Q{draw(st.integers(1, 4))}"
        due = draw(st.dates(START, END))
        status = draw(st.sampled_from(["submitted", "late", "missing", "excluded", "pending"]))
        submitted = None
        if status == "submitted" or (status in ("late", "excluded") and draw(st.booleans())):
            submitted = draw(st.dates(due - timedelta(days=30), due + timedelta(days=90)))
            submitted = min(submitted, END)
        rows[(dataset, period)] = (dataset, period, due, status, submitted)
    return list(rows.values())


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=return_rows(), as_of=st.dates(START, END + timedelta(days=30)))
def test_returns_match_a_naive_count(rows: list, as_of: date):
    with tempfile.TemporaryDirectory() as folder:
        store = open_store(Path(folder) / "oversight.db", create=True)
        try:
            csv_rows = [
                [ds, p, due.isoformat(), st_, sub.strftime("%d/%m/%Y") if sub else "", ""]
                for ds, p, due, st_, sub in rows
            ]
            import_returns(store, Path(folder), csv_rows, extract_as_of=END)
            status = returns_status(store, as_of)
        finally:
            store.close()
    sent = {(ds, p) for ds, p, _, _, sub in rows if sub is not None and sub <= as_of}
    overdue = {
        (ds, p): (as_of - due).days
        for ds, p, due, _, _ in rows
        if (ds, p) not in sent and due < as_of
    }
    assert {(r.dataset, r.period): r.days_overdue for r in status.overdue} == overdue
    assert len(status.returns) == len(rows)
    # Overdue first, longest overdue first; the rest by due date.
    flags = [r.overdue for r in status.returns]
    assert flags == sorted(flags, reverse=True)
    assert [r.days_overdue for r in status.overdue] == sorted(overdue.values(), reverse=True)
    rest = [r.due_on for r in status.returns if not r.overdue]
    assert rest == sorted(rest)
    assert {(r.dataset, r.period) for r in status.excluded} == {
        (ds, p) for ds, p, _, s, _ in rows if s == "excluded"
    }
    waiting = [(due, ds, p) for ds, p, due, _, _ in rows if (ds, p) not in sent and due >= as_of]
    expected_next = min(waiting)[1:] if waiting else None
    got_next = (status.next_due.dataset, status.next_due.period) if status.next_due else None
    assert got_next == expected_next  # ties on the due date go by dataset, then period
