"""Findings kept densely (migration 14): a store of the previous release (schema 13) upgrades in
place, every finding kept, and every reader answers as before; what is written after reads back
as it was written."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import sqlite_utils

from oversight.figures.integrity import crime_gap_findings, finding_counts, findings
from oversight.importing.findings import keep_found, keep_rows
from oversight.schema import CURRENT_VERSION, MIGRATIONS
from oversight.store import open_store

V8 = Path(__file__).parent / "data" / "store_v8.db"
COLUMNS = "import_id, kind, ref, workstream, old, new, month, area, area_code, until_month"
GMP = "Greater Manchester Police"
# Findings as the previous release's importers wrote them (their columns, in their order),
# beside the two the store holds: a cases import's, and a crime import's data gaps (no
# workstream). One has an empty workstream, and import 4's come after import 5's.
CASE_FINDINGS = [
    (5, "reappeared", "DA-9", "domestic_abuse", "", "outstanding"),
    (5, "needs_review_added", "CP-7", "child_protection", "no", "yes"),
    (5, "risk_level_lowered", "DA-1", "domestic_abuse", "high", "medium"),
    (5, "workstream_changed", "CP-8", "", "domestic_abuse", ""),
]
CRIME_FINDINGS = [
    (4, "missing_month", GMP, None, "", "", "2020-03", "2020-04", GMP, None),
    (4, "zero_area", GMP, None, "4.5", "0", "2020-05", None, "Bolton 001A", "E01004763"),
    (4, "zero_area", GMP, None, "2", "0", "2020-05", None, "Bolton 002B", "E01004764"),
]


def a_store_of_schema_13(tmp_path: Path) -> Path:
    """The previous release's store: store_v8.db brought to schema 13 by its migrations, and
    findings written into it as that release wrote them."""
    db = tmp_path / "oversight.db"
    shutil.copyfile(V8, db)
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        conn.execute("BEGIN")
        for number, migration in enumerate(MIGRATIONS[8:13], start=9):
            migration(sqlite_utils.Database(conn, execute_plugins=False))
            conn.execute(f"PRAGMA user_version = {number}")
        conn.executemany(
            "INSERT INTO import_findings (import_id, kind, ref, workstream, old, new) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            CASE_FINDINGS,
        )
        conn.executemany(
            "INSERT INTO import_findings (import_id, kind, ref, workstream, old, new, month, "
            "until_month, area, area_code) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            CRIME_FINDINGS,
        )
        conn.execute("COMMIT")
    finally:
        conn.close()
    return db


def answers(conn: sqlite3.Connection) -> dict[str, object]:
    """Everything the readers say of the findings, and the findings themselves."""
    store = SimpleNamespace(conn=conn)  # all the readers use of a store
    imports = [i for (i,) in conn.execute("SELECT id FROM imports ORDER BY id")]
    return {
        "rows": conn.execute(
            f"SELECT {COLUMNS} FROM import_findings ORDER BY import_id, id"
        ).fetchall(),
        "findings": {i: findings(store, i) for i in imports},  # type: ignore[arg-type]
        "counts": {i: finding_counts(conn, i) for i in imports},
        "gaps": [
            crime_gap_findings(store, date(2020, 7, 20), lag, revised)  # type: ignore[arg-type]
            for lag in (2, 3)
            for revised in (False, True)
        ],
    }


def test_the_previous_releases_findings_upgrade_in_place_and_read_the_same(tmp_path: Path):
    db = a_store_of_schema_13(tmp_path)
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 13
        before = answers(conn)
    conn.close()
    assert len(before["rows"]) == 2 + len(CASE_FINDINGS) + len(CRIME_FINDINGS)
    store = open_store(db)  # upgrades it
    try:
        conn = store.conn
        assert store.schema_version() == CURRENT_VERSION
        assert answers(conn) == before
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        # Each word once; every row holds codes, numbered from 1 within its import in the
        # order the findings were made; the old index went with the old table.
        assert conn.execute(
            "SELECT count(*) FROM import_finding_rows WHERE typeof(kind) != 'integer' "
            "OR typeof(workstream) NOT IN ('integer', 'null')"
        ).fetchone() == (0,)
        assert conn.execute(
            "SELECT import_id, group_concat(id) FROM import_finding_rows GROUP BY 1 ORDER BY 1"
        ).fetchall() == [(4, "1,2,3"), (5, "1,2,3,4,5,6")]
        words = [w for (w,) in conn.execute("SELECT word FROM finding_words")]
        assert sorted(words) == sorted(set(words)) and "" in words
        indexes = {
            n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")
        }
        assert "import_findings_by_import" not in indexes
    finally:
        store.close()


def test_findings_written_after_read_back_as_written(tmp_path: Path):
    store = open_store(tmp_path / "oversight.db", create=True)
    try:
        conn = store.conn
        with store.write():
            conn.execute(
                "INSERT INTO imports (id, kind, file_name, sha256, rows_read, inserted, updated, "
                "unchanged, not_in_file, imported_by, imported_at) VALUES "
                "(1, 'cases', 'a.csv', 'ab', 1, 1, 0, 0, 0, 'me', '2020-07-01T09:00:00+01:00')"
            )
            keep_found(
                conn,
                1,
                "SELECT 'vanished' AS kind, 'DA-1' AS ref, 'domestic_abuse' AS workstream, "
                "'outstanding' AS old, '' AS new UNION ALL SELECT 'a_new_kind', 'X-1', "
                "'a_new_workstream', NULL, 'x'",
                [],
            )
            keep_rows(conn, 1, [CRIME_FINDINGS[1][1:], CRIME_FINDINGS[0][1:]])
            # An insert into the view, as into the table it replaced (its id is not kept).
            conn.execute(
                "INSERT INTO import_findings (id, import_id, kind, ref, month, area) "
                "VALUES (99, 1, 'missing_month', ?, '2020-06', ?)",
                (GMP, GMP),
            )
        assert conn.execute("SELECT * FROM import_findings ORDER BY id").fetchall() == [
            (1, 1, "vanished", "DA-1", "domestic_abuse", "outstanding", "", None, None, None, None),
            (2, 1, "a_new_kind", "X-1", "a_new_workstream", None, "x", None, None, None, None),
            (3, 1, *CRIME_FINDINGS[1][1:6], "2020-05", "Bolton 001A", "E01004763", None),
            (4, 1, *CRIME_FINDINGS[0][1:6], "2020-03", GMP, None, "2020-04"),
            (5, 1, "missing_month", GMP, None, None, None, "2020-06", GMP, None, None),
        ]
    finally:
        store.close()
