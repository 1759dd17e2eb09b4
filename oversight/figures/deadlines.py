"""Deadlines: what is open, what falls due soon, what is overdue, in working days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from oversight.figures.workdays import working_days_after
from oversight.store import Store


@dataclass(frozen=True)
class Deadline:
    title: str
    due_on: date
    category: str | None
    owner: str | None
    days_left: int  # calendar days from the as-of date to the due date; negative when overdue
    working_days_left: int  # working days after the as-of date up to the due date

    @property
    def overdue(self) -> bool:
        return self.days_left < 0


@dataclass(frozen=True)
class Deadlines:
    as_of: date
    within_days: int
    deadlines: list[Deadline]  # overdue first (oldest first), then by due date

    @property
    def overdue(self) -> list[Deadline]:
        return [d for d in self.deadlines if d.overdue]

    @property
    def upcoming(self) -> list[Deadline]:
        return [d for d in self.deadlines if not d.overdue]


def open_deadlines(store: Store, as_of: date, within_days: int) -> Deadlines:
    """Deadlines open on the as-of date and due within ``within_days`` calendar days, or overdue."""
    day = as_of.isoformat()
    rows = store.conn.execute(
        "SELECT title, due_on, category, owner FROM deadlines "
        "WHERE due_on <= ? AND NOT (status = 'done' AND (done_on IS NULL OR done_on <= ?)) "
        "ORDER BY due_on, title",
        ((as_of + timedelta(days=within_days)).isoformat(), day),
    )
    deadlines = []
    for title, due, category, owner in rows:
        due_on = date.fromisoformat(due)
        deadlines.append(
            Deadline(
                title=title,
                due_on=due_on,
                category=category,
                owner=owner,
                days_left=(due_on - as_of).days,
                working_days_left=working_days_after(as_of, due_on),
            )
        )
    return Deadlines(as_of=as_of, within_days=within_days, deadlines=deadlines)
