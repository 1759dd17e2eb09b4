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

from oversight.case_totals import CASE_AGES_SQL, DAILY_COLUMNS, rebuild_case_daily
from oversight.errors import UserError

if TYPE_CHECKING:
    from sqlite_utils import Database


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


# The tables whose rows an import replaces, each with a table of the versions it replaced (README:
# "As of a date"): every column of the row, the import that wrote that version, and the import
# that replaced it. The rows as they stood after import X are those written by X or before and
# not replaced by then.
VERSIONED = {
    "case_reviews": "case_review_versions",
    "data_returns": "data_return_versions",
    "deadlines": "deadline_versions",
    "crime_files": "crime_file_versions",
    "crime_types": "crime_type_versions",
    "crime_areas": "crime_area_versions",
    "crime_area_types": "crime_area_type_versions",
    "assaults": "assault_versions",
}


def _v9_vintages(db: Database) -> None:
    # Nothing an import replaces is lost: each versioned table keeps the versions replaced, and
    # the per-day totals and ages are kept as each import's changes to them, so that the store
    # can answer as it stood after any import. A store upgraded here has no versions from
    # before: kept_from says, for each kind, the first import whose state is kept.
    conn = db.conn
    for table in ("crime_types", "crime_areas"):
        db[table].add_column("import_id", int)
        conn.execute(
            f"UPDATE {table} SET import_id = (SELECT f.import_id FROM crime_files f "
            f"WHERE f.force = {table}.force AND f.month = {table}.month)"
        )
    # The tables versioned then (a migration never changes: later tables add their own).
    for table in ("case_reviews", "data_returns", "deadlines"):
        _versions_table(conn, table)
    for table in ("crime_files", "crime_types", "crime_areas"):
        _versions_table(conn, table)
    daily = ", ".join(f"{c} INTEGER NOT NULL" for c in DAILY_COLUMNS)
    conn.execute(
        "CREATE TABLE case_daily_changes (import_id INTEGER NOT NULL, workstream TEXT NOT NULL, "
        f"day TEXT NOT NULL, {daily}, PRIMARY KEY (import_id, workstream, day)) WITHOUT ROWID"
    )
    conn.execute(
        "CREATE TABLE case_age_changes (import_id INTEGER NOT NULL, workstream TEXT NOT NULL, "
        "recorded_on TEXT NOT NULL, reviewed_on TEXT NOT NULL, needing INTEGER NOT NULL, "
        "PRIMARY KEY (import_id, workstream, recorded_on, reviewed_on)) WITHOUT ROWID"
    )
    conn.execute("CREATE TABLE kept_from (kind TEXT PRIMARY KEY, import_id INTEGER NOT NULL)")
    conn.execute("INSERT INTO kept_from SELECT kind, max(id) FROM imports GROUP BY kind")
    # The totals as they stand at the upgrade: the changes of the latest cases import.
    latest = conn.execute("SELECT import_id FROM kept_from WHERE kind = 'cases'").fetchone()
    if latest is not None:
        conn.execute(
            f"INSERT INTO case_daily_changes SELECT ?, workstream, day, "
            f"{', '.join(DAILY_COLUMNS)} FROM case_daily",
            latest,
        )
        conn.execute(
            "INSERT INTO case_age_changes SELECT ?, workstream, recorded_on, reviewed_on, "
            "needing FROM case_ages",
            latest,
        )
    # What each digest sent said, kept beside its ledger entry (README: "Published figures").
    db["digest_ledger"].add_column("figures", str)
    db["digest_ledger"].add_column("text", str)


def _versions_table(conn: sqlite3.Connection, table: str) -> None:
    """The table of versions ``table``'s imports replace: its columns, and the import that
    replaced each version (``superseded_by``)."""
    versions = VERSIONED[table]
    columns = [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]
    conn.execute(
        f"CREATE TABLE {versions} AS SELECT {', '.join(columns)}, 0 AS superseded_by "
        f"FROM {table} WHERE false"
    )
    conn.execute(f"CREATE INDEX idx_{versions}_vintage ON {versions} (import_id, superseded_by)")


def _v10_street_places(db: Database) -> None:
    # No Location means no coordinates, as data.police.uk defines it, not a blank LSOA: a crime
    # placed outside any LSOA (all of Northern Ireland's; British Transport Police's at Scottish
    # stations) is counted apart (no_lsoa). A month file whose content is the same, whatever its
    # line ends, is unchanged (content_sha256). Counts by neighbourhood and crime type, and
    # where each neighbourhood is (the sums of its crimes' coordinates) and its local
    # authority, for the violence profile and /crime's areas. Rows imported before keep the old
    # rule's counts until their months are imported again.
    conn = db.conn
    for table in ("crime_files", "crime_file_versions"):
        conn.execute(f"ALTER TABLE {table} ADD COLUMN no_lsoa INTEGER NOT NULL DEFAULT 0")
        conn.execute(f"ALTER TABLE {table} ADD COLUMN content_sha256 TEXT")
    for table in ("crime_types", "crime_type_versions"):
        conn.execute(f"ALTER TABLE {table} ADD COLUMN no_lsoa INTEGER NOT NULL DEFAULT 0")
    for table in ("crime_areas", "crime_area_versions"):
        conn.execute(f"ALTER TABLE {table} ADD COLUMN local_authority TEXT")
        conn.execute(f"ALTER TABLE {table} ADD COLUMN placed INTEGER NOT NULL DEFAULT 0")
        conn.execute(f"ALTER TABLE {table} ADD COLUMN longitude_sum REAL NOT NULL DEFAULT 0")
        conn.execute(f"ALTER TABLE {table} ADD COLUMN latitude_sum REAL NOT NULL DEFAULT 0")
        conn.execute(
            f"UPDATE {table} SET local_authority = rtrim(substr(lsoa_name, 1, "
            "length(lsoa_name) - 4)) WHERE lsoa_name GLOB '* [0-9][0-9][0-9][A-Z]'"
        )
    # Keyed by local authority first: /crime for an area reads one range of it.
    conn.execute(
        "CREATE TABLE crime_area_types (force TEXT NOT NULL, month TEXT NOT NULL, "
        "local_authority TEXT NOT NULL, lsoa_code TEXT NOT NULL, crime_type TEXT NOT NULL, "
        "crimes INTEGER NOT NULL, import_id INTEGER, "
        "PRIMARY KEY (force, local_authority, month, lsoa_code, crime_type)) WITHOUT ROWID"
    )
    _versions_table(conn, "crime_area_types")


def _v11_violence_profile(db: Database) -> None:
    # Hospital emergency departments' assault attendances, shared under the ISTV standard
    # (ISB 1594): anonymised, one row an attendance, keyed by the department's pseudonymous
    # reference; versioned like the other kinds. Times are local, "YYYY-MM-DD HH:MM".
    conn = db.conn
    conn.execute(
        "CREATE TABLE assaults (attendance_ref TEXT PRIMARY KEY, department TEXT NOT NULL, "
        "arrived_at TEXT NOT NULL, incident_at TEXT, incident_location TEXT, "
        "means TEXT NOT NULL, age_band TEXT, sex TEXT, import_id INTEGER)"
    )
    conn.execute("CREATE INDEX idx_assaults_arrived ON assaults (arrived_at, department, means)")
    _versions_table(conn, "assaults")


MIGRATIONS: list[Callable[[Database], None]] = [
    _v1_tables,
    _v2_case_daily,
    _v3_drop_case_indexes,
    _v4_digest_ledger,
    _v5_reconciliation,
    _v6_recorded_crime,
    _v7_home_tabs,
    _v8_crime_gap_runs,
    _v9_vintages,
    _v10_street_places,
    _v11_violence_profile,
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
