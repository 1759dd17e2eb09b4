"""The tables whose replaced rows are kept, and the making of each one's table of versions."""

from __future__ import annotations

import sqlite3

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
    "assault_month_counts": "assault_month_count_versions",
    "assault_hour_counts": "assault_hour_count_versions",
    "assault_place_counts": "assault_place_count_versions",
}


def versions_table(conn: sqlite3.Connection, table: str) -> None:
    """The table of versions ``table``'s imports replace: its columns, and the import that
    replaced each version (``superseded_by``)."""
    versions = VERSIONED[table]
    columns = [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]
    conn.execute(
        f"CREATE TABLE {versions} AS SELECT {', '.join(columns)}, 0 AS superseded_by "
        f"FROM {table} WHERE false"
    )
    conn.execute(f"CREATE INDEX idx_{versions}_vintage ON {versions} (import_id, superseded_by)")
