"""What the store knew on a date: each kind's rows as the latest extract taken on or before it
left them (README: "As of a date").

Every import keeps the versions it replaced and its changes to the case totals, so the store as
it stood after any import can be read back. A :class:`Vintage` says which import that is for
each kind (and for each workstream, as a case extract may cover one only); :func:`as_known`
gives a view of the store in which the versioned tables read as they stood then, so that the
figures, which only ever read those tables, answer as known on the date without knowing it.
The latest knowledge of a past date ("revised") reads the tables themselves.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property

from oversight.case_totals import DAILY_COLUMNS
from oversight.clock import LONDON
from oversight.schema import VERSIONED
from oversight.store import Store, stored_columns
from oversight.values import WORKSTREAMS

# The kind whose imports write each table a figure reads.
TABLE_KINDS = {
    "case_daily": "cases",
    "case_ages": "cases",
    "case_risk_ages": "cases",
    "data_returns": "returns",
    "deadlines": "deadlines",
    "crime_files": "crimes",
    "crime_types": "crimes",
    "crime_areas": "crimes",
    "crime_area_types": "crimes",
    "requests": "requests",
    "assaults": "assaults",
    "assault_month_counts": "assaults",
    "assault_hour_counts": "assaults",
    "assault_place_counts": "assaults",
}


@dataclass(frozen=True)
class LastImport:
    """The import a kind is known from on a date: its extract, and how old that was then."""

    kind: str
    import_id: int
    file_name: str
    imported_at: datetime
    imported_by: str | None
    extract_as_of: date | None
    rows_read: int
    age_days: int  # whole days from the extract (or, with no as-of date, the import) to the date
    stale: bool


@dataclass(frozen=True)
class Vintage:
    as_of: date
    known: dict[str, LastImport | None]  # kind -> the import it is known from (None: none yet)
    # Cases: the import each workstream is known from (an extract may cover one workstream).
    workstreams: dict[str, int | None] = field(default_factory=dict)
    # The latest import of each kind the store holds now, whatever its date.
    latest: dict[str, LastImport] = field(default_factory=dict)
    # Kinds whose kept history starts after the date (a store upgraded later): the import read
    # instead, the earliest whose state is kept.
    not_kept: dict[str, LastImport] = field(default_factory=dict)
    revised: bool = False  # today's knowledge of the date, not what was known on it

    def import_of(self, kind: str) -> int:
        """The import the kind is read as of: the one known on the date, or the earliest kept
        when that is later (0: none yet)."""
        if kind in self.not_kept:
            return self.not_kept[kind].import_id
        known = self.known.get(kind)
        return known.import_id if known is not None else 0

    @cached_property  # asked of every statement a past answer runs; a vintage never changes
    def behind(self) -> frozenset[str]:
        """The kinds a later import has changed since: their tables must be read as they were."""
        return frozenset(
            kind for kind, latest in self.latest.items() if self.import_of(kind) != latest.import_id
        )


# Who the demo's imports are by (``oversight demo``): a store holding one is synthetic, and
# everything made from it says so on its face.
SYNTHETIC_IMPORTER = "oversight demo"


def is_synthetic(store: Store) -> bool:
    """Whether the store holds the demo's invented records (an import by the demo)."""
    sql = "SELECT 1 FROM imports WHERE imported_by = ? LIMIT 1"
    return store.conn.execute(sql, (SYNTHETIC_IMPORTER,)).fetchone() is not None


_IMPORT_COLUMNS = "kind, id, file_name, imported_at, imported_by, extract_as_of, rows_read"


def taken_sql(alias: str = "") -> str:
    """The day an import's extract was taken, in SQL over ``imports`` (as ``alias``): its
    as-of date, or, with none, the day it was imported."""
    a = f"{alias}." if alias else ""
    return f"coalesce({a}extract_as_of, substr({a}imported_at, 1, 10))"


_TAKEN = taken_sql()


def _last_import(row: tuple, as_of: date, stale_after_days: int | None) -> LastImport:
    kind, import_id, name, at, by, extract, rows = row
    imported_at = datetime.fromisoformat(at)
    taken = date.fromisoformat(extract) if extract else imported_at.astimezone(LONDON).date()
    age = (as_of - taken).days
    return LastImport(
        kind=kind,
        import_id=import_id,
        file_name=name,
        imported_at=imported_at,
        imported_by=by,
        extract_as_of=date.fromisoformat(extract) if extract else None,
        rows_read=rows,
        age_days=age,
        stale=stale_after_days is not None and age > stale_after_days,
    )


def vintage(
    store: Store,
    as_of: date,
    kinds: Iterable[str],
    stale_after_days: int,
    revised: bool = False,
    stale_after: Mapping[str, int | None] | None = None,
) -> Vintage:
    """What the store knew on ``as_of``, for each of ``kinds`` and any other kind it holds; or,
    ``revised``, what it knows now (the latest import of each kind). An extract is stale after
    ``stale_after_days``, or its kind's own days in ``stale_after`` (a monthly extract's; None:
    never by its age, as recorded crime, judged by its months instead)."""
    conn = store.conn
    days = dict(stale_after or {})

    def imports(sql: str, params: tuple) -> dict[str, LastImport]:
        return {
            row[0]: _last_import(row, as_of, days.get(row[0], stale_after_days))
            for row in conn.execute(sql, params)
        }

    latest = imports(
        f"SELECT {_IMPORT_COLUMNS} FROM imports WHERE id IN "
        "(SELECT max(id) FROM imports GROUP BY kind)",
        (),
    )
    known: dict[str, LastImport | None] = dict.fromkeys(kinds)
    if revised:
        known.update(latest)
    else:
        known.update(
            imports(
                f"SELECT {_IMPORT_COLUMNS} FROM imports WHERE id IN (SELECT max(id) FROM imports "
                f"WHERE {_TAKEN} <= ? GROUP BY kind)",
                (as_of.isoformat(),),
            )
        )
    day = date.max.isoformat() if revised else as_of.isoformat()
    workstreams = {
        w: conn.execute(
            "SELECT max(id) FROM imports WHERE kind = 'cases' AND coalesce(scope, 'all') IN "
            f"('all', ?) AND {_TAKEN} <= ?",
            (w, day),
        ).fetchone()[0]
        for w in WORKSTREAMS
    }
    kept = imports(
        f"SELECT {_IMPORT_COLUMNS} FROM imports WHERE id IN (SELECT import_id FROM kept_from)",
        (),
    )
    not_kept = {
        kind: first
        for kind, first in kept.items()
        if (k := known.get(kind)) is not None and k.import_id < first.import_id
    }
    return Vintage(as_of, known, workstreams, latest, not_kept, revised)


class KnownStore:
    """The store as it stood at a vintage: its ``conn`` reads each versioned table as it was
    then (a common table expression of the same name, put before each statement that reads
    it); everything else reads the store itself."""

    def __init__(self, store: Store, at: Vintage) -> None:
        self.store = store
        self.path = store.path
        self.vintage = at

    @property
    def conn(self) -> sqlite3.Connection | _KnownConnection:
        at = self.vintage
        if not (set(TABLE_KINDS.values()) & at.behind):
            return self.store.conn  # the tables themselves: nothing since is to be left out
        return _KnownConnection(self.store.conn, at)


def as_known(store: Store, at: Vintage) -> KnownStore:
    return KnownStore(store, at)


class _KnownConnection:
    def __init__(self, conn: sqlite3.Connection, at: Vintage) -> None:
        self._conn = conn
        self._at = at

    def execute(self, sql: str, params: object = ()) -> sqlite3.Cursor:
        used = [t for t in TABLE_KINDS if TABLE_KINDS[t] in self._at.behind and _reads(sql, t)]
        if not used:
            return self._conn.execute(sql, params)
        ctes = ", ".join(f"{table} AS ({self._as_it_stood(table)})" for table in used)
        body = sql.lstrip()
        if body[:5].upper() == "WITH ":
            return self._conn.execute(f"WITH {ctes}, {body[5:]}", params)
        return self._conn.execute(f"WITH {ctes} {body}", params)

    def _as_it_stood(self, table: str) -> str:
        at = self._at
        kind = TABLE_KINDS[table]
        upto = at.import_of(kind)
        if table in CASE_TOTALS:
            return _case_totals(at, table)
        versions = VERSIONED[table]
        columns = ", ".join(c for c in stored_columns(self._conn, table))
        return (
            f"SELECT {columns} FROM main.{table} WHERE import_id <= {upto} UNION ALL "
            f"SELECT {columns} FROM main.{versions} WHERE import_id <= {upto} "
            f"AND superseded_by > {upto}"
        )


CASE_TOTALS = ("case_daily", "case_ages", "case_risk_ages")


def _reads(sql: str, table: str) -> bool:
    return re.search(rf"(?<![\w.]){table}(?!\w)", sql) is not None


def _case_totals(at: Vintage, table: str) -> str:
    """``case_daily``, ``case_ages`` or ``case_risk_ages`` as they stood after each
    workstream's import known on the date. For the first two, for each workstream, the totals
    kept whole by the latest import up to its own that moved them (``case_daily_kept``,
    ``case_waiting_kept``: an import that moved nothing left them as they were).

    ``case_ages`` so read holds only the reviews still waiting ('' for reviewed_on): the ages
    are only read for the reviews waiting on the date, and no review in an extract taken by the
    date is dated after it (the import refuses one). Where the date is before the kept history
    (a store upgraded later), the reviews of the earliest kept state may be dated after it, so
    every change to the ages up to that state is read, unsummed: the figures only ever sum
    these tables' counts."""
    first = at.not_kept["cases"].import_id if "cases" in at.not_kept else 0
    upto = {w: max(at.workstreams.get(w) or 0, first) for w in WORKSTREAMS}
    limit = " OR ".join(f"(workstream = '{w}' AND import_id <= {n})" for w, n in upto.items())
    if table == "case_risk_ages":
        # Summed here: the risk figures take the earliest day with cases waiting, which a
        # change that a later one undid would otherwise give. Not kept whole after each import
        # as the other totals are: a cost that grows with the imports (README, Performance).
        return (
            "SELECT workstream, recorded_on, assessed_on, risk_level, SUM(cases) AS cases "
            f"FROM main.case_risk_age_changes WHERE {limit} "
            "GROUP BY workstream, recorded_on, assessed_on, risk_level"
        )
    if table == "case_ages" and first:
        return (
            "SELECT workstream, recorded_on, reviewed_on, needing FROM main.case_age_changes "
            f"WHERE {limit}"
        )
    kept, columns = (
        ("case_daily_kept", "workstream, day, " + ", ".join(DAILY_COLUMNS))
        if table == "case_daily"
        else ("case_waiting_kept", "workstream, recorded_on, '' AS reviewed_on, needing")
    )
    which = " OR ".join(
        f"(workstream = '{w}' AND import_id = "
        f"(SELECT max(import_id) FROM main.{kept} WHERE import_id <= {n}))"
        for w, n in upto.items()
    )
    return f"SELECT {columns} FROM main.{kept} WHERE {which}"
