"""Reminders before deadlines and data returns: what the daily reminder job has to say.

It may have nothing to say; the job then posts nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from oversight.answers.commands import answer_model
from oversight.figures.deadlines import Deadline, open_deadlines
from oversight.figures.requests import InformationRequest, requests_due
from oversight.figures.returns import DataReturn, returns_status
from oversight.figures.workdays import working_days_after
from oversight.store import Store

REMINDER_JOB = "deadline-reminders"
REQUEST_JOB = "request-reminders"  # one post per information request and stage, ever


@answer_model
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


@answer_model
@dataclass(frozen=True)
class RequestReminder:
    """An information request entering a stage of its statutory clock: due within the
    reminder's working days (UK-wide, as the Act counts them), or overdue. Each is posted once
    per request and stage: its ledger period is the request's ref and the stage."""

    as_of: date
    request: InformationRequest
    stage: str  # "due" or "overdue"
    working_days: int
    command: str = "request-reminder"

    @property
    def period(self) -> str:
        return f"{self.request.ref} {self.stage}"


def request_reminders(store: Store, as_of: date, working_days: int) -> list[RequestReminder]:
    """Every open request due within ``working_days`` or overdue, each at its stage."""
    return [
        RequestReminder(as_of, r, "overdue" if r.overdue else "due", working_days)
        for r in requests_due(store, as_of, working_days)
    ]
