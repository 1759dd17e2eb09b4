"""Lost records: each case extract reconciled with what the store already holds (the write half).

The force's extracts are the only window on its records, and its records system lost some.
So every cases import compares each incoming row with the state the store holds for its
``incident_ref`` and keeps what it finds (``import_findings``), inside the import's one
transaction. Records are never deleted: one missing from a newer extract stays in the store,
as last seen, is counted in every figure as before, and is reported as missing until it comes
back. The kinds of finding, and reading them back, are :mod:`oversight.figures.integrity`'s.

Ordinary progress is not a finding: a review completed (with its first compliance and referral
answers), or a new incident.
"""

from __future__ import annotations

import sqlite3

from oversight.figures.integrity import FindingCount, finding_counts
from oversight.importing.findings import keep_found

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
_RANK = "CASE {0} WHEN 'high' THEN 3 WHEN 'medium' THEN 2 WHEN 'standard' THEN 1 ELSE 0 END"
# Only when the extract has the risk columns: one without them says nothing of assessments.
_RISK_CHANGES = (
    (
        "risk_assessment_removed",
        "t.risk_assessed_on IS NOT NULL AND s.risk_assessed_on IS NULL",
        "t.risk_assessed_on",
        "''",
    ),
    (
        "risk_level_lowered",
        f"({_RANK.format('t.risk_level')}) > ({_RANK.format('s.risk_level')})",
        "t.risk_level",
        "coalesce(s.risk_level, '')",
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
    "risk_assessed_on",
    "risk_level",
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
    # Back: only the few records marked missing are looked at (a partial index holds them).
    keep_found(
        conn,
        import_id,
        "SELECT 'reappeared' AS kind, s.incident_ref AS ref, s.workstream AS workstream, "
        f"'' AS old, coalesce(s.review_status, '') AS new FROM case_reviews t JOIN {staging} s "
        "ON s.incident_ref = t.incident_ref WHERE t.missing_since_import IS NOT NULL",
        [],
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
    keep_found(
        conn,
        import_id,
        "SELECT 'vanished' AS kind, incident_ref AS ref, workstream, "
        "coalesce(review_status, '') AS old, '' AS new FROM case_reviews "
        "WHERE missing_since_import = ?",
        [import_id],
    )
    # The rows that changed at all (found by the import's one pass), then each rule over them.
    pairs = (
        f"SELECT {', '.join(f't.{c} AS t_{c}' for c in _COMPARED)}, "
        f"{', '.join(f's.{c} AS s_{c}' for c in _COMPARED)}, s.incident_ref AS ref "
        f"FROM {changes} s JOIN case_reviews t ON t.rowid = s.old"
    )
    (lacks,) = conn.execute("SELECT lacks FROM imports WHERE id = ?", [import_id]).fetchone()
    rules = _CHANGES if "risk_assessed_on" in (lacks or "") else _CHANGES + _RISK_CHANGES
    branches = " UNION ALL ".join(
        f"SELECT '{kind}' AS kind, ref, s_workstream AS workstream, "
        f"{_columns(old)} AS old, {_columns(new)} AS new FROM pairs WHERE {_columns(when)}"
        for kind, when, old, new in rules
    )
    keep_found(conn, import_id, f"WITH pairs AS MATERIALIZED ({pairs}) {branches}", [])
    found = finding_counts(conn, import_id)
    # Counted once here, so that an answer need not count a year of findings again.
    conn.executemany(
        "INSERT INTO import_finding_counts VALUES (?, ?, ?, ?)",
        [(import_id, c.kind, c.workstream or "", c.count) for c in found],
    )
    return found


def _columns(expression: str) -> str:
    """An expression over ``t.x`` and ``s.x`` rewritten for the pairs' ``t_x`` and ``s_x``."""
    for column in _COMPARED:
        expression = expression.replace(f"t.{column}", f"t_{column}")
        expression = expression.replace(f"s.{column}", f"s_{column}")
    return expression
