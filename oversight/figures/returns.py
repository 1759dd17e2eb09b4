"""Crime-data returns to the national statistics office: what was due, sent, missing or excluded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from oversight.store import Store


@dataclass(frozen=True)
class DataReturn:
    dataset: str
    period: str
    due_on: date
    status: str  # as the force records it
    submitted_on: date | None
    notes: str | None
    overdue: bool  # not submitted by the as-of date and past its due date
    days_overdue: int

    @property
    def excluded(self) -> bool:
        return self.status == "excluded"

    @property
    def submitted(self) -> bool:
        return self.submitted_on is not None


@dataclass(frozen=True)
class ReturnsStatus:
    as_of: date
    dataset: str | None  # the filter asked for, if any
    returns: list[DataReturn]  # overdue first (longest overdue first), then by due date

    @property
    def overdue(self) -> list[DataReturn]:
        return [r for r in self.returns if r.overdue]

    @property
    def excluded(self) -> list[DataReturn]:
        return [r for r in self.returns if r.excluded]

    @property
    def next_due(self) -> DataReturn | None:
        upcoming = [r for r in self.returns if not r.submitted and r.due_on >= self.as_of]
        return min(upcoming, key=lambda r: (r.due_on, r.dataset, r.period), default=None)


def returns_status(store: Store, as_of: date, dataset: str | None = None) -> ReturnsStatus:
    """Every data return as it stood on ``as_of`` (a submission after it had not happened),
    overdue ones first; ``dataset`` keeps those whose name contains it (any case, no wildcards).
    """
    sql = "SELECT dataset, period, due_on, status, submitted_on, notes FROM data_returns"
    params: list[object] = []
    if dataset:
        sql += " WHERE dataset LIKE ? ESCAPE '\\'"
        escaped = dataset.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        params.append(f"%{escaped}%")
    rows = []
    for name, period, due, status, submitted, notes in store.conn.execute(sql, params):
        due_on = date.fromisoformat(due)
        # Only what was true on the as-of date: a later submission had not happened yet.
        submitted_on = date.fromisoformat(submitted) if submitted else None
        if submitted_on is not None and submitted_on > as_of:
            submitted_on = None
        overdue = submitted_on is None and due_on < as_of
        rows.append(
            DataReturn(
                dataset=name,
                period=period,
                due_on=due_on,
                status=status,
                submitted_on=submitted_on,
                notes=notes,
                overdue=overdue,
                days_overdue=(as_of - due_on).days if overdue else 0,
            )
        )
    rows.sort(key=lambda r: (not r.overdue, -r.days_overdue, r.due_on, r.dataset, r.period))
    return ReturnsStatus(as_of=as_of, dataset=dataset, returns=rows)
