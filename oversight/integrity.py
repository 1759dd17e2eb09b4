"""Lost records: each case extract reconciled with what the store already holds.

The force's extracts are the only window on its records, and its records system lost some.
So every cases import compares each incoming row with the state the store holds for its
``incident_ref`` and keeps what it finds (``import_findings``), inside the import's one
transaction. Records are never deleted: one missing from a newer extract stays in the store,
as last seen, is counted in every figure as before, and is reported as missing until it comes
back.

Ordinary progress is not a finding: a review completed (with its first compliance and referral
answers), or a new incident.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date, datetime

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
    # Recorded crime (oversight/crimes.py): gaps in a force's street-level files, by month.
    FindingKind("missing_month", "no file for a month between the force's first and latest"),
    FindingKind(
        "low_month", "a month with fewer crimes than half the median of the 12 months before it"
    ),
    FindingKind(
        "zero_area",
        "a neighbourhood with no crime in a month, after averaging at least 10 a month",
    ),
    FindingKind("month_shrunk", "a month imported again with over 10% fewer crimes than before"),
)
FINDINGS = {kind.name: kind for kind in FINDING_KINDS}
ALARMING = tuple(kind.name for kind in FINDING_KINDS if kind.alarming)
TREND_IMPORTS = 8


@dataclass(frozen=True)
class FindingCount:
    kind: str
    workstream: str
    count: int


# How a yes/no is written in a finding's old and new values.
_YES_NO = "CASE {0} WHEN 1 THEN 'yes' WHEN 0 THEN 'no' ELSE '' END"

# Each change of state between the stored row (t) and the incoming one (s): the finding's kind,
# when it applies, and its old and new values as text. Read by one pass over the rows that
# differ in any of these columns.
_CHANGES = (
    ("workstream_changed", "t.workstream IS NOT s.workstream", "t.workstream", "s.workstream"),
    ("recorded_on_changed", "t.recorded_on IS NOT s.recorded_on", "t.recorded_on", "s.recorded_on"),
    ("needs_review_withdrawn", "t.needs_review = 1 AND s.needs_review = 0", "'yes'", "'no'"),
    ("needs_review_added", "t.needs_review = 0 AND s.needs_review = 1", "'no'", "'yes'"),
    (
        "review_undone",
        "t.review_status = 'reviewed' AND s.review_status IS NOT 'reviewed'",
        "'reviewed'",
        "coalesce(s.review_status, '')",
    ),
    (
        "review_date_changed",
        "t.review_status = 'reviewed' AND s.review_status = 'reviewed' "
        "AND t.reviewed_on IS NOT s.reviewed_on",
        "t.reviewed_on",
        "s.reviewed_on",
    ),
    (
        "referral_unsent",
        "t.referral_sent = 1 AND s.referral_sent IS NOT 1",
        "'yes'",
        _YES_NO.format("s.referral_sent"),
    ),
    (
        "ncrs_changed",
        "t.ncrs_compliant IN (0, 1) AND s.ncrs_compliant IN (0, 1) "
        "AND t.ncrs_compliant <> s.ncrs_compliant",
        _YES_NO.format("t.ncrs_compliant"),
        _YES_NO.format("s.ncrs_compliant"),
    ),
)
_COMPARED = (
    "workstream",
    "recorded_on",
    "needs_review",
    "review_status",
    "reviewed_on",
    "referral_sent",
    "ncrs_compliant",
)


def _in_scope(scope: str, alias: str) -> tuple[str, list[object]]:
    if scope == "all":
        return "1", []
    return f"{alias}.workstream = ?", [scope]


def reconcile(
    conn: sqlite3.Connection, staging: str, changes: str, import_id: int, scope: str
) -> list[FindingCount]:
    """Record what this cases extract changes against the store, before it is merged.

    Runs inside the import's write transaction, with the validated rows in ``staging`` and
    those unlike the store in ``changes`` (with ``old``, the rowid of the store's version). Marks
    records missing from the extract (within ``scope``: "all" or one workstream) as vanished,
    keeping their last known state and the import that last saw them; clears the mark of those
    that came back. Returns what it found, counted by kind and workstream.
    """
    insert = "INSERT INTO import_findings (import_id, kind, ref, workstream, old, new) "
    # Back: only the few records marked missing are looked at (a partial index holds them).
    conn.execute(
        insert + f"SELECT ?, 'reappeared', s.incident_ref, s.workstream, '', "
        f"coalesce(s.review_status, '') FROM case_reviews t JOIN {staging} s "
        "ON s.incident_ref = t.incident_ref WHERE t.missing_since_import IS NOT NULL",
        [import_id],
    )
    conn.execute(
        "UPDATE case_reviews AS t SET missing_since_import = NULL, last_seen_import = NULL "
        "WHERE missing_since_import IS NOT NULL AND EXISTS "
        f"(SELECT 1 FROM {staging} s WHERE s.incident_ref = t.incident_ref)"
    )
    # Vanished: the store's references the file lacks, by merging the two sorted lists of
    # references (both read in index order, no look-ups); then each is marked, keeping the
    # import that last saw it (the one before this that covered its workstream).
    conn.execute(
        "CREATE TEMP TABLE absent AS SELECT incident_ref FROM case_reviews "
        f"EXCEPT SELECT incident_ref FROM {staging} ORDER BY 1"
    )
    scoped, params = _in_scope(scope, "t")
    conn.execute(
        f"UPDATE case_reviews AS t SET missing_since_import = ?, last_seen_import = coalesce("
        "(SELECT max(i.id) FROM imports i WHERE i.kind = 'cases' AND i.id < ? "
        "AND coalesce(i.scope, 'all') IN ('all', t.workstream)), t.import_id) "
        f"WHERE t.incident_ref IN (SELECT incident_ref FROM temp.absent) "
        f"AND t.missing_since_import IS NULL AND {scoped}",
        [import_id, import_id, *params],
    )
    conn.execute("DROP TABLE temp.absent")
    conn.execute(
        insert + "SELECT ?, 'vanished', incident_ref, workstream, coalesce(review_status, ''), "
        "'' FROM case_reviews WHERE missing_since_import = ?",
        [import_id, import_id],
    )
    # The rows that changed at all (found by the import's one pass), then each rule over them.
    pairs = (
        f"SELECT {', '.join(f't.{c} AS t_{c}' for c in _COMPARED)}, "
        f"{', '.join(f's.{c} AS s_{c}' for c in _COMPARED)}, s.incident_ref AS ref "
        f"FROM {changes} s JOIN case_reviews t ON t.rowid = s.old"
    )
    branches = " UNION ALL ".join(
        f"SELECT ?, '{kind}', ref, s_workstream, "
        f"{_columns(old)}, {_columns(new)} FROM pairs WHERE {_columns(when)}"
        for kind, when, old, new in _CHANGES
    )
    conn.execute(
        f"WITH pairs AS MATERIALIZED ({pairs}) {insert}{branches}", [import_id] * len(_CHANGES)
    )
    return finding_counts(conn, import_id)


def _columns(expression: str) -> str:
    """An expression over ``t.x`` and ``s.x`` rewritten for the pairs' ``t_x`` and ``s_x``."""
    for column in _COMPARED:
        expression = expression.replace(f"t.{column}", f"t_{column}")
        expression = expression.replace(f"s.{column}", f"s_{column}")
    return expression


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
    month: str | None = None  # YYYY-MM, for a recorded-crime finding
    area: str | None = None  # the neighbourhood (LSOA name), or the force for a whole-force one
    area_code: str | None = None  # the neighbourhood's LSOA code

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


_IMPORTS_SQL = """
SELECT i.id, i.file_name, i.extract_as_of, i.imported_at, coalesce(i.scope, 'all'),
       coalesce(SUM(f.kind = 'vanished'), 0), coalesce(SUM(f.kind = 'reappeared'), 0)
FROM imports i LEFT JOIN import_findings f ON f.import_id = i.id
WHERE i.kind = 'cases' AND coalesce(i.extract_as_of, substr(i.imported_at, 1, 10)) <= ?
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
    rows = conn.execute(
        "SELECT kind, workstream, count(*) FROM import_findings WHERE import_id = ? "
        "GROUP BY kind, workstream",
        (import_id,),
    ).fetchall()
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
        "SELECT import_id, kind, ref, workstream, old, new, month, area, area_code "
        f"FROM import_findings WHERE import_id = ? ORDER BY CASE kind {order} ELSE 99 END, ref, "
        "month, area, area_code",
        (import_id,),
    )
    return [Finding(*row) for row in rows]


def findings_csv(rows: list[Finding]) -> str:
    """The findings as CSV text (RFC 4180 line ends), formula-safe, with a header row."""
    import csv
    import io

    from oversight.values import spreadsheet_safe

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(FINDING_COLUMNS)
    for finding in rows:
        row = finding.as_row()
        writer.writerow([spreadsheet_safe(str(row[c] or "")) for c in FINDING_COLUMNS])
    return out.getvalue()
