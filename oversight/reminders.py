"""Reminders before deadlines, and the stale-data alarm: what the daily jobs have to say.

Both may have nothing to say; the jobs then post nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from oversight.figures.deadlines import Deadline, open_deadlines
from oversight.figures.freshness import LastImport, freshness
from oversight.figures.returns import DataReturn, returns_status
from oversight.figures.workdays import working_days_after
from oversight.store import Store

REMINDER_JOB = "deadline-reminders"
STALE_JOB = "stale-data-alarm"


@dataclass(frozen=True)
class RemindersAnswer:
    as_of: date
    working_days: int
    deadlines: list[Deadline]  # open: overdue, or due within the working days
    returns: list[DataReturn]  # not submitted: overdue, or due within the working days
    command: str = "reminders"

    @property
    def empty(self) -> bool:
        return not self.deadlines and not self.returns


@dataclass(frozen=True)
class StaleAlarm:
    as_of: date
    stale_after_days: int
    source: LastImport | None  # the last cases import, if any
    command: str = "stale-alarm"

    @property
    def raised(self) -> bool:
        return self.source is None or self.source.stale


def reminders(store: Store, as_of: date, working_days: int) -> RemindersAnswer:
    # Enough calendar days to hold that many working days, bank holidays included.
    horizon = working_days * 2 + 10
    deadlines = [
        d
        for d in open_deadlines(store, as_of, horizon).deadlines
        if d.overdue or d.working_days_left <= working_days
    ]
    returns = [
        r
        for r in returns_status(store, as_of).returns
        if not r.submitted
        and (r.overdue or working_days_after(as_of, r.due_on) <= working_days)
        and r.due_on <= as_of + timedelta(days=horizon)
    ]
    return RemindersAnswer(
        as_of=as_of, working_days=working_days, deadlines=deadlines, returns=returns
    )


def stale_alarm(store: Store, now: datetime, stale_after_days: int) -> StaleAlarm:
    source = freshness(store, now, stale_after_days)["cases"]
    return StaleAlarm(as_of=now.date(), stale_after_days=stale_after_days, source=source)
