"""What reconciliation found (the read half): the kinds of finding, and each import's findings.

Every cases import keeps what its extract lost or changed against the store
(:mod:`oversight.importing.reconcile`), and every recorded-crime import the gaps in the street
files (:mod:`oversight.figures.crime_gaps`), in ``import_findings``. This module names the kinds
of finding and reads them back, as of a date.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date, datetime

from oversight.figures.crime_places import publication_gaps
from oversight.figures.vintage import taken_sql
from oversight.store import Store
from oversight.values import WORKSTREAMS


@dataclass(frozen=True)
class FindingKind:
    name: str
    meaning: str  # for the README, help and the renderings
    alarming: bool = False  # posts an alert to DIGEST_CHANNEL


FINDING_KINDS = (
    FindingKind(
        "vanished", "in the store and the previous extract, but not in this one", alarming=True
    ),
    FindingKind("reappeared", "had vanished from an earlier extract, and is back"),
    FindingKind(
        "review_undone",
        "was reviewed, now is not (outstanding, in progress or not required)",
        alarming=True,
    ),
    FindingKind("review_date_changed", "still reviewed, but on another date"),
    FindingKind(
        "needs_review_withdrawn",
        "needed a review, now does not: the backlog shrinks without a review",
        alarming=True,
    ),
    FindingKind("needs_review_added", "did not need a review, now does"),
    FindingKind("recorded_on_changed", "its recorded date moved"),
    FindingKind("workstream_changed", "moved from one workstream to the other"),
    FindingKind("referral_unsent", "a referral marked sent is now marked not sent, or blank"),
    FindingKind("ncrs_changed", "its NCRS compliance answer turned from yes to no, or back"),
    FindingKind(
        "risk_assessment_removed",
        "had a risk assessment date, and it is blank in this extract (which has the column)",
        alarming=True,
    ),
    FindingKind(
        "risk_level_lowered",
        "its risk level went down (high to medium or standard, medium to standard) or blank",
    ),
    # Recorded crime (oversight/figures/crime_gaps.py): gaps in a force's street files, by month.
    FindingKind(
        "missing_month", "a run of months with no file between the force's first and latest"
    ),
    FindingKind(
        "low_month", "a month with fewer crimes than half the median of the 12 months before it"
    ),
    FindingKind(
        "zero_area",
        "a neighbourhood with no crime in a month, after averaging at least 10 a month",
    ),
    FindingKind("month_shrunk", "a month imported again with over 10% fewer crimes than before"),
    FindingKind(
        "not_published",
        "nothing published for more than CRIME_PUBLICATION_LAG_MONTHS: one finding a force",
    ),
)
FINDINGS = {kind.name: kind for kind in FINDING_KINDS}
ALARMING = tuple(kind.name for kind in FINDING_KINDS if kind.alarming)
TREND_IMPORTS = 8


@dataclass(frozen=True)
class FindingCount:
    kind: str
    workstream: str
    count: int


# --- the figures ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportIntegrity:
    """One cases import, as reconciliation saw it."""

    import_id: int
    file_name: str
    extract_as_of: date | None
    imported_at: datetime
    scope: str  # "all", or the one workstream the extract covered
    vanished: int
    reappeared: int
    missing_after: int  # records in the store missing from the extracts, after this import


@dataclass(frozen=True)
class Finding:
    import_id: int
    kind: str
    ref: str
    workstream: str
    old: str
    new: str
    month: str | None = None  # YYYY-MM, for a recorded-crime finding (a run's first month)
    area: str | None = None  # the neighbourhood (LSOA name), or the force for a whole-force one
    area_code: str | None = None  # the neighbourhood's LSOA code
    until_month: str | None = None  # the last month of a run of missing months

    def as_row(self) -> dict[str, object]:
        """The finding under the names of :data:`FINDING_COLUMNS`."""
        return {
            "import": self.import_id,
            "kind": self.kind,
            "ref": self.ref,
            "workstream": self.workstream,
            "old": self.old,
            "new": self.new,
            "month": self.month,
            "area": self.area,
            "area_code": self.area_code,
            "until_month": self.until_month,
        }


# The columns of ``oversight integrity --csv``.
FINDING_COLUMNS = (
    "import",
    "kind",
    "ref",
    "workstream",
    "old",
    "new",
    "month",
    "area",
    "area_code",
    "until_month",
)


@dataclass(frozen=True)
class Integrity:
    as_of: date
    latest: ImportIntegrity | None  # the last cases import on or before as_of
    counts: list[FindingCount]  # the latest import's findings by kind and workstream
    trend: list[ImportIntegrity]  # up to TREND_IMPORTS imports, oldest first, ending at latest

    @property
    def missing_now(self) -> int:
        return self.latest.missing_after if self.latest else 0

    @property
    def total(self) -> int:
        return sum(c.count for c in self.counts)

    def count(self, kind: str) -> int:
        return sum(c.count for c in self.counts if c.kind == kind)


_IMPORTS_SQL = f"""
SELECT i.id, i.file_name, i.extract_as_of, i.imported_at, coalesce(i.scope, 'all'),
       coalesce(SUM(CASE WHEN f.kind = 'vanished' THEN f.findings END), 0),
       coalesce(SUM(CASE WHEN f.kind = 'reappeared' THEN f.findings END), 0)
FROM imports i LEFT JOIN import_finding_counts f ON f.import_id = i.id
WHERE i.kind = 'cases' AND {taken_sql("i")} <= ?
GROUP BY i.id ORDER BY i.id
"""


def cases_imports(store: Store, as_of: date) -> list[ImportIntegrity]:
    """Every cases import whose extract is as of ``as_of`` or earlier, oldest first."""
    result, missing = [], 0
    for import_id, name, extract_as_of, at, scope, vanished, reappeared in store.conn.execute(
        _IMPORTS_SQL, (as_of.isoformat(),)
    ):
        missing += vanished - reappeared
        result.append(
            ImportIntegrity(
                import_id=import_id,
                file_name=name,
                extract_as_of=date.fromisoformat(extract_as_of) if extract_as_of else None,
                imported_at=datetime.fromisoformat(at),
                scope=scope,
                vanished=vanished,
                reappeared=reappeared,
                missing_after=missing,
            )
        )
    return result


def finding_counts(conn: sqlite3.Connection, import_id: int) -> list[FindingCount]:
    """One import's findings counted by kind and workstream, in the order kinds are listed."""
    # A cases import's findings were counted as it was made; any other's are counted here.
    rows = (
        conn.execute(
            "SELECT kind, nullif(workstream, ''), findings FROM import_finding_counts "
            "WHERE import_id = ?",
            (import_id,),
        ).fetchall()
        or conn.execute(
            "SELECT kind, workstream, count(*) FROM import_findings WHERE import_id = ? "
            "GROUP BY kind, workstream",
            (import_id,),
        ).fetchall()
    )
    order = {k: i for i, k in enumerate(FINDINGS)}
    shown = {w: i for i, w in enumerate(WORKSTREAMS)}
    rows.sort(key=lambda r: (order.get(r[0], len(order)), shown.get(r[1], len(shown))))
    return [FindingCount(kind, ws, n) for kind, ws, n in rows]


def integrity(store: Store, as_of: date) -> Integrity:
    """What reconciliation found in the last cases import as of ``as_of``, and before it."""
    imports = cases_imports(store, as_of)
    latest = imports[-1] if imports else None
    counts = finding_counts(store.conn, latest.import_id) if latest is not None else []
    return Integrity(as_of=as_of, latest=latest, counts=counts, trend=imports[-TREND_IMPORTS:])


def findings(store: Store, import_id: int) -> list[Finding]:
    """Every finding of one import, in the order the kinds are listed, then by reference."""
    order = " ".join(f"WHEN '{k}' THEN {i}" for i, k in enumerate(FINDINGS))
    rows = store.conn.execute(
        f"SELECT {_FINDING_SELECT} FROM import_findings WHERE import_id = ? "
        f"ORDER BY CASE kind {order} ELSE 99 END, ref, month, area, area_code",
        (import_id,),
    )
    return [Finding(*row) for row in rows]


_FINDING_SELECT = "import_id, kind, ref, workstream, old, new, month, area, area_code, until_month"


def crime_gap_findings(
    store: Store, as_of: date, lag_months: int, revised: bool = False
) -> list[Finding]:
    """The data gaps of every force in the months up to ``as_of``, as its latest look on or
    before that date found them (``revised``: its latest look now), and each force that had
    stopped publishing by then (not_published). A recorded-crime import looks at the forces
    whose files it changed (crime_scans)."""
    taken = date.max if revised else as_of
    rows = store.conn.execute(
        f"SELECT {', '.join('f.' + c.strip() for c in _FINDING_SELECT.split(','))} "
        "FROM import_findings f JOIN ("
        "  SELECT s.force, max(s.import_id) AS import_id FROM crime_scans s "
        "  JOIN imports i ON i.id = s.import_id "
        f"  WHERE {taken_sql('i')} <= ? GROUP BY s.force"
        ") latest ON f.import_id = latest.import_id AND f.ref = latest.force "
        "WHERE f.month <= ? ORDER BY f.ref, f.month, f.kind, f.area",
        (taken.isoformat(), f"{as_of:%Y-%m}"),
    )
    found = [Finding(*row) for row in rows]
    last = latest_import(store, "crimes", taken)
    for force, gap in publication_gaps(store.conn, as_of, lag_months).items():
        found.append(
            Finding(
                last[0] if last else 0,
                "not_published",
                force,
                "",
                gap.latest_month,
                str(gap.missing),
                gap.first_missing,
                force,
                None,
                f"{as_of:%Y-%m}",
            )
        )
    return sorted(found, key=lambda f: (f.ref, f.month or "", f.kind, f.area or ""))


def latest_import(store: Store, kind: str, as_of: date) -> tuple[int, str] | None:
    """The latest import of ``kind`` whose extract is as of ``as_of`` or earlier: its number
    and file name."""
    found = store.conn.execute(
        "SELECT id, file_name FROM imports WHERE kind = ? "
        f"AND {taken_sql()} <= ? ORDER BY id DESC LIMIT 1",
        (kind, as_of.isoformat()),
    ).fetchone()
    return (found[0], found[1]) if found else None


def import_of(store: Store, kind: str, import_id: int) -> tuple[int, str] | None:
    """Import ``import_id`` if it is an import of ``kind``: its number and file name."""
    found = store.conn.execute(
        "SELECT id, file_name FROM imports WHERE kind = ? AND id = ?", (kind, import_id)
    ).fetchone()
    return (found[0], found[1]) if found else None
