"""Migrations 9 on: every version kept, the kinds and totals added since, findings kept densely."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from oversight.case_totals import CASE_RISK_AGES_SQL, DAILY_COLUMNS
from oversight.migrations.versioned import versions_table

if TYPE_CHECKING:
    from sqlite_utils import Database


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
        versions_table(conn, table)
    for table in ("crime_files", "crime_types", "crime_areas"):
        versions_table(conn, table)
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
    versions_table(conn, "crime_area_types")


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
    versions_table(conn, "requests")


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
    versions_table(conn, "assaults")
    # The attendances counted by month and department as each import leaves them (the place
    # normalised: '' when none was given), versioned, so that /violence reads a few thousand
    # counts rather than a year of attendances (oversight.importing.assault_counts).
    unit = "month TEXT NOT NULL, department TEXT NOT NULL"
    for table, columns, key in (
        ("assault_month_counts", "attendances INTEGER NOT NULL, knife INTEGER NOT NULL", ""),
        (
            "assault_hour_counts",
            "weekday INTEGER NOT NULL, hour INTEGER NOT NULL, attendances INTEGER NOT NULL",
            ", weekday, hour",
        ),
        ("assault_place_counts", "place TEXT NOT NULL, attendances INTEGER NOT NULL", ", place"),
    ):
        conn.execute(
            f"CREATE TABLE {table} ({unit}, {columns}, import_id INTEGER, "
            f"PRIMARY KEY (month, department{key})) WITHOUT ROWID"
        )
        versions_table(conn, table)


def _v14_dense_findings(db: Database) -> None:
    # A year of weekly imports kept a million findings, each spelling out its kind and its
    # workstream, and indexed apart by import. They are kept densely now: each word once
    # (finding_words), each finding by its import and its place among that import's findings
    # (the table is its own index, read by import), with the words' codes. The view
    # import_findings reads them as before, with the same columns, and takes an insert as the
    # table did; the importers write the rows themselves (oversight.importing.findings).
    conn = db.conn
    conn.execute("CREATE TABLE finding_words (code INTEGER PRIMARY KEY, word TEXT NOT NULL UNIQUE)")
    conn.execute(
        "CREATE TABLE import_finding_rows (import_id INTEGER NOT NULL, id INTEGER NOT NULL, "
        "kind INTEGER NOT NULL, ref TEXT NOT NULL, workstream INTEGER, old TEXT, new TEXT, "
        "month TEXT, area TEXT, area_code TEXT, until_month TEXT, "
        "PRIMARY KEY (import_id, id)) WITHOUT ROWID"
    )
    conn.execute(
        "INSERT INTO finding_words (word) SELECT kind FROM import_findings "
        "UNION SELECT workstream FROM import_findings WHERE workstream IS NOT NULL"
    )
    conn.execute(
        "INSERT INTO import_finding_rows SELECT f.import_id, "
        "row_number() OVER (PARTITION BY f.import_id ORDER BY f.id), k.code, f.ref, w.code, "
        "f.old, f.new, f.month, f.area, f.area_code, f.until_month FROM import_findings f "
        "JOIN finding_words k ON k.word = f.kind "
        "LEFT JOIN finding_words w ON w.word = f.workstream ORDER BY f.import_id, f.id"
    )
    conn.execute("DROP TABLE import_findings")  # and its index
    conn.execute(
        "CREATE VIEW import_findings AS SELECT f.id, f.import_id, k.word AS kind, f.ref, "
        "w.word AS workstream, f.old, f.new, f.month, f.area, f.area_code, f.until_month "
        "FROM import_finding_rows f JOIN finding_words k ON k.code = f.kind "
        "LEFT JOIN finding_words w ON w.code = f.workstream"
    )
    # An insert into the view: its words kept, its place the next among its import's (its id,
    # if given, is not kept).
    conn.execute(
        "CREATE TRIGGER import_findings_insert INSTEAD OF INSERT ON import_findings BEGIN "
        "INSERT OR IGNORE INTO finding_words (word) SELECT NEW.kind "
        "UNION SELECT NEW.workstream WHERE NEW.workstream IS NOT NULL; "
        "INSERT INTO import_finding_rows VALUES (NEW.import_id, 1 + coalesce("
        "(SELECT max(id) FROM import_finding_rows WHERE import_id = NEW.import_id), 0), "
        "(SELECT code FROM finding_words WHERE word = NEW.kind), NEW.ref, "
        "(SELECT code FROM finding_words WHERE word = NEW.workstream), NEW.old, NEW.new, "
        "NEW.month, NEW.area, NEW.area_code, NEW.until_month); END"
    )


# In order: the number a store is at is its position in MIGRATIONS (oversight.migrations).
MIGRATIONS: list[Callable[[Database], None]] = [
    _v9_vintages,
    _v10_street_places,
    _v11_vintage_snapshots,
    _v12_requests_and_risk,
    _v13_violence_profile,
    _v14_dense_findings,
]
