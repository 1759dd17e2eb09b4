"""The review backlog: what was recorded, needed review, was reviewed and is outstanding on a date.

Every figure is a sum over ``case_daily`` (per-workstream, per-day totals recounted at each
import), so the cost does not grow with the number of case rows.
"""

from __future__ import annotations

import math
import sqlite3
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from oversight.store import Store
from oversight.values import WORKSTREAMS

ALL = "all"
TREND_WEEKS = 12


def percent(numerator: int, denominator: int) -> float | None:
    """A percentage to one decimal place, halves rounded up; None when dividing by zero."""
    if not denominator:
        return None
    value = Decimal(numerator) * 100 / Decimal(denominator)
    return float(value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class WorkstreamFigures:
    workstream: str  # "domestic_abuse", "child_protection" or "all"
    recorded: int
    needing_review: int
    reviewed: int
    outstanding: int
    ncrs_answered: int
    ncrs_compliant: int
    referrals_not_sent: int
    referrals_unknown: int

    @property
    def percent_reviewed(self) -> float | None:
        return percent(self.reviewed, self.needing_review)

    @property
    def ncrs_percent(self) -> float | None:
        return percent(self.ncrs_compliant, self.ncrs_answered)


@dataclass(frozen=True)
class WeekCount:
    week_start: date  # a Monday
    completed: int


@dataclass(frozen=True)
class Trend:
    weeks: list[WeekCount]  # complete weeks, oldest first, the last one ending on or before D
    four_week_mean: float
    outstanding: int
    outstanding_week_before: int
    projected_completion: date | None  # None: complete, or no projection

    @property
    def last_week(self) -> WeekCount | None:
        return self.weeks[-1] if self.weeks else None

    @property
    def change_over_week(self) -> int:
        return self.outstanding - self.outstanding_week_before

    @property
    def complete(self) -> bool:
        return self.outstanding == 0

    @property
    def has_projection(self) -> bool:
        return self.projected_completion is not None


AGE_THRESHOLDS = (90, 180, 365)  # days: risk to a victim grows with every week a review waits


@dataclass(frozen=True)
class OutstandingAges:
    """How long the outstanding reviews have waited on the as-of date."""

    as_of: date
    older_than: dict[int, int]  # days -> outstanding reviews recorded more than that long ago
    oldest_recorded_on: date | None  # the oldest outstanding review's recorded date

    @property
    def oldest_days(self) -> int | None:
        if self.oldest_recorded_on is None:
            return None
        return (self.as_of - self.oldest_recorded_on).days


def outstanding_ages(conn: sqlite3.Connection, as_of: date, workstream: str) -> OutstandingAges:
    """Outstanding reviews on ``as_of`` recorded more than 90, 180 and 365 days before it."""
    day = as_of.isoformat()
    sql = (
        "SELECT recorded_on, SUM(needing) FROM case_ages WHERE recorded_on <= ? "
        "AND (reviewed_on = '' OR reviewed_on > ?)"
    )
    params: list[object] = [day, day]
    if workstream != ALL:
        sql += " AND workstream = ?"
        params.append(workstream)
    waiting = [
        (date.fromisoformat(recorded), n)
        for recorded, n in conn.execute(sql + " GROUP BY recorded_on ORDER BY recorded_on", params)
        if n
    ]
    older_than = {
        days: sum(n for recorded, n in waiting if (as_of - recorded).days > days)
        for days in AGE_THRESHOLDS
    }
    return OutstandingAges(as_of, older_than, waiting[0][0] if waiting else None)


@dataclass(frozen=True)
class Backlog:
    as_of: date
    workstream: str  # the one asked about, or "all"
    figures: list[WorkstreamFigures]  # each workstream asked about, then "all" when both
    trend: Trend
    ages: OutstandingAges


_SUMS = """coalesce(SUM(recorded), 0), coalesce(SUM(needing_review), 0), coalesce(SUM(reviewed), 0),
coalesce(SUM(ncrs_answered), 0), coalesce(SUM(ncrs_compliant), 0),
coalesce(SUM(referral_not_sent), 0), coalesce(SUM(referral_unknown), 0)"""


def workstream_figures(conn: sqlite3.Connection, as_of: date) -> dict[str, WorkstreamFigures]:
    """Figures for each workstream and for both together ("all")."""
    return workstream_figures_on(conn, [as_of])[0]


def workstream_figures_on(
    conn: sqlite3.Connection, days: list[date]
) -> list[dict[str, WorkstreamFigures]]:
    """:func:`workstream_figures` on each of ``days`` (in order, earliest first), from one pass
    over the per-day totals: each day's part is summed apart, then the parts are added up."""
    bounds = [d.isoformat() for d in days]
    part = " ".join(f"WHEN day <= ? THEN {i}" for i in range(len(bounds)))
    parts = {ws: [(0,) * 7 for _ in bounds] for ws in WORKSTREAMS}
    for workstream, index, *values in conn.execute(
        f"SELECT workstream, CASE {part} END AS part, {_SUMS} FROM case_daily WHERE day <= ? "
        "GROUP BY workstream, part",
        (*bounds, bounds[-1]),
    ):
        parts.setdefault(workstream, [(0,) * 7 for _ in bounds])[index] = tuple(values)
    result = []
    for upto in range(len(bounds)):
        totals = {
            ws: tuple(sum(col) for col in zip(*ws_parts[: upto + 1], strict=True))
            for ws, ws_parts in parts.items()
        }
        result.append(_figures(totals))
    return result


def _figures(totals: dict[str, tuple[int, ...]]) -> dict[str, WorkstreamFigures]:
    totals[ALL] = tuple(sum(column) for column in zip(*totals.values(), strict=True))
    result = {}
    for workstream, (rec, need, rev, answered, compliant, not_sent, unknown) in totals.items():
        result[workstream] = WorkstreamFigures(
            workstream=workstream,
            recorded=rec,
            needing_review=need,
            reviewed=rev,
            outstanding=need - rev,
            ncrs_answered=answered,
            ncrs_compliant=compliant,
            referrals_not_sent=not_sent,
            referrals_unknown=unknown,
        )
    return result


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def completed_weeks(
    conn: sqlite3.Connection, as_of: date, workstream: str, weeks: int = TREND_WEEKS
) -> list[WeekCount]:
    """Reviews completed in each of the last ``weeks`` complete weeks (Monday to Sunday).

    A week is complete when its Sunday is on or before the as-of date.
    """
    end = week_start(as_of + timedelta(days=1))  # the Monday after the last complete week
    start = end - timedelta(weeks=weeks)
    sql = "SELECT day, SUM(reviewed) FROM case_daily WHERE day >= ? AND day < ?"
    params: list[object] = [start.isoformat(), end.isoformat()]
    if workstream != ALL:
        sql += " AND workstream = ?"
        params.append(workstream)
    counts = {start + timedelta(weeks=i): 0 for i in range(weeks)}
    for day, reviewed in conn.execute(sql + " GROUP BY day", params):
        counts[week_start(date.fromisoformat(day))] += reviewed
    return [WeekCount(week, completed) for week, completed in counts.items()]


def project_completion(as_of: date, outstanding: int, weekly_rate: float) -> date | None:
    """The day the backlog clears at the weekly rate; None if complete or nothing is done."""
    if outstanding <= 0 or weekly_rate <= 0:
        return None
    # Exact arithmetic: in floating point 29 / 1.75 * 7 is 116.00000000000001, a day too many.
    return as_of + timedelta(days=math.ceil(outstanding * 7 / Fraction(weekly_rate)))


def backlog(store: Store, as_of: date, workstream: str = ALL) -> Backlog:
    """The backlog on ``as_of``, using only what was true that day: per workstream and combined
    (``workstream`` "all"), or one workstream; with the weekly trend and the projection.

    Pure: reads the per-day totals, writes nothing; the cost does not grow with the case rows.
    """
    conn = store.conn
    week_before, now = workstream_figures_on(conn, [as_of - timedelta(days=7), as_of])
    weeks = completed_weeks(conn, as_of, workstream)
    mean = sum(w.completed for w in weeks[-4:]) / 4
    outstanding = now[workstream].outstanding
    trend = Trend(
        weeks=weeks,
        four_week_mean=mean,
        outstanding=outstanding,
        outstanding_week_before=week_before[workstream].outstanding,
        projected_completion=project_completion(as_of, outstanding, mean),
    )
    shown = [*WORKSTREAMS, ALL] if workstream == ALL else [workstream]
    return Backlog(
        as_of=as_of,
        workstream=workstream,
        figures=[now[w] for w in shown],
        trend=trend,
        ages=outstanding_ages(conn, as_of, workstream),
    )
