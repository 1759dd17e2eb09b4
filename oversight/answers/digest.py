"""The weekly digest: one answer model with everything the deputy mayor's team reads each week.

Built from the same figures as the commands, so the digest and ``oversight ask`` agree.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from oversight import ledger
from oversight.answers.commands import answer_model
from oversight.answers.sources import as_known, first_since_each, vintage_of
from oversight.figures.backlog import (
    ALL,
    Backlog,
    WeekCount,
    backlog,
    completed_weeks,
    week_start,
)
from oversight.figures.crime import CrimeFigures, crime_figures
from oversight.figures.deadlines import Deadlines, open_deadlines
from oversight.figures.integrity import (
    FINDINGS,
    Finding,
    ImportIntegrity,
    cases_imports,
    findings,
)
from oversight.figures.requests import Requests, information_requests
from oversight.figures.returns import ReturnsStatus, returns_status
from oversight.figures.revisions import RevisedFigure, revision_triangle
from oversight.figures.risk import RiskFigures, lacking_risk_columns, risk_assessments
from oversight.figures.vintage import LastImport, is_synthetic
from oversight.settings import Settings
from oversight.store import Store

DIGEST_JOB = "weekly-digest"
CHART_WEEKS = 26
DEADLINE_DAYS = 14


@dataclass(frozen=True)
class OutstandingPoint:
    day: date
    outstanding: int


@dataclass(frozen=True)
class PreviousDigest:
    as_of: date
    outstanding: dict[str, int]  # per workstream and "all"


@dataclass(frozen=True)
class DigestIntegrity:
    """What the case imports since the previous digest (or in the last seven days) found."""

    since: date  # extracts as of a later date than this are counted
    imports: list[ImportIntegrity]
    findings: list[Finding]  # every one, for the workbook
    missing_now: int  # records missing from the latest extract, still counted

    @property
    def counts(self) -> dict[str, int]:
        """Findings by kind, in the order the kinds are listed."""
        found = dict.fromkeys(FINDINGS, 0)
        for finding in self.findings:
            found[finding.kind] = found.get(finding.kind, 0) + 1
        return {kind: n for kind, n in found.items() if n}


def digest_integrity(store: Store, as_of: date, since: date) -> DigestIntegrity:
    imports = cases_imports(store, as_of)
    recent = [i for i in imports if (i.extract_as_of or i.imported_at.date()) > since]
    return DigestIntegrity(
        since=since,
        imports=recent,
        findings=[f for i in recent for f in findings(store, i.import_id)],
        missing_now=imports[-1].missing_after if imports else 0,
    )


@answer_model
@dataclass(frozen=True)
class DigestAnswer:
    as_of: date
    period: str  # the ISO week the digest is for, e.g. "2020-W27"
    backlog: Backlog  # both workstreams and combined
    previous: PreviousDigest | None  # the last digest sent before this one
    history: list[OutstandingPoint]  # outstanding at the end of each complete week, then as_of
    weeks: list[WeekCount]  # reviews completed in each complete week
    returns: ReturnsStatus
    deadlines: Deadlines
    sources: dict[str, LastImport | None]
    integrity: DigestIntegrity
    crime: CrimeFigures | None = None  # recorded crime (None: none imported for the force)
    # Kinds no extract of which had been taken by the date: the latest taken since.
    since: dict[str, LastImport] = field(default_factory=dict)
    # Past weeks whose outstanding count (all workstreams) later extracts taken by the date
    # have revised by more than REVISION_ALERT per cent of the figure first known.
    revised: list[RevisedFigure] = field(default_factory=list)
    revision_alert_percent: float = 1.0
    # Risk assessments never done, per workstream and combined (issue 23).
    risk: list[RiskFigures] = field(default_factory=list)
    # Information requests on their statutory clock (None: no requests extract by the date).
    requests: Requests | None = None
    synthetic: bool = False  # made from the demo's invented records: said on its face
    command: str = "digest"

    @property
    def outstanding(self) -> dict[str, int]:
        return {w.workstream: w.outstanding for w in self.backlog.figures}

    @property
    def change_since_previous(self) -> dict[str, int] | None:
        if self.previous is None:
            return None
        return {ws: n - self.previous.outstanding.get(ws, 0) for ws, n in self.outstanding.items()}

    @property
    def stale_kinds(self) -> list[str]:
        return [k for k, s in self.sources.items() if s is None or s.stale]

    def snapshot(self) -> str:
        """What the next digest compares itself with, kept in the ledger when this one is sent."""
        return json.dumps({"as_of": self.as_of.isoformat(), "outstanding": self.outstanding})


def digest_period(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def outstanding_history(
    store: Store, as_of: date, weeks: int = CHART_WEEKS
) -> list[OutstandingPoint]:
    """Outstanding reviews at the end of each of the last ``weeks`` complete weeks, and on D."""
    last_sunday = week_start(as_of + timedelta(days=1)) - timedelta(days=1)
    days = [last_sunday - timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]
    if days[-1] != as_of:
        days.append(as_of)
    # One pass over the per-day totals, carrying a running count, rather than a sum per point.
    rows = store.conn.execute(
        "SELECT day, SUM(needing_review) - SUM(reviewed) FROM case_daily WHERE day <= ? "
        "GROUP BY day ORDER BY day",
        (as_of.isoformat(),),
    ).fetchall()
    points, outstanding, index = [], 0, 0
    for day in days:
        while index < len(rows) and rows[index][0] <= day.isoformat():
            outstanding += rows[index][1]
            index += 1
        points.append(OutstandingPoint(day, outstanding))
    return points


def build_digest(
    store: Store,
    as_of: date,
    now: datetime,
    settings: Settings,
    previous: PreviousDigest | None = None,
) -> DigestAnswer:
    """The digest as known on ``as_of``: from the extracts taken by then, so that the digest
    for a date, made again later, has the figures it was sent with (README: "Published
    figures")."""
    at = vintage_of(store, as_of, settings)
    known = as_known(store, at)
    return DigestAnswer(
        as_of=as_of,
        period=digest_period(as_of),
        backlog=backlog(known, as_of, ALL),
        previous=previous,
        history=outstanding_history(known, as_of),
        weeks=completed_weeks(known.conn, as_of, ALL, weeks=CHART_WEEKS),
        returns=returns_status(known, as_of),
        deadlines=open_deadlines(known, as_of, DEADLINE_DAYS),
        sources=at.known,
        integrity=digest_integrity(
            store, as_of, previous.as_of if previous else as_of - timedelta(days=7)
        ),
        crime=_recorded_crime(known, as_of, settings),
        since=first_since_each(at),
        revised=revised_weeks(store, as_of, settings.revision_alert_percent),
        revision_alert_percent=settings.revision_alert_percent,
        risk=risk_assessments(
            known.conn, as_of, lacking_risk_columns(store.conn, at.workstreams), ALL
        ),
        requests=information_requests(known, as_of, "overdue") if at.known["requests"] else None,
        synthetic=is_synthetic(store),
    )


def revised_weeks(store: Store, as_of: date, alert_percent: float) -> list[RevisedFigure]:
    """The week-ends of the chart's weeks whose outstanding count (all workstreams), as known
    on ``as_of``, differs from the figure first known by more than ``alert_percent`` of it."""
    since = as_of - timedelta(weeks=CHART_WEEKS)
    triangle = revision_triangle(store, since, as_of, (ALL,), ("outstanding",))
    return [
        r
        for r in triangle.revised
        if r.change and (r.change_percent is None or r.change_percent > alert_percent)
    ]


def _recorded_crime(store: Store, as_of: date, settings: Settings) -> CrimeFigures | None:
    """Recorded crime for OVERSIGHT_FORCE (or the store's only force), when there is any."""
    figures = crime_figures(
        store, as_of, settings.force, lag_months=settings.crime_publication_lag_months
    )
    return figures if figures.month is not None else None


def weekly_digest(store: Store, as_of: date, now: datetime, settings: Settings) -> DigestAnswer:
    """The digest for the week of ``as_of``, compared with the last digest sent before it."""
    last = ledger.last_sent(store, DIGEST_JOB, digest_period(as_of))
    previous = None
    if last is not None and last.snapshot:
        data = json.loads(last.snapshot)
        previous = PreviousDigest(
            as_of=date.fromisoformat(data["as_of"]), outstanding=data["outstanding"]
        )
    return build_digest(store, as_of, now, settings, previous=previous)
