"""The migrations, in order: each runs once, when a store older than it is opened (see
:mod:`oversight.schema`), and never changes once released (a later one adds what a newer
oversight needs). Written with sqlite-utils, which :func:`oversight.schema.upgrade` hands in.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import TYPE_CHECKING

from oversight.case_totals import (
    CASE_AGES_SQL,
    CASE_RISK_AGES_SQL,
    DAILY_COLUMNS,
    rebuild_case_daily,
)

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
    "requests": "request_versions",
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


def _v11_vintage_snapshots(db: Database) -> None:
    # A year of weekly imports made every past /backlog slow: each answer counted every finding
    # of every cases import (a million after a year) for its "records missing" line, and summed
    # every kept change of the totals. Each cases import's findings are now counted once, as it
    # is made; and the totals an import leaves (the per-day totals, and the reviews still
    # waiting by the day they were recorded) are kept whole after each import that moved them,
    # a few thousand rows each (README: "How versions are kept").
    conn = db.conn
    conn.execute(
        "CREATE TABLE import_finding_counts (import_id INTEGER NOT NULL, kind TEXT NOT NULL, "
        "workstream TEXT NOT NULL, findings INTEGER NOT NULL, "
        "PRIMARY KEY (import_id, kind, workstream)) WITHOUT ROWID"
    )
    conn.execute(
        "INSERT INTO import_finding_counts SELECT f.import_id, f.kind, "
        "coalesce(f.workstream, ''), count(*) FROM import_findings f "
        "JOIN imports i ON i.id = f.import_id WHERE i.kind = 'cases' GROUP BY 1, 2, 3"
    )
    daily = ", ".join(f"{c} INTEGER NOT NULL" for c in DAILY_COLUMNS)
    # Today's /backlog on a year of imports read most of case_ages through its index by day
    # recorded; the reviews waiting on a date are those not reviewed, or reviewed after it.
    conn.execute("DROP INDEX IF EXISTS idx_case_ages_recorded_on")
    conn.execute("CREATE INDEX case_ages_by_review ON case_ages (reviewed_on)")
    # Space a year of weekly imports spent on indexes nothing needs: findings are looked up by
    # their import, then filtered (a cases import's counts by kind are kept above), and no
    # answer reads the case rows as they stood (the totals kept above are read instead).
    conn.execute("DROP INDEX IF EXISTS idx_import_findings_import_id_kind")
    conn.execute("CREATE INDEX import_findings_by_import ON import_findings (import_id)")
    conn.execute("DROP INDEX IF EXISTS idx_case_review_versions_vintage")
    conn.execute(
        "CREATE TABLE case_daily_kept (import_id INTEGER NOT NULL, workstream TEXT NOT NULL, "
        f"day TEXT NOT NULL, {daily}, PRIMARY KEY (import_id, workstream, day)) WITHOUT ROWID"
    )
    conn.execute(
        "CREATE TABLE case_waiting_kept (import_id INTEGER NOT NULL, workstream TEXT NOT NULL, "
        "recorded_on TEXT NOT NULL, needing INTEGER NOT NULL, "
        "PRIMARY KEY (import_id, workstream, recorded_on)) WITHOUT ROWID"
    )
    sums = ", ".join(f"SUM({c})" for c in DAILY_COLUMNS)
    nonzero = " OR ".join(f"SUM({c}) != 0" for c in DAILY_COLUMNS)
    moved = conn.execute("SELECT DISTINCT import_id FROM case_daily_changes ORDER BY 1").fetchall()
    for (import_id,) in moved:
        conn.execute(
            f"INSERT INTO case_daily_kept SELECT ?, workstream, day, {sums} "
            "FROM case_daily_changes WHERE import_id <= ? GROUP BY workstream, day "
            f"HAVING {nonzero}",
            (import_id, import_id),
        )
    waited = conn.execute(
        "SELECT DISTINCT import_id FROM case_age_changes WHERE reviewed_on = '' ORDER BY 1"
    ).fetchall()
    for (import_id,) in waited:
        conn.execute(
            "INSERT INTO case_waiting_kept SELECT ?, workstream, recorded_on, SUM(needing) "
            "FROM case_age_changes WHERE import_id <= ? AND reviewed_on = '' "
            "GROUP BY workstream, recorded_on HAVING SUM(needing) != 0",
            (import_id, import_id),
        )


def _v12_requests_and_risk(db: Database) -> None:
    # Issue 23. Case extracts may carry the domestic-abuse risk assessment (its date and level);
    # an import records which optional columns its file lacked (``lacks``), so that a figure
    # from an extract without them says so rather than counting zero. Cases by the day they
    # were recorded and the day and level of their risk assessment ('': none), kept with each
    # import's changes like case_ages. Information requests (FOI/EIR) on a statutory clock,
    # versioned like every kind.
    conn = db.conn
    for table in ("case_reviews", "case_review_versions"):
        conn.execute(f"ALTER TABLE {table} ADD COLUMN risk_assessed_on TEXT")
        conn.execute(f"ALTER TABLE {table} ADD COLUMN risk_level TEXT")
    conn.execute("ALTER TABLE imports ADD COLUMN lacks TEXT")
    conn.execute(
        "CREATE TABLE case_risk_ages (workstream TEXT NOT NULL, recorded_on TEXT NOT NULL, "
        "assessed_on TEXT NOT NULL, risk_level TEXT NOT NULL, cases INTEGER NOT NULL, "
        "PRIMARY KEY (workstream, recorded_on, assessed_on, risk_level)) WITHOUT ROWID"
    )
    conn.execute(
        "CREATE TABLE case_risk_age_changes (import_id INTEGER NOT NULL, "
        "workstream TEXT NOT NULL, recorded_on TEXT NOT NULL, assessed_on TEXT NOT NULL, "
        "risk_level TEXT NOT NULL, cases INTEGER NOT NULL, PRIMARY KEY (import_id, workstream, "
        "recorded_on, assessed_on, risk_level)) WITHOUT ROWID"
    )
    conn.execute(CASE_RISK_AGES_SQL)
    # As for case_ages at v9: the totals as they stand are the latest cases import's changes
    # (every extract before it lacked the columns, so its risk figures are not shown anyway).
    conn.execute(
        "INSERT INTO case_risk_age_changes SELECT i.id, r.* FROM case_risk_ages r "
        "JOIN (SELECT max(id) AS id FROM imports WHERE kind = 'cases') i ON i.id IS NOT NULL"
    )
    conn.execute("UPDATE imports SET lacks = 'risk_assessed_on,risk_level' WHERE kind = 'cases'")
    db["requests"].create(
        {
            "ref": str,
            "authority": str,  # the "to" column: the public authority asked
            "subject": str,
            "received_on": str,
            "answered_on": str,
            "status": str,
            "extended_to": str,
            "notes": str,
            "import_id": int,
        },
        pk="ref",
        not_null={"authority", "received_on", "status"},
    )
    _versions_table(conn, "requests")


def _v13_violence_profile(db: Database) -> None:
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
    _v11_vintage_snapshots,
    _v12_requests_and_risk,
    _v13_violence_profile,
]
