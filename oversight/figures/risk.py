"""Domestic-abuse risk assessments never done: on a date, the incidents recorded by then with
no risk assessment completed by then, how long the oldest has waited, and how many of those
assessed were high risk; per workstream and combined.

Summed from ``case_risk_ages`` (cases by the day recorded and the day and level of their
assessment, kept with each import's changes), so the cost does not grow with the case rows and
"as of D" reads the totals as they stood. An extract without the risk columns says nothing of
assessments: its workstreams' figures are marked as not in the extract, never zero.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date

from oversight.figures.backlog import ALL
from oversight.values import WORKSTREAMS

RISK_COLUMN = "risk_assessed_on"


@dataclass(frozen=True)
class RiskFigures:
    workstream: str  # "domestic_abuse", "child_protection" or "all"
    in_extract: bool  # False: the extract these come from had no risk columns
    unassessed: int  # recorded by the date, with no assessment completed by then
    oldest_recorded_on: date | None  # the longest-waiting of those
    assessed: int  # assessed by the date
    high: int  # of those, assessed high risk
    as_of: date

    @property
    def oldest_days(self) -> int | None:
        if self.oldest_recorded_on is None:
            return None
        return (self.as_of - self.oldest_recorded_on).days


_SQL = """
SELECT workstream,
       SUM(CASE WHEN assessed_on = '' OR assessed_on > :day THEN cases ELSE 0 END),
       MIN(CASE WHEN (assessed_on = '' OR assessed_on > :day) AND cases > 0 THEN recorded_on END),
       SUM(CASE WHEN assessed_on <> '' AND assessed_on <= :day THEN cases ELSE 0 END),
       SUM(CASE WHEN assessed_on <> '' AND assessed_on <= :day AND risk_level = 'high'
           THEN cases ELSE 0 END)
FROM case_risk_ages WHERE recorded_on <= :day GROUP BY workstream
"""


def lacking_risk_columns(
    conn: sqlite3.Connection, imports: dict[str, int | None]
) -> frozenset[str]:
    """The workstreams whose case extract (``imports``: workstream -> import id, None: none)
    had no risk columns, or that have no extract at all."""
    lacking = set()
    for workstream, import_id in imports.items():
        row = conn.execute("SELECT lacks FROM imports WHERE id = ?", (import_id or 0,)).fetchone()
        if row is None or RISK_COLUMN in (row[0] or "").split(","):
            lacking.add(workstream)
    return frozenset(lacking)


def risk_assessments(
    conn: sqlite3.Connection, as_of: date, lacking: frozenset[str], workstream: str = ALL
) -> list[RiskFigures]:
    """Each workstream asked about (``workstream``: one, or "all" for both), then both together
    when both are asked about."""
    found = {w: (0, None, 0, 0) for w in WORKSTREAMS}
    for ws, unassessed, oldest, assessed, high in conn.execute(_SQL, {"day": as_of.isoformat()}):
        found[ws] = (unassessed or 0, oldest, assessed or 0, high or 0)
    shown = list(WORKSTREAMS) if workstream == ALL else [workstream]
    figures = []
    for w in shown:
        unassessed, oldest, assessed, high = found[w]
        figures.append(
            RiskFigures(
                workstream=w,
                in_extract=w not in lacking,
                unassessed=unassessed,
                oldest_recorded_on=date.fromisoformat(oldest) if oldest else None,
                assessed=assessed,
                high=high,
                as_of=as_of,
            )
        )
    if workstream == ALL:
        oldest = [f.oldest_recorded_on for f in figures if f.oldest_recorded_on is not None]
        figures.append(
            RiskFigures(
                workstream=ALL,
                in_extract=all(f.in_extract for f in figures),
                unassessed=sum(f.unassessed for f in figures),
                oldest_recorded_on=min(oldest) if oldest else None,
                assessed=sum(f.assessed for f in figures),
                high=sum(f.high for f in figures),
                as_of=as_of,
            )
        )
    return figures
