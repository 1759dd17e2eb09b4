"""A kind's ``vouch`` (its rule checked over whole columns) never clears what its ``check``
(the rule row by row) refuses, and fills in exactly what the check fills in."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oversight.importing.kinds import KINDS

AS_OF = date(2020, 6, 30)
DAYS = st.sampled_from([None, date(2019, 7, 1), date(2020, 1, 5), AS_OF, date(2020, 7, 1)])
CASE_ROW = st.fixed_dictionaries(
    {
        "recorded_on": st.sampled_from([date(2019, 7, 1), date(2020, 1, 5), date(2020, 7, 1)]),
        "needs_review": st.booleans(),
        "review_status": st.sampled_from(
            [None, "outstanding", "in_progress", "reviewed", "not_required"]
        ),
        "reviewed_on": DAYS,
        "risk_assessed_on": DAYS,
        "risk_level": st.sampled_from([None, "standard", "high"]),
    }
)
MOMENTS = ["2020-01-31 21:00", "2020-01-31 22:15", "2020-06-30 23:59", "2020-07-01 00:00"]
ASSAULT_ROW = st.fixed_dictionaries(
    {
        "arrived_at": st.sampled_from(MOMENTS),
        "incident_at": st.sampled_from([None, *MOMENTS]),
    }
)


def _columns(rows: list[dict[str, object]]) -> dict[str, list[object]]:
    return {name: [row[name] for row in rows] for name in rows[0]}


def _held_to_check(kind_name: str, rows: list[dict[str, object]]) -> bool:
    """Whether the vouch cleared the rows; when it did, the check row by row found nothing and
    filled in what the vouch filled in."""
    kind = KINDS[kind_name]
    columns = _columns(rows)
    given_columns = {name: list(values) for name, values in columns.items()}
    if not kind.vouch(given_columns, AS_OF):
        return False
    for n, row in enumerate(rows):
        checked = {k: None for k in kind.key} | dict(row)
        assert kind.check(checked, AS_OF) == [], row
        for name in columns:
            assert given_columns[name][n] == checked[name], (row, name)
    return True


@settings(max_examples=300, deadline=None)
@given(st.lists(CASE_ROW, min_size=1, max_size=8))
def test_the_cases_vouch_clears_only_what_the_check_clears(rows):
    _held_to_check("cases", rows)


@settings(max_examples=200, deadline=None)
@given(st.lists(ASSAULT_ROW, min_size=1, max_size=8))
def test_the_hospital_vouch_clears_only_what_the_check_clears(rows):
    _held_to_check("assaults", rows)


@pytest.mark.parametrize(
    ("kind_name", "rows"),
    [
        (
            "cases",
            [
                {"recorded_on": date(2019, 7, 1), "needs_review": False, "review_status": None,
                 "reviewed_on": None, "risk_assessed_on": None, "risk_level": None},
                {"recorded_on": date(2019, 7, 1), "needs_review": True,
                 "review_status": "reviewed", "reviewed_on": date(2020, 1, 5),
                 "risk_assessed_on": date(2019, 7, 2), "risk_level": "high"},
            ],
        ),
        ("assaults", [{"arrived_at": MOMENTS[1], "incident_at": MOMENTS[0]}]),
    ],
)  # fmt: skip
def test_valid_rows_are_cleared_and_blank_statuses_filled(kind_name, rows):
    assert _held_to_check(kind_name, rows)  # the vouch is not one that clears nothing


def test_one_row_the_check_refuses_keeps_the_whole_batch_from_the_vouch():
    good = {"recorded_on": date(2019, 7, 1), "needs_review": True, "review_status": "outstanding",
            "reviewed_on": None, "risk_assessed_on": None, "risk_level": None}  # fmt: skip
    for bad in (
        {"review_status": None},
        {"reviewed_on": date(2019, 6, 30), "review_status": "reviewed"},
        {"recorded_on": date(2020, 7, 1)},
        {"risk_level": "high"},
        {"risk_assessed_on": date(2019, 6, 1)},
    ):
        assert not _held_to_check("cases", [good] * 3 + [good | bad])
