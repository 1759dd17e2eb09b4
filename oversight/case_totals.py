"""The totals kept beside the case rows: per workstream and day (``case_daily``) and by the days
a review was recorded and done (``case_ages``), from which every backlog figure is summed, so
that answering costs the same on a million case rows as on a hundred. Each import moves them by
its changes, and keeps those changes (``case_daily_changes``, ``case_age_changes``), so that
the totals as they stood after any import are a sum over the changes up to it.
"""

from __future__ import annotations

import sqlite3

# Each half is summed per day on its own, so the outer GROUP BY adds up a few hundred rows per
# workstream instead of sorting a wide row for every case and every review.
CASE_DAILY_SQL = """
INSERT INTO case_daily
SELECT workstream, day,
       SUM(recorded), SUM(needing_review), SUM(reviewed),
       SUM(ncrs_answered), SUM(ncrs_compliant), SUM(referral_not_sent), SUM(referral_unknown)
FROM (
    SELECT workstream, recorded_on AS day, count(*) AS recorded,
           SUM(needs_review) AS needing_review, 0 AS reviewed, 0 AS ncrs_answered,
           0 AS ncrs_compliant, 0 AS referral_not_sent, 0 AS referral_unknown
    FROM case_reviews
    GROUP BY workstream, recorded_on
    UNION ALL
    SELECT workstream, reviewed_on, 0, 0, count(*),
           SUM(ncrs_compliant IS NOT NULL), SUM(coalesce(ncrs_compliant, 0)),
           SUM(referral_required IS 1 AND referral_sent IS 0),
           SUM(referral_required IS 1 AND referral_sent IS NULL)
    FROM case_reviews
    WHERE review_status = 'reviewed'
    GROUP BY workstream, reviewed_on
)
GROUP BY workstream, day
"""


def rebuild_case_daily(conn: sqlite3.Connection) -> None:
    """Recount the per-day totals that every backlog figure is summed from.

    Runs inside the import's transaction, so the totals never disagree with the rows.
    """
    conn.execute("DELETE FROM case_daily")
    conn.execute(CASE_DAILY_SQL)


# Needs-review cases by the day they were recorded and the day they were reviewed ('': not
# reviewed): how long the outstanding ones have waited, on any date, without reading every case.
CASE_AGES_SQL = """
INSERT INTO case_ages
SELECT workstream, recorded_on, coalesce(CASE WHEN review_status = 'reviewed' THEN reviewed_on END,
       ''), count(*)
FROM case_reviews WHERE needs_review = 1
GROUP BY 1, 2, 3
"""
# Every case by the day it was recorded and the day and level of its risk assessment ('': none):
# how many incidents await one on any date, how long the oldest has waited, how many of those
# assessed were high risk.
CASE_RISK_AGES_SQL = """
INSERT INTO case_risk_ages
SELECT workstream, recorded_on, coalesce(risk_assessed_on, ''), coalesce(risk_level, ''), count(*)
FROM case_reviews GROUP BY 1, 2, 3, 4
"""
DAILY_COLUMNS = (
    "recorded",
    "needing_review",
    "reviewed",
    "ncrs_answered",
    "ncrs_compliant",
    "referral_not_sent",
    "referral_unknown",
)


def _daily_part(source: str, sign: int) -> str:
    """What the rows of ``source`` add to the per-day totals (``sign`` -1: take away), each
    counted ``weight`` times."""
    w = f"{sign} * weight"
    return f"""
    SELECT workstream, recorded_on AS day, SUM({w}) AS c0,
           SUM(needs_review * {w}) AS c1, 0 AS c2, 0 AS c3, 0 AS c4, 0 AS c5, 0 AS c6
    FROM {source} GROUP BY workstream, recorded_on
    UNION ALL
    SELECT workstream, reviewed_on, 0, 0, SUM({w}),
           SUM((ncrs_compliant IS NOT NULL) * {w}), SUM(coalesce(ncrs_compliant, 0) * {w}),
           SUM((referral_required IS 1 AND referral_sent IS 0) * {w}),
           SUM((referral_required IS 1 AND referral_sent IS NULL) * {w})
    FROM {source} WHERE review_status = 'reviewed' GROUP BY workstream, reviewed_on"""


def _ages_part(source: str, sign: int) -> str:
    return f"""
    SELECT workstream AS w, recorded_on AS r,
           coalesce(CASE WHEN review_status = 'reviewed' THEN reviewed_on END, '') AS v,
           SUM({sign} * weight) AS n
    FROM {source} WHERE needs_review = 1 GROUP BY 1, 2, 3"""


def _risk_part(source: str, sign: int) -> str:
    return f"""
    SELECT workstream AS w, recorded_on AS r, coalesce(risk_assessed_on, '') AS a,
           coalesce(risk_level, '') AS l, SUM({sign} * weight) AS n
    FROM {source} GROUP BY 1, 2, 3, 4"""


def adjust_case_totals(conn: sqlite3.Connection, import_id: int, added: str, removed: str) -> None:
    """Move the totals kept beside the case rows (per-day totals, ages) by an import's changes:
    the rows it added or changed, as they are now (``added``), and the versions of them it
    replaced (``removed``), each row of either standing for ``weight`` rows (the fast path of
    an import passes the rows it added once for each distinct rest of a row, with how many
    have it). The changes are kept as import ``import_id``'s, then added to the totals. Runs
    inside the import's transaction: the totals equal a recount (tests hold them to one) at the
    cost of the changes alone, or of their distinct rests."""
    sums = ", ".join(f"SUM(c{i})" for i in range(len(DAILY_COLUMNS)))
    columns = ", ".join(DAILY_COLUMNS)
    conn.execute(
        f"INSERT INTO case_daily_changes (import_id, workstream, day, {columns}) "
        f"SELECT ?, workstream, day, {sums} FROM ("
        f"{_daily_part(added, 1)} UNION ALL {_daily_part(removed, -1)}"
        ") GROUP BY workstream, day",
        (import_id,),
    )
    conn.execute(
        f"DELETE FROM case_daily_changes WHERE import_id = ? AND "
        f"{' AND '.join(f'{c} = 0' for c in DAILY_COLUMNS)}",
        (import_id,),
    )
    conn.execute(
        f"INSERT INTO case_daily SELECT workstream, day, {columns} FROM case_daily_changes "
        "WHERE import_id = ? AND true "
        "ON CONFLICT (workstream, day) DO UPDATE SET "
        + ", ".join(f"{c} = {c} + excluded.{c}" for c in DAILY_COLUMNS),
        (import_id,),
    )
    conn.execute(f"DELETE FROM case_daily WHERE {' AND '.join(f'{c} = 0' for c in DAILY_COLUMNS)}")
    conn.execute(
        "INSERT INTO case_age_changes SELECT ?, w, r, v, n FROM (SELECT w, r, v, SUM(n) AS n "
        f"FROM ({_ages_part(added, 1)} UNION ALL {_ages_part(removed, -1)}) GROUP BY w, r, v) "
        "WHERE n != 0",
        (import_id,),
    )
    conn.execute(
        "INSERT INTO case_ages SELECT workstream, recorded_on, reviewed_on, needing "
        "FROM case_age_changes WHERE import_id = ? AND true "
        "ON CONFLICT (workstream, recorded_on, reviewed_on) DO UPDATE SET "
        "needing = needing + excluded.needing",
        (import_id,),
    )
    conn.execute("DELETE FROM case_ages WHERE needing = 0")
    conn.execute(
        "INSERT INTO case_risk_age_changes SELECT ?, w, r, a, l, n FROM (SELECT w, r, a, l, "
        f"SUM(n) AS n FROM ({_risk_part(added, 1)} UNION ALL {_risk_part(removed, -1)}) "
        "GROUP BY w, r, a, l) WHERE n != 0",
        (import_id,),
    )
    conn.execute(
        "INSERT INTO case_risk_ages SELECT workstream, recorded_on, assessed_on, risk_level, "
        "cases FROM case_risk_age_changes WHERE import_id = ? AND true "
        "ON CONFLICT (workstream, recorded_on, assessed_on, risk_level) DO UPDATE SET "
        "cases = cases + excluded.cases",
        (import_id,),
    )
    conn.execute("DELETE FROM case_risk_ages WHERE cases = 0")
    # The totals as this import leaves them, kept whole when it moved them, so that an answer
    # as of a past date reads them rather than summing a year of changes.
    moved = conn.execute(
        "SELECT 1 FROM case_daily_changes WHERE import_id = ? LIMIT 1", (import_id,)
    ).fetchone()
    if moved:
        conn.execute("INSERT INTO case_daily_kept SELECT ?, * FROM case_daily", (import_id,))
    waited = conn.execute(
        "SELECT 1 FROM case_age_changes WHERE import_id = ? AND reviewed_on = '' LIMIT 1",
        (import_id,),
    ).fetchone()
    if waited:
        conn.execute(
            "INSERT INTO case_waiting_kept SELECT ?, workstream, recorded_on, needing "
            "FROM case_ages WHERE reviewed_on = ''",
            (import_id,),
        )
