"""Revisions: each week's headline backlog figures as first known, and every later case extract
that changed them, as a statistician's revision triangle (README: "Revisions").

A week's figures are first known from the latest case extract taken by its end (per
workstream, as an extract may cover one), and known now from the latest taken by the date the
triangle is as of. Every import keeps its changes to the per-day totals
(``case_daily_changes``), so the figures of any week as they stood after any import are sums
of those changes: the triangle costs one pass over them, not a recount per import and week.
"""

from __future__ import annotations

import bisect
import sqlite3
from dataclasses import dataclass, field
from datetime import date, timedelta

from oversight.figures.backlog import ALL, percent
from oversight.figures.vintage import taken_sql
from oversight.store import Store
from oversight.values import WORKSTREAMS

# The headline figures, in the order they are listed.
HEADLINES = ("outstanding", "reviewed", "ncrs_percent", "referrals_not_sent")
# The kept per-day totals the headline figures are made from.
_TOTALS = ("needing_review", "reviewed", "ncrs_answered", "ncrs_compliant", "referral_not_sent")
_TAKEN = taken_sql()

Value = int | float | None  # a count, a percentage, or None (a percentage of nothing)


@dataclass(frozen=True)
class Estimate:
    """A figure as it stood after a case import."""

    import_id: int
    file_name: str
    taken: date  # the day the extract was taken (its as-of date)
    value: Value


@dataclass(frozen=True)
class RevisedFigure:
    """One headline figure for one week-end: as first known, and each later change to it."""

    week_end: date
    workstream: str  # a workstream, or "all"
    figure: str  # one of HEADLINES
    first: Estimate  # as first known
    moves: list[Estimate] = field(default_factory=list)  # each later import that changed it
    # The first estimate came after the week-end: no extract had been taken by then.
    first_after: bool = False
    # What was known at the week-end was not kept (the store was upgraded later): the first
    # estimate is the earliest kept.
    not_kept: bool = False

    @property
    def now(self) -> Estimate:
        return self.moves[-1] if self.moves else self.first

    @property
    def change(self) -> Value:
        first, now = self.first.value, self.now.value
        if first is None or now is None:
            return None
        change = now - first
        return round(change, 1) if isinstance(change, float) else change

    @property
    def change_percent(self) -> float | None:
        """The change as a percentage of the first estimate (None: it was nought)."""
        change = self.change
        if change is None or not self.first.value:
            return None
        return round(abs(change) * 100 / abs(self.first.value), 1)


@dataclass(frozen=True)
class RevisionTriangle:
    as_of: date  # as known on this date
    since: date
    week_ends: list[date]  # Sundays from ``since`` to ``as_of``
    figures: list[RevisedFigure]  # by week-end, then workstream (all first), then figure

    @property
    def revised(self) -> list[RevisedFigure]:
        return [f for f in self.figures if f.moves]


@dataclass(frozen=True)
class _Import:
    import_id: int
    scope: str  # a workstream, or "all"
    taken: date
    file_name: str


def week_ends(since: date, until: date) -> list[date]:
    """Every Sunday from ``since`` to ``until``, both included."""
    first = since + timedelta(days=(6 - since.weekday()) % 7)
    return [first + timedelta(weeks=n) for n in range(max(0, (until - first).days // 7 + 1))]


def revision_triangle(
    store: Store,
    since: date,
    as_of: date,
    workstreams: tuple[str, ...] = (ALL, *WORKSTREAMS),
    figures: tuple[str, ...] = HEADLINES,
) -> RevisionTriangle:
    """The headline figures of every week-end from ``since`` to ``as_of``, as first known and
    as each later case extract taken by ``as_of`` changed them."""
    conn = store.conn
    ends = week_ends(since, as_of)
    imports = _case_imports(conn)
    kept = _kept_from(conn)
    known_now = {w: _known_by(imports, w, as_of) for w in WORKSTREAMS}
    last = max(known_now.values(), default=0)
    if not ends or last == 0:
        return RevisionTriangle(as_of, since, ends, [])
    states = _states(conn, imports, ends, last)
    by_id = {i.import_id: i for i in imports}
    order = [i.import_id for i in imports if i.import_id <= last]
    result = []
    for n, end in enumerate(ends):
        start: dict[str, int] = {}
        first_after = not_kept = False
        for w in WORKSTREAMS:
            k = _known_by(imports, w, end)
            if k == 0:  # nothing taken by the week-end: first known from the first since
                k = min((i.import_id for i in imports if i.scope in (ALL, w)), default=0)
                first_after = first_after or k != 0
            if 0 < k < kept:
                k, not_kept = kept, True
            start[w] = min(k, known_now[w])
        for ws in workstreams:
            parts = WORKSTREAMS if ws == ALL else (ws,)
            if not any(start[w] for w in parts):
                continue  # no extract has covered it

            begin = max(start[w] for w in parts)
            later = [x for x in order if x > min(start[w] for w in parts)]
            for figure in figures:
                value = _figure(figure, _totals(states, parts, n, start, known_now, None))
                first = _estimate(by_id[begin], value)
                moves, previous = [], value
                for x in later:
                    now = _figure(figure, _totals(states, parts, n, start, known_now, x))
                    if now != previous:
                        moves.append(_estimate(by_id[x], now))
                        previous = now
                result.append(RevisedFigure(end, ws, figure, first, moves, first_after, not_kept))
    return RevisionTriangle(as_of, since, ends, result)


def _totals(
    states: dict[str, dict[int, dict[int, list[int]]]],
    parts: tuple[str, ...],
    week: int,
    start: dict[str, int],
    known_now: dict[str, int],
    after: int | None,
) -> list[int]:
    """The totals of the workstreams ``parts`` at week-end ``week``, after import ``after``
    (None: as first known, each workstream from its ``start``; never past ``known_now``)."""
    summed = [0] * len(_TOTALS)
    for w in parts:
        point = start[w] if after is None else min(max(after, start[w]), known_now[w])
        for i, v in enumerate(states[w].get(point, {}).get(week, ())):
            summed[i] += v
    return summed


def _estimate(source: _Import, value: Value) -> Estimate:
    return Estimate(source.import_id, source.file_name, source.taken, value)


def _figure(figure: str, totals: list[int]) -> Value:
    needing, reviewed, answered, compliant, not_sent = totals
    return {
        "outstanding": needing - reviewed,
        "reviewed": reviewed,
        "ncrs_percent": percent(compliant, answered),
        "referrals_not_sent": not_sent,
    }[figure]


def _case_imports(conn: sqlite3.Connection) -> list[_Import]:
    return [
        _Import(i, scope or ALL, date.fromisoformat(taken), name)
        for i, scope, taken, name in conn.execute(
            f"SELECT id, scope, {_TAKEN}, file_name FROM imports WHERE kind = 'cases' ORDER BY id"
        )
    ]


def _kept_from(conn: sqlite3.Connection) -> int:
    row = conn.execute("SELECT import_id FROM kept_from WHERE kind = 'cases'").fetchone()
    return row[0] if row else 0


def _known_by(imports: list[_Import], workstream: str, day: date) -> int:
    """The import a workstream is known from on ``day``, as :mod:`~oversight.figures.vintage`
    finds it: the latest taken by then that covers it (0: none)."""
    return max(
        (i.import_id for i in imports if i.scope in (ALL, workstream) and i.taken <= day),
        default=0,
    )


def _states(
    conn: sqlite3.Connection, imports: list[_Import], ends: list[date], last: int
) -> dict[str, dict[int, dict[int, list[int]]]]:
    """For each workstream, after each import up to ``last``, the totals summed over every day
    up to each week-end (by its index): one pass over the kept changes."""
    ids = [i.import_id for i in imports if i.import_id <= last]
    deltas: dict[str, dict[int, list[list[int]]]] = {w: {} for w in WORKSTREAMS}
    ends_text = [e.isoformat() for e in ends]
    sums = ", ".join(f"SUM({c})" for c in _TOTALS)
    rows = conn.execute(
        f"SELECT import_id, workstream, day, {sums} FROM case_daily_changes "
        "WHERE import_id <= ? AND day <= ? GROUP BY import_id, workstream, day",
        (last, ends_text[-1]),
    )
    for import_id, workstream, day, *values in rows:
        if workstream not in deltas:
            continue
        week = bisect.bisect_left(ends_text, day)  # the first week-end on or after the day
        per_week = deltas[workstream].get(import_id)
        if per_week is None:  # not setdefault: that would build the lists for every row
            per_week = deltas[workstream][import_id] = [[0] * len(_TOTALS) for _ in ends]
        for i, v in enumerate(values):
            per_week[week][i] += v
    states: dict[str, dict[int, dict[int, list[int]]]] = {w: {} for w in WORKSTREAMS}
    for w in WORKSTREAMS:
        running = [[0] * len(_TOTALS) for _ in ends]
        for import_id in ids:
            delta = deltas[w].get(import_id)
            if delta is not None:
                carried = [0] * len(_TOTALS)
                for week, values in enumerate(delta):
                    for i, v in enumerate(values):
                        carried[i] += v
                        running[week][i] += carried[i]
            states[w][import_id] = {n: list(totals) for n, totals in enumerate(running)}
    return states
