"""The versioned schema. Opening a store upgrades it; an older database file keeps working.

The version lives in ``PRAGMA user_version``. Each migration runs once, in order, inside the
same transaction that records the new version. sqlite-utils is imported only when a migration
actually runs, so the read path (``oversight ask``, the bot) does not pay for it.
"""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Protocol

from oversight.errors import UserError

if TYPE_CHECKING:
    from sqlite_utils import Database

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


def adjust_case_totals(conn: sqlite3.Connection, added: str, removed: str) -> None:
    """Move the totals kept beside the case rows (per-day totals, ages) by an import's changes:
    the rows it added or changed, as they are now (``added``), and the versions of them it
    replaced (``removed``), each row of either standing for ``weight`` rows (the fast path of
    an import passes the rows it added once for each distinct rest of a row, with how many
    have it). Runs inside the import's transaction: the totals equal a recount (tests hold them
    to one) at the cost of the changes alone, or of their distinct rests."""
    sums = ", ".join(f"SUM(c{i})" for i in range(len(DAILY_COLUMNS)))
    conn.execute(
        f"INSERT INTO case_daily SELECT * FROM (SELECT workstream, day, {sums} FROM ("
        f"{_daily_part(added, 1)} UNION ALL {_daily_part(removed, -1)}"
        ") GROUP BY workstream, day) WHERE true "
        "ON CONFLICT (workstream, day) DO UPDATE SET "
        + ", ".join(f"{c} = {c} + excluded.{c}" for c in DAILY_COLUMNS)
    )
    conn.execute(f"DELETE FROM case_daily WHERE {' AND '.join(f'{c} = 0' for c in DAILY_COLUMNS)}")
    conn.execute(
        "INSERT INTO case_ages SELECT * FROM (SELECT w, r, v, SUM(n) FROM ("
        f"{_ages_part(added, 1)} UNION ALL {_ages_part(removed, -1)}"
        ") GROUP BY w, r, v) WHERE true "
        "ON CONFLICT (workstream, recorded_on, reviewed_on) DO UPDATE SET "
        "needing = needing + excluded.needing"
    )
    conn.execute("DELETE FROM case_ages WHERE needing = 0")


def _v1_tables(db: Database) -> None:
    db["case_reviews"].create(
        {
            "incident_ref": str,
            "workstream": str,
            "recorded_on": str,
            "needs_review": int,
            "review_status": str,
            "reviewed_on": str,
            "ncrs_compliant": int,
            "referral_required": int,
            "referral_sent": int,
            "import_id": int,
        },
        pk="incident_ref",
        not_null={"workstream", "recorded_on", "needs_review"},
    )
    db["case_reviews"].create_index(["workstream", "recorded_on"])
    db.execute(
        "CREATE INDEX idx_case_reviews_reviewed ON case_reviews (workstream, reviewed_on) "
        "WHERE review_status = 'reviewed'"
    )
    db["data_returns"].create(
        {
            "dataset": str,
            "period": str,
            "due_on": str,
            "status": str,
            "submitted_on": str,
            "notes": str,
            "import_id": int,
        },
        pk=("dataset", "period"),
        not_null={"due_on", "status"},
    )
    db["deadlines"].create(
        {
            "title": str,
            "due_on": str,
            "category": str,
            "owner": str,
            "status": str,
            "done_on": str,
            "import_id": int,
        },
        pk="title",
        not_null={"due_on", "status"},
    )
    db["imports"].create(
        {
            "id": int,
            "kind": str,
            "file_name": str,
            "sha256": str,
            "rows_read": int,
            "inserted": int,
            "updated": int,
            "unchanged": int,
            "not_in_file": int,
            "imported_by": str,
            "imported_at": str,
            "extract_as_of": str,
        },
        pk="id",
        not_null={"kind", "file_name", "sha256", "imported_at"},
    )
    db["imports"].create_index(["kind", "id"])
    db["audit_log"].create(
        {
            "id": int,
            "at": str,
            "user_id": str,
            "channel_id": str,
            "command": str,
            "text": str,
            "outcome": str,
            "detail": str,
        },
        pk="id",
        not_null={"at", "outcome"},
    )
    db["audit_log"].create_index(["at"])


def _v2_case_daily(db: Database) -> None:
    # Per-day totals make /backlog independent of the number of case rows.
    db["case_daily"].create(
        {
            "workstream": str,
            "day": str,
            "recorded": int,
            "needing_review": int,
            "reviewed": int,
            "ncrs_answered": int,
            "ncrs_compliant": int,
            "referral_not_sent": int,
            "referral_unknown": int,
        },
        pk=("workstream", "day"),
    )
    rebuild_case_daily(db.conn)


def _v3_drop_case_indexes(db: Database) -> None:
    # Since v2 every figure reads case_daily: these indexes were only slowing imports down.
    db.execute("DROP INDEX IF EXISTS idx_case_reviews_workstream_recorded_on")
    db.execute("DROP INDEX IF EXISTS idx_case_reviews_reviewed")


def _v4_digest_ledger(db: Database) -> None:
    # Claimed in a transaction before anything is posted: the digest goes out exactly once.
    db["digest_ledger"].create(
        {
            "job": str,
            "period": str,
            "state": str,  # claimed, sent or released
            "owner": str,  # host:pid of the process holding the claim
            "claimed_at": str,
            "lease_until": str,
            "attempts": int,
            "channel": str,
            "message_ts": str,
            "sent_at": str,
            "snapshot": str,
            "last_error": str,
        },
        pk=("job", "period"),
        not_null={"state", "attempts"},
    )


def _v5_reconciliation(db: Database) -> None:
    # Every cases import is reconciled with the store: what it found is kept, and a record
    # missing from the extracts is marked, never deleted.
    db["case_reviews"].add_column("missing_since_import", int)
    db["case_reviews"].add_column("last_seen_import", int)
    db.execute(
        "CREATE INDEX idx_case_reviews_missing ON case_reviews (missing_since_import) "
        "WHERE missing_since_import IS NOT NULL"
    )
    db["imports"].add_column("scope", str)  # a cases extract's workstream; NULL: all
    db["import_findings"].create(
        {
            "id": int,
            "import_id": int,
            "kind": str,
            "ref": str,
            "workstream": str,
            "old": str,
            "new": str,
        },
        pk="id",
        not_null={"import_id", "kind", "ref"},
    )
    db["import_findings"].create_index(["import_id", "kind"])
    db["case_ages"].create(
        {"workstream": str, "recorded_on": str, "reviewed_on": str, "needing": int},
        pk=("workstream", "recorded_on", "reviewed_on"),
    )
    db["case_ages"].create_index(["recorded_on"])
    db.execute(CASE_AGES_SQL)


def _v6_recorded_crime(db: Database) -> None:
    # Recorded crime from data.police.uk's street-level files, kept as counts
    # (oversight/importing/crimes.py):
    # one row per month file of a force, its counts by crime type, and by neighbourhood (LSOA).
    db["crime_files"].create(
        {
            "force": str,  # "Falls within", as published: "Greater Manchester Police"
            "month": str,  # YYYY-MM
            "file_name": str,
            "sha256": str,
            "rows_read": int,
            "crimes": int,  # recorded crime: every row but anti-social behaviour
            "asb": int,  # anti-social behaviour, shown apart
            "no_location": int,  # crimes with "No Location": in the totals, in no neighbourhood
            "import_id": int,
        },
        pk=("force", "month"),
        not_null={"file_name", "sha256", "rows_read", "crimes", "asb", "no_location"},
    )
    db.execute(
        "CREATE TABLE crime_types (force TEXT NOT NULL, month TEXT NOT NULL, "
        "crime_type TEXT NOT NULL, crimes INTEGER NOT NULL, no_location INTEGER NOT NULL, "
        "PRIMARY KEY (force, month, crime_type)) WITHOUT ROWID"
    )
    db.execute(
        "CREATE TABLE crime_areas (force TEXT NOT NULL, month TEXT NOT NULL, "
        "lsoa_code TEXT NOT NULL, lsoa_name TEXT, crimes INTEGER NOT NULL, "
        "PRIMARY KEY (force, month, lsoa_code)) WITHOUT ROWID"
    )
    # Data-gap findings name a month and an area (a neighbourhood, or the whole force).
    db["import_findings"].add_column("month", str)
    db["import_findings"].add_column("area", str)
    db["import_findings"].add_column("area_code", str)


def _v7_home_tabs(db: Database) -> None:
    # The people whose Slack Home tab the bot has published, and the data it was built from:
    # after an import or a digest, each is rebuilt once.
    db["home_tabs"].create(
        {"user_id": str, "opened_at": str, "published_at": str, "data_version": str},
        pk="user_id",
    )


def _v8_crime_gap_runs(db: Database) -> None:
    # A run of missing months is one finding, from its month to until_month. Each recorded-crime
    # import looks for gaps only in the forces whose files it changed, and says which it looked
    # at (crime_scans): a force's gaps are those of its latest scan. Until its next import, each
    # force's latest scan is the latest recorded-crime import, which looked at every force.
    db["import_findings"].add_column("until_month", str)
    db["crime_scans"].create({"force": str, "import_id": int}, pk=("force", "import_id"))
    db.execute(
        "INSERT INTO crime_scans (force, import_id) SELECT DISTINCT f.force, i.id "
        "FROM crime_files f JOIN (SELECT max(id) AS id FROM imports WHERE kind = 'crimes') i "
        "ON i.id IS NOT NULL"
    )


MIGRATIONS: list[Callable[[Database], None]] = [
    _v1_tables,
    _v2_case_daily,
    _v3_drop_case_indexes,
    _v4_digest_ledger,
    _v5_reconciliation,
    _v6_recorded_crime,
    _v7_home_tabs,
    _v8_crime_gap_runs,
]
CURRENT_VERSION = len(MIGRATIONS)


def version(conn: sqlite3.Connection) -> int:
    return conn.execute("PRAGMA user_version").fetchone()[0]


class Upgradable(Protocol):
    """What an upgrade needs of the store (so that this module need not import it)."""

    path: Path

    @property
    def conn(self) -> sqlite3.Connection: ...

    def write(self) -> AbstractContextManager[sqlite3.Connection]: ...


def upgrade(store: Upgradable) -> None:
    """Bring the store to :data:`CURRENT_VERSION`, all migrations in one write transaction.

    A file written by a newer oversight is refused rather than misread.
    """
    path, conn = store.path, store.conn
    found = version(conn)
    if found == CURRENT_VERSION:
        return
    if found > CURRENT_VERSION:
        raise UserError(
            f"{path} was written by a newer oversight (schema {found}; "
            f"this one knows up to {CURRENT_VERSION}): upgrade oversight."
        )
    db = _sqlite_utils().Database(conn, execute_plugins=False)
    with store.write():
        # Another process may have upgraded while we waited for the write lock.
        found = version(conn)
        for number, migration in enumerate(MIGRATIONS[found:], start=found + 1):
            migration(db)
            conn.execute(f"PRAGMA user_version = {number}")


def _sqlite_utils() -> ModuleType:
    """sqlite-utils, without the pandas and numpy it imports when they are installed (0.6 s
    before the first migration runs; the migrations never hand it a DataFrame). A process that
    has imported them already keeps them."""
    if "sqlite_utils" in sys.modules:
        return sys.modules["sqlite_utils"]
    blocked = [name for name in ("pandas", "numpy") if name not in sys.modules]
    for name in blocked:
        sys.modules[name] = None  # type: ignore[assignment]  # makes importing it fail
    try:
        import sqlite_utils
    finally:
        for name in blocked:
            del sys.modules[name]
    return sqlite_utils
