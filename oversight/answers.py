"""One answer model per command: the figures, plus where they came from and how fresh they are.

Each model is rendered three ways: plain text (:mod:`oversight.text`), JSON (:func:`to_json`)
and Slack Block Kit (``bot.blocks``). All three read the same model, so they cannot disagree.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields, is_dataclass
from datetime import date, datetime
from pathlib import Path

from oversight.commands import EXAMPLES, USAGE, Query, UsageError
from oversight.figures.backlog import Backlog, backlog
from oversight.figures.deadlines import Deadlines, open_deadlines
from oversight.figures.freshness import LastImport, freshness
from oversight.figures.returns import ReturnsStatus, returns_status
from oversight.schema import CURRENT_VERSION
from oversight.store import Store

TABLES = {
    "case_reviews": "case reviews",
    "data_returns": "data returns",
    "deadlines": "deadlines",
    "imports": "imports",
    "audit_log": "audit log entries",
}


@dataclass(frozen=True)
class BacklogAnswer:
    as_of: date
    backlog: Backlog
    source: LastImport | None
    command: str = "backlog"


@dataclass(frozen=True)
class ReturnsAnswer:
    as_of: date
    returns: ReturnsStatus
    source: LastImport | None
    command: str = "ons-status"


@dataclass(frozen=True)
class DeadlinesAnswer:
    as_of: date
    deadlines: Deadlines
    source: LastImport | None
    command: str = "deadlines"


@dataclass(frozen=True)
class StatusAnswer:
    as_of: date
    database: str
    schema_version: int
    rows: dict[str, int]
    sources: dict[str, LastImport | None]
    command: str = "status"

    @property
    def stale_kinds(self) -> list[str]:
        return [k for k, s in self.sources.items() if s is None or s.stale]


@dataclass(frozen=True)
class HelpAnswer:
    as_of: date
    usage: dict[str, str]
    examples: dict[str, list[str]]
    command: str = "help"


Answer = BacklogAnswer | ReturnsAnswer | DeadlinesAnswer | StatusAnswer | HelpAnswer

# The figures look back 13 weeks and ahead up to a year: far beyond these, date arithmetic fails.
EARLIEST_AS_OF, LATEST_AS_OF = date(1900, 1, 1), date(2999, 12, 31)


def answer(store: Store, query: Query, now: datetime, stale_after_days: int) -> Answer:
    """The answer to a query, as of its date (or today, from ``now``)."""
    as_of = query.as_of or now.date()
    if query.command == "oversight":
        if query.topic == "status":
            return status(store, now, stale_after_days)
        if query.topic == "help":
            return HelpAnswer(as_of=as_of, usage=dict(USAGE), examples=dict(EXAMPLES))
        raise UsageError(f'"/oversight {query.topic}" is answered only in Slack.', "oversight")
    if not EARLIEST_AS_OF <= as_of <= LATEST_AS_OF:
        raise UsageError(
            f"{as_of.isoformat()} is out of range: give an as-of date from "
            f"{EARLIEST_AS_OF.year} to {LATEST_AS_OF.year}.",
            query.command,
        )
    sources = freshness(store, now, stale_after_days)
    if query.command == "backlog":
        figures = backlog(store, as_of, query.workstream)
        return BacklogAnswer(as_of=as_of, backlog=figures, source=sources["cases"])
    if query.command == "ons-status":
        figures = returns_status(store, as_of, query.dataset)
        return ReturnsAnswer(as_of=as_of, returns=figures, source=sources["returns"])
    figures = open_deadlines(store, as_of, query.days)
    return DeadlinesAnswer(as_of=as_of, deadlines=figures, source=sources["deadlines"])


def status(store: Store, now: datetime, stale_after_days: int) -> StatusAnswer:
    conn = store.conn
    rows = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
    return StatusAnswer(
        as_of=now.date(),
        database=str(Path(store.path).resolve()),
        schema_version=CURRENT_VERSION,
        rows=rows,
        sources=freshness(store, now, stale_after_days),
    )


def to_plain(value: object) -> object:
    """Plain JSON-ready data: dataclass fields and computed properties, dates as ISO text."""
    if is_dataclass(value) and not isinstance(value, type):
        result = {f.name: to_plain(getattr(value, f.name)) for f in fields(value)}
        for name in dir(type(value)):
            if isinstance(getattr(type(value), name, None), property):
                result[name] = to_plain(getattr(value, name))
        return result
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_plain(v) for v in value]
    return value


def to_json(result: Answer) -> str:
    return json.dumps(to_plain(result), indent=2, ensure_ascii=False)
