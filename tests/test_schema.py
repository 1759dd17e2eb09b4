"""The versioned schema: a database from an older oversight opens, upgrades, keeps its rows."""

from __future__ import annotations

import sqlite3
from collections import Counter
from pathlib import Path

import pytest
import sqlite_utils

from oversight.schema import CURRENT_VERSION, MIGRATIONS
from oversight.store import open_store
from tests.support.data import DAILY_COLUMNS, count_case_daily, stored_case_daily

SCHEMA_V1 = Path(__file__).parent / "data" / "schema_v1.sql"

CASE_COLUMNS = (
    "incident_ref",
    "workstream",
    "recorded_on",
    "needs_review",
    "review_status",
    "reviewed_on",
    "ncrs_compliant",
    "referral_required",
    "referral_sent",
    "import_id",
)
# Rows as version 1 stored them: every combination the per-day totals count differently.
V1_CASES = [
    ("DA-1", "domestic_abuse", "2019-07-01", 1, "outstanding", None, None, None, None, 1),
    ("DA-2", "domestic_abuse", "2019-07-01", 1, "in_progress", None, None, None, None, 1),
    ("DA-3", "domestic_abuse", "2019-07-01", 0, "not_required", None, None, None, None, 1),
    ("DA-4", "domestic_abuse", "2019-07-02", 1, "reviewed", "2019-08-01", 1, 1, 1, 1),
    ("DA-5", "domestic_abuse", "2019-07-02", 1, "reviewed", "2019-08-01", 0, 1, 0, 1),
    ("DA-6", "domestic_abuse", "2019-07-03", 1, "reviewed", "2019-08-02", None, 1, None, 1),
    ("DA-7", "domestic_abuse", "2019-08-01", 1, "reviewed", "2019-08-01", 1, 0, None, 1),
    # Reviewed on a day nothing was recorded, with nothing known about referrals.
    ("DA-8", "domestic_abuse", "2019-07-03", 1, "reviewed", "2019-09-09", None, None, None, 1),
    ("CP-1", "child_protection", "2019-07-01", 1, "outstanding", None, None, None, None, 1),
    ("CP-2", "child_protection", "2019-07-01", 1, "reviewed", "2019-07-15", 1, 1, 0, 1),
]


def expected_case_daily(cases: list[tuple]) -> dict[tuple[str, str], tuple[int, ...]]:
    """The per-day totals of the version 1 rows, counted one case at a time in Python."""
    fields = (
        "workstream",
        "recorded_on",
        "needs_review",
        "review_status",
        "reviewed_on",
        "ncrs_compliant",
        "referral_required",
        "referral_sent",
    )
    rows = (dict(zip(CASE_COLUMNS, row, strict=True)) for row in cases)
    return count_case_daily(tuple(row[f] for f in fields) for row in rows)


def make_v1_database(path: Path) -> None:
    """A database exactly as oversight made it at schema version 1, with rows in it."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.executescript(SCHEMA_V1.read_text())
    conn.execute("BEGIN")
    conn.execute(
        "INSERT INTO imports (id, kind, file_name, sha256, rows_read, inserted, updated, "
        "unchanged, not_in_file, imported_by, imported_at, extract_as_of) VALUES "
        "(1, 'cases', 'cases.csv', 'ab12', 10, 10, 0, 0, 0, 'analyst', "
        "'2019-10-01T09:00:00+01:00', '2019-10-01')"
    )
    conn.executemany(f"INSERT INTO case_reviews VALUES ({', '.join('?' * 10)})", V1_CASES)
    conn.execute(
        "INSERT INTO deadlines (title, due_on, status, import_id) "
        "VALUES ('HMICFRS action plan', '2020-01-31', 'open', NULL)"
    )
    conn.execute("COMMIT")
    conn.close()


def schema_of(conn: sqlite3.Connection) -> list[tuple[str, str, str]]:
    return sorted(
        (type_, name, sql or "")
        for type_, name, sql in conn.execute("SELECT type, name, sql FROM sqlite_master")
    )


def dump(conn: sqlite3.Connection, table: str) -> list[tuple]:
    return conn.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()


def test_the_frozen_v1_schema_is_what_the_first_migration_makes(tmp_path):
    # A released migration must never change: databases made by it exist in the wild.
    made = sqlite3.connect(tmp_path / "made.db", isolation_level=None)
    MIGRATIONS[0](sqlite_utils.Database(made, execute_plugins=False))
    frozen = sqlite3.connect(tmp_path / "frozen.db", isolation_level=None)
    frozen.executescript(SCHEMA_V1.read_text())
    try:
        assert schema_of(made) == schema_of(frozen)
        assert frozen.execute("PRAGMA user_version").fetchone()[0] == 1
    finally:
        made.close()
        frozen.close()


def test_a_version_1_database_upgrades_and_keeps_its_rows(tmp_path):
    path = tmp_path / "v1.db"
    make_v1_database(path)
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
        imports_before = dump(conn, "imports")
        deadlines_before = dump(conn, "deadlines")
        assert "case_daily" not in {
            name for (name,) in conn.execute("SELECT name FROM sqlite_master")
        }
    conn.close()

    store = open_store(path)
    try:
        assert store.schema_version() == CURRENT_VERSION
        conn = store.conn
        # Reconciliation's columns (v5) are empty: nothing has been found missing yet.
        # ... and so are the risk assessment's (v11), which no extract before it had.
        assert dump(conn, "case_reviews") == sorted(
            (*case, None, None, None, None) for case in V1_CASES
        )
        lacks = {"cases": "risk_assessed_on,risk_level"}
        assert dump(conn, "imports") == [(*i, None, lacks.get(i[1])) for i in imports_before]
        assert dump(conn, "deadlines") == deadlines_before
        assert stored_case_daily(conn) == expected_case_daily(V1_CASES)
        # How long reviews waited (v5), counted case by case here.
        ages = Counter(
            (c[1], c[2], c[5] if c[4] == "reviewed" else "") for c in V1_CASES if c[3] == 1
        )
        stored = {(w, r, v): n for w, r, v, n in conn.execute("SELECT * FROM case_ages")}
        assert stored == dict(ages)
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        store.close()


def test_per_day_totals_are_counts_never_null(tmp_path):
    path = tmp_path / "v1.db"
    make_v1_database(path)
    store = open_store(path)
    try:
        nulls = store.conn.execute(
            "SELECT count(*) FROM case_daily WHERE "
            + " OR ".join(f"typeof({c}) != 'integer'" for c in DAILY_COLUMNS)
        ).fetchone()[0]
        assert nulls == 0
        # DA-8 was reviewed on a day with nothing recorded and nothing known about referrals.
        assert stored_case_daily(store.conn)[("domestic_abuse", "2019-09-09")] == (
            0,
            0,
            1,
            0,
            0,
            0,
            0,
        )
    finally:
        store.close()


def test_an_upgraded_database_has_the_schema_of_a_new_one(tmp_path):
    make_v1_database(tmp_path / "v1.db")
    upgraded = open_store(tmp_path / "v1.db")
    fresh = open_store(tmp_path / "fresh.db", create=True)
    try:
        assert schema_of(upgraded.conn) == schema_of(fresh.conn)
        assert upgraded.schema_version() == fresh.schema_version() == CURRENT_VERSION
    finally:
        upgraded.close()
        fresh.close()


def test_an_upgraded_database_opens_again_without_change(tmp_path):
    path = tmp_path / "v1.db"
    make_v1_database(path)
    open_store(path).close()
    before = path.read_bytes()
    store = open_store(path)
    try:
        assert store.schema_version() == CURRENT_VERSION
        assert stored_case_daily(store.conn) == expected_case_daily(V1_CASES)
    finally:
        store.close()
    assert path.read_bytes() == before


def test_a_failed_upgrade_leaves_the_old_version_as_it_was(tmp_path):
    # A version 1 file with a stray case_daily table: the version 2 migration cannot create
    # its table, and the whole upgrade must be rolled back, version number included.
    path = tmp_path / "v1.db"
    make_v1_database(path)
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE case_daily (anything)")
    conn.close()
    with pytest.raises(sqlite3.OperationalError, match="already exists"):
        open_store(path)
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
        assert dump(conn, "case_reviews") == sorted(V1_CASES)
        columns = [row[1] for row in conn.execute("PRAGMA table_info(case_daily)")]
        assert columns == ["anything"]
    finally:
        conn.close()


def test_an_empty_file_is_made_into_a_current_store(tmp_path):
    path = tmp_path / "oversight.db"
    store = open_store(path, create=True)
    try:
        assert store.schema_version() == CURRENT_VERSION == len(MIGRATIONS)
        assert stored_case_daily(store.conn) == {}
    finally:
        store.close()
