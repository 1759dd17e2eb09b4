"""Migrations 1 to 8: the store as it was before every version was kept."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from oversight.case_totals import CASE_AGES_SQL, rebuild_case_daily

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


# In order: the number a store is at is its position in MIGRATIONS (oversight.migrations).
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
