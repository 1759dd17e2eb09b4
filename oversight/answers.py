"""One answer model per answer: the figures, plus where they came from and how fresh they are.

Every model (the commands', the weekly digest's, the reminders' and the stale-data alarm's) is
rendered by each renderer in :mod:`oversight.render`: plain text, Slack Block Kit and JSON. All
read the same model, so they cannot disagree.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields, is_dataclass
from datetime import date, datetime
from pathlib import Path
from typing import get_args

from oversight.alarms import IntegrityAlert, StaleAlarm
from oversight.digest import DIGEST_JOB, DigestAnswer
from oversight.figures.backlog import Backlog, backlog
from oversight.figures.crime import CrimeFigures, crime_figures
from oversight.figures.deadlines import Deadlines, open_deadlines
from oversight.figures.freshness import LastImport, freshness
from oversight.figures.returns import ReturnsStatus, returns_status
from oversight.integrity import Integrity, integrity
from oversight.kinds import KINDS
from oversight.reminders import RemindersAnswer
from oversight.schema import CURRENT_VERSION
from oversight.store import Store, readable_by_others


def tables() -> dict[str, str]:
    """The tables whose rows ``status`` counts, with what their rows are."""
    return {
        **{kind.table: kind.label for kind in KINDS},
        "imports": "imports",
        "audit_log": "audit log entries",
    }


@dataclass(frozen=True)
class BacklogAnswer:
    as_of: date
    backlog: Backlog
    source: LastImport | None
    missing_from_latest: int = 0  # records the latest extracts no longer hold, still counted
    command: str = "backlog"


@dataclass(frozen=True)
class CrimeGaps:
    """The data gaps the latest recorded-crime import found, for /integrity."""

    import_id: int
    file_name: str
    counts: dict[str, int]  # by kind of finding, in the order the kinds are listed
    lines: list[str]  # the first few, in words


@dataclass(frozen=True)
class IntegrityAnswer:
    as_of: date
    integrity: Integrity
    sources: dict[str, LastImport | None]
    crime_gaps: CrimeGaps | None = None  # None: no recorded crime imported by the date
    command: str = "integrity"


@dataclass(frozen=True)
class CrimeAnswer:
    as_of: date
    crime: CrimeFigures
    source: LastImport | None
    command: str = "crime"


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
    readable_by_others: list[str] = field(default_factory=list)  # the database's files
    command: str = "status"

    @property
    def stale_kinds(self) -> list[str]:
        return [k for k, s in self.sources.items() if s is None or s.stale]


@dataclass(frozen=True)
class HomeAnswer:
    """The overview on a person's Home tab in Slack (and ``/oversight home``): the answers of
    the commands, as of one date, with the freshness of each kind of data."""

    as_of: date
    backlog: BacklogAnswer
    integrity: IntegrityAnswer
    returns: ReturnsAnswer
    deadlines: DeadlinesAnswer
    crime: CrimeAnswer
    sources: dict[str, LastImport | None]
    command: str = "home"


@dataclass(frozen=True)
class HelpAnswer:
    as_of: date
    usage: dict[str, str]
    examples: dict[str, list[str]]
    command: str = "help"


Answer = (
    BacklogAnswer
    | ReturnsAnswer
    | DeadlinesAnswer
    | StatusAnswer
    | HelpAnswer
    | HomeAnswer
    | IntegrityAnswer
    | CrimeAnswer
    | DigestAnswer
    | RemindersAnswer
    | StaleAlarm
    | IntegrityAlert
)
ANSWER_TYPES: tuple[type, ...] = get_args(Answer)


def backlog_answer(
    store: Store,
    as_of: date,
    workstream: str,
    now: datetime,
    stale_after_days: int,
    found: Integrity | None = None,  # the integrity as of the date, when already worked out
) -> BacklogAnswer:
    figures = backlog(store, as_of, workstream)
    source = freshness(store, now, stale_after_days)["cases"]
    missing = (found or integrity(store, as_of)).missing_now
    return BacklogAnswer(as_of=as_of, backlog=figures, source=source, missing_from_latest=missing)


def integrity_answer(
    store: Store, as_of: date, now: datetime, stale_after_days: int
) -> IntegrityAnswer:
    return IntegrityAnswer(
        as_of=as_of,
        integrity=integrity(store, as_of),
        sources=freshness(store, now, stale_after_days),
        crime_gaps=crime_gaps(store, as_of),
    )


CRIME_GAP_LINES = 8


def crime_gaps(store: Store, as_of: date) -> CrimeGaps | None:
    """What the latest recorded-crime import on or before ``as_of`` found: its data gaps."""
    from oversight.figures.crime import month_label
    from oversight.integrity import FINDINGS

    latest = store.conn.execute(
        "SELECT id, file_name FROM imports WHERE kind = 'crimes' "
        "AND coalesce(extract_as_of, substr(imported_at, 1, 10)) <= ? ORDER BY id DESC LIMIT 1",
        (as_of.isoformat(),),
    ).fetchone()
    if latest is None:
        return None
    found = dict.fromkeys(FINDINGS, 0)
    lines = []
    for kind, ref, month, area, old, new in store.conn.execute(
        "SELECT kind, ref, month, area, old, new FROM import_findings WHERE import_id = ? "
        "ORDER BY month, kind, area",
        (latest[0],),
    ):
        found[kind] = found.get(kind, 0) + 1
        if len(lines) < CRIME_GAP_LINES:
            place = ref if area in (None, ref) else f"{area}, {ref}"
            numbers = f" ({_number(new)} against {_number(old)})" if old else ""
            lines.append(f"{kind}: {month_label(month)}, {place}{numbers}")
    counts = {kind: n for kind, n in found.items() if n}
    return CrimeGaps(import_id=latest[0], file_name=latest[1], counts=counts, lines=lines)


def _number(text: str) -> str:
    """A count or mean kept as text in a finding, written with thousands separators."""
    try:
        value = float(text)
    except ValueError:
        return text
    return f"{value:,.0f}" if value == int(value) else f"{value:,.1f}"


def crime_answer(
    store: Store,
    as_of: date,
    crime_type: str | None,
    force: str,
    now: datetime,
    stale_after_days: int,
) -> CrimeAnswer:
    figures = crime_figures(store, as_of, force, crime_type)
    source = freshness(store, now, stale_after_days)["crimes"]
    return CrimeAnswer(as_of=as_of, crime=figures, source=source)


def returns_answer(
    store: Store, as_of: date, dataset: str | None, now: datetime, stale_after_days: int
) -> ReturnsAnswer:
    figures = returns_status(store, as_of, dataset)
    source = freshness(store, now, stale_after_days)["returns"]
    return ReturnsAnswer(as_of=as_of, returns=figures, source=source)


def deadlines_answer(
    store: Store, as_of: date, days: int, now: datetime, stale_after_days: int
) -> DeadlinesAnswer:
    figures = open_deadlines(store, as_of, days)
    source = freshness(store, now, stale_after_days)["deadlines"]
    return DeadlinesAnswer(as_of=as_of, deadlines=figures, source=source)


DEFAULT_DEADLINE_DAYS = 14  # /deadlines with no number, and the Home tab


def home_answer(
    store: Store, as_of: date, force: str, now: datetime, stale_after_days: int
) -> HomeAnswer:
    """Each command's answer as of ``as_of``, as its command gives it with no words."""
    checked = integrity_answer(store, as_of, now, stale_after_days)
    return HomeAnswer(
        as_of=as_of,
        backlog=backlog_answer(store, as_of, "all", now, stale_after_days, checked.integrity),
        integrity=checked,
        returns=returns_answer(store, as_of, None, now, stale_after_days),
        deadlines=deadlines_answer(store, as_of, DEFAULT_DEADLINE_DAYS, now, stale_after_days),
        crime=crime_answer(store, as_of, None, force, now, stale_after_days),
        sources=freshness(store, now, stale_after_days),
    )


def data_version(store: Store) -> str:
    """Changes whenever an import or a digest lands: what a Home tab was built from."""
    imported, digests = store.conn.execute(
        "SELECT (SELECT coalesce(max(id), 0) FROM imports), "
        "(SELECT count(*) FROM digest_ledger WHERE job = ? AND state = 'sent')",
        (DIGEST_JOB,),
    ).fetchone()
    return f"{imported}.{digests}"


def status(store: Store, now: datetime, stale_after_days: int) -> StatusAnswer:
    conn = store.conn
    rows = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables()}
    return StatusAnswer(
        as_of=now.date(),
        database=str(Path(store.path).resolve()),
        schema_version=CURRENT_VERSION,
        rows=rows,
        sources=freshness(store, now, stale_after_days),
        readable_by_others=readable_by_others(store.path),
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
