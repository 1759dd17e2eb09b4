"""The store: one SQLite file in WAL mode, one connection per thread, a versioned schema."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from oversight.errors import UserError
from oversight.schema import CURRENT_VERSION
from oversight.store import BUSY_TIMEOUT_MS, open_store


def test_a_new_store_is_in_wal_mode_with_a_busy_timeout(store):
    conn = store.conn
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == BUSY_TIMEOUT_MS
    assert BUSY_TIMEOUT_MS >= 5000
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_wal_mode_is_kept_in_the_file(store):
    # Another program opening the file sees WAL mode too: it is a property of the file.
    other = sqlite3.connect(store.path)
    try:
        assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        other.close()


def test_the_schema_version_is_in_user_version(store):
    assert store.schema_version() == CURRENT_VERSION
    other = sqlite3.connect(store.path)
    try:
        assert other.execute("PRAGMA user_version").fetchone()[0] == CURRENT_VERSION
    finally:
        other.close()


def test_a_store_has_every_table(store):
    tables = {
        name
        for (name,) in store.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    }
    assert tables == {
        "case_reviews",
        "case_daily",
        "data_returns",
        "deadlines",
        "imports",
        "audit_log",
        "digest_ledger",
        "import_finding_rows",  # read through the view import_findings
        "finding_words",
        "case_ages",
        "crime_files",
        "crime_types",
        "crime_areas",
        "home_tabs",
        "crime_scans",
        "case_review_versions",
        "data_return_versions",
        "deadline_versions",
        "crime_file_versions",
        "crime_type_versions",
        "crime_area_versions",
        "crime_area_types",
        "crime_area_type_versions",
        "case_daily_changes",
        "case_age_changes",
        "kept_from",
        "import_finding_counts",
        "case_daily_kept",
        "case_waiting_kept",
        "case_risk_ages",
        "case_risk_age_changes",
        "requests",
        "request_versions",
        "assaults",
        "assault_versions",
        "assault_month_counts",
        "assault_month_count_versions",
        "assault_hour_counts",
        "assault_hour_count_versions",
        "assault_place_counts",
        "assault_place_count_versions",
    }
    views = {n for (n,) in store.conn.execute("SELECT name FROM sqlite_master WHERE type = 'view'")}
    assert views == {"import_findings"}


def test_one_thread_one_connection(store):
    assert store.conn is store.conn
    seen: dict[str, sqlite3.Connection] = {}
    errors: list[BaseException] = []

    def use(name: str) -> None:
        try:
            seen[name] = store.conn
            assert store.conn is seen[name]
            seen[name].execute("SELECT count(*) FROM case_reviews").fetchone()
        except BaseException as error:  # reported in the main thread
            errors.append(error)

    threads = [threading.Thread(target=use, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert seen["a"] is not seen["b"]
    assert store.conn is not seen["a"]
    assert store.conn is not seen["b"]
    # Every connection is set up the same way, whichever thread made it.
    for conn in seen.values():
        assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == BUSY_TIMEOUT_MS


def test_close_closes_the_connections_of_every_thread(tmp_path):
    store = open_store(tmp_path / "oversight.db", create=True)
    made: list[sqlite3.Connection] = []
    thread = threading.Thread(target=lambda: made.append(store.conn))
    thread.start()
    thread.join()
    main = store.conn
    store.close()  # from the main thread: the bot closes its store on the way out
    for conn in (main, made[0]):
        with pytest.raises(sqlite3.ProgrammingError, match="closed"):
            conn.execute("SELECT 1")
    # The store can still be used afterwards: a fresh connection is made.
    assert store.conn is not main
    assert store.schema_version() == CURRENT_VERSION
    store.close()


def test_a_write_is_all_or_nothing(store):
    with pytest.raises(RuntimeError), store.write() as conn:
        conn.execute(
            "INSERT INTO deadlines (title, due_on, status) VALUES ('a', '2020-01-01', 'open')"
        )
        raise RuntimeError("part way")
    assert store.conn.execute("SELECT count(*) FROM deadlines").fetchone()[0] == 0
    assert not store.conn.in_transaction
    with store.write() as conn:
        conn.execute(
            "INSERT INTO deadlines (title, due_on, status) VALUES ('b', '2020-01-01', 'open')"
        )
    other = sqlite3.connect(store.path)
    try:
        assert other.execute("SELECT title FROM deadlines").fetchall() == [("b",)]
    finally:
        other.close()


def test_a_missing_file_is_a_user_error_and_is_not_created(tmp_path):
    path = tmp_path / "missing.db"
    with pytest.raises(UserError) as caught:
        open_store(path)
    assert str(caught.value).startswith(f"There is no database at {path}")
    assert not path.exists()
    assert list(tmp_path.iterdir()) == []


def test_create_makes_a_missing_file(tmp_path):
    path = tmp_path / "new.db"
    store = open_store(path, create=True)
    try:
        assert path.is_file()
        assert store.schema_version() == CURRENT_VERSION
    finally:
        store.close()


def test_a_file_that_is_not_sqlite_is_a_user_error_and_is_left_alone(tmp_path):
    path = tmp_path / "notes.db"
    content = b"incident_ref,workstream\nA,da\n" * 20
    path.write_bytes(content)
    for create in (False, True):
        with pytest.raises(UserError) as caught:
            open_store(path, create=create)
        assert str(caught.value) == f"{path} is not an oversight database (not a SQLite file)."
    assert path.read_bytes() == content


def test_a_folder_is_a_user_error(tmp_path):
    with pytest.raises(UserError, match="is not a file"):
        open_store(tmp_path)


def test_a_database_in_a_missing_folder_is_a_user_error(tmp_path):
    path = tmp_path / "no such folder" / "oversight.db"
    with pytest.raises(UserError) as caught:
        open_store(path, create=True)
    assert str(caught.value).startswith(f"Cannot open the database {path}")


def test_a_newer_schema_is_a_user_error_and_is_left_alone(tmp_path):
    path = tmp_path / "newer.db"
    store = open_store(path, create=True)
    store.conn.execute(f"PRAGMA user_version = {CURRENT_VERSION + 1}")
    store.close()
    before = path.read_bytes()
    with pytest.raises(UserError) as caught:
        open_store(path)
    assert str(caught.value) == (
        f"{path} was written by a newer oversight (schema {CURRENT_VERSION + 1}; "
        f"this one knows up to {CURRENT_VERSION}): upgrade oversight."
    )
    assert path.read_bytes() == before


def test_reopening_a_current_store_changes_nothing(tmp_path):
    path = tmp_path / "oversight.db"
    open_store(path, create=True).close()
    before = path.read_bytes()
    store = open_store(path)
    try:
        assert store.schema_version() == CURRENT_VERSION
    finally:
        store.close()
    assert path.read_bytes() == before


def test_two_stores_on_one_file_see_each_others_commits(tmp_path):
    path = tmp_path / "oversight.db"
    first = open_store(path, create=True)
    second = open_store(path)
    try:
        with first.write() as conn:
            conn.execute(
                "INSERT INTO deadlines (title, due_on, status) VALUES ('a', '2020-01-01', 'open')"
            )
        assert second.conn.execute("SELECT title FROM deadlines").fetchall() == [("a",)]
    finally:
        first.close()
        second.close()
