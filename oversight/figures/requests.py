"""Information requests under the Freedom of Information Act 2000 (or the Environmental
Information Regulations 2004) on their statutory clock: what is open, what is overdue, and how
many answers came on time.

The answer is due on the twentieth working day following the day of receipt (FOI Act s.10(1);
EIR reg. 5(2) likewise), a working day counted UK-wide (:data:`oversight.figures.workdays.FOI`);
``extended_to``, when given (a public-interest test, s.10(3)), replaces that date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from oversight.figures.backlog import percent
from oversight.figures.workdays import FOI
from oversight.store import Store

STATUTORY_WORKING_DAYS = 20
ANSWERED_STATUSES = ("answered", "refused", "internal_review")  # a response was given
SHOWN = ("open", "overdue", "all")


def statutory_due(received_on: date) -> date:
    """The twentieth working day following the day of receipt (UK-wide working days)."""
    return FOI.nth_after(received_on, STATUTORY_WORKING_DAYS)


def twelve_months_before(day: date) -> date:
    """The same day a year earlier (28 February for a 29th)."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


@dataclass(frozen=True)
class InformationRequest:
    ref: str
    authority: str
    received_on: date
    due_on: date  # extended_to when given, else the statutory date
    extended: bool
    state: str  # on the as-of date: open, answered, refused, internal_review or withdrawn
    answered_on: date | None  # when answered on or before the as-of date
    working_days_left: int  # UK-wide working days after the date up to the due date (< 0: past)
    days_left: int  # calendar days from the date to the due date; negative when past
    late_by: int = 0  # answered late: working days after the due date (at least 1)

    @property
    def open(self) -> bool:
        return self.state == "open"

    @property
    def overdue(self) -> bool:
        return self.open and self.days_left < 0

    @property
    def on_time(self) -> bool | None:
        """Answered by the due date (None: not answered)."""
        return None if self.answered_on is None else self.answered_on <= self.due_on


@dataclass(frozen=True)
class AuthorityRecord:
    authority: str
    on_time: int
    late: int

    @property
    def answered(self) -> int:
        return self.on_time + self.late

    @property
    def on_time_percent(self) -> float | None:
        return percent(self.on_time, self.answered)


@dataclass(frozen=True)
class Requests:
    as_of: date
    shown: str  # "open", "overdue" or "all": which requests are listed
    requests: list[InformationRequest]  # received by the date, the oldest received first
    answered_since: date  # answers after this day and on or before the date are counted
    by_authority: list[AuthorityRecord]  # answered in those 12 months, by authority (A-Z)

    @property
    def open(self) -> list[InformationRequest]:
        return [r for r in self.requests if r.open]

    @property
    def overdue(self) -> list[InformationRequest]:
        return [r for r in self.requests if r.overdue]

    @property
    def listed(self) -> list[InformationRequest]:
        if self.shown == "all":
            return self.requests
        return self.overdue if self.shown == "overdue" else self.open

    @property
    def answered(self) -> AuthorityRecord:
        """Every authority together."""
        return AuthorityRecord(
            "All authorities",
            sum(a.on_time for a in self.by_authority),
            sum(a.late for a in self.by_authority),
        )


def _state(status: str, answered_on: date | None, as_of: date) -> str:
    if status == "withdrawn" and (answered_on is None or answered_on <= as_of):
        return "withdrawn"
    if status in ANSWERED_STATUSES and answered_on is not None and answered_on <= as_of:
        return status
    return "open"  # open, or answered after the date


def information_requests(store: Store, as_of: date, shown: str = "open") -> Requests:
    """Every request received on or before ``as_of``, each as it stood that day, and the
    answers of the 12 months to it, on time and late, by authority."""
    rows = store.conn.execute(
        "SELECT ref, authority, received_on, answered_on, status, extended_to FROM requests "
        "WHERE received_on <= ? ORDER BY received_on, ref",
        (as_of.isoformat(),),
    ).fetchall()
    since = twelve_months_before(as_of)
    requests, records = [], {}
    for ref, authority, received, answered, status, extended in rows:
        received_on = date.fromisoformat(received)
        due_on = date.fromisoformat(extended) if extended else statutory_due(received_on)
        answered_on = date.fromisoformat(answered) if answered else None
        state = _state(status or "open", answered_on, as_of)
        answered = state in ANSWERED_STATUSES
        late = answered and answered_on is not None and answered_on > due_on
        item = InformationRequest(
            ref=ref,
            authority=authority,
            received_on=received_on,
            due_on=due_on,
            extended=bool(extended),
            state=state,
            answered_on=answered_on if answered else None,
            # Counted for the open ones only (an answer years old would walk years of days).
            working_days_left=FOI.after(as_of, due_on) if state == "open" else 0,
            days_left=(due_on - as_of).days,
            late_by=max(FOI.after(due_on, answered_on), 1) if late and answered_on else 0,
        )
        requests.append(item)
        if item.answered_on is not None and item.answered_on > since:
            on_time, late = records.get(authority, (0, 0))
            records[authority] = (on_time + 1, late) if item.on_time else (on_time, late + 1)
    return Requests(
        as_of=as_of,
        shown=shown,
        requests=requests,
        answered_since=since,
        by_authority=[AuthorityRecord(a, *records[a]) for a in sorted(records, key=str.casefold)],
    )


def requests_due(store: Store, as_of: date, working_days: int) -> list[InformationRequest]:
    """Open requests due within ``working_days`` UK-wide working days of ``as_of``, or overdue
    (for the reminders)."""
    return [
        r
        for r in information_requests(store, as_of).open
        if r.overdue or r.working_days_left <= working_days
    ]
