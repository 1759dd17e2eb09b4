"""Importing in this process, as the import tests do: the extract as of one date, and the
store read back whole."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

from oversight.importing import ImportResult, import_extract
from oversight.kinds import KINDS
from oversight.store import Store
from tests.support.data import CASE_HEADER, NOW

AS_OF = date(2020, 7, 1)
CASE_COLUMNS = ", ".join(CASE_HEADER)


def run_import(
    store: Store, kind: str, path: Path, *, as_of: date = AS_OF, **options
) -> ImportResult:
    return import_extract(
        store,
        KINDS[kind],
        path,
        extract_as_of=as_of,
        imported_by=options.pop("imported_by", "analyst"),
        imported_at=NOW,
        **options,
    )


def snapshot(conn: sqlite3.Connection) -> dict[str, object]:
    """Everything the store holds: every row of every table, and the schema version."""
    tables = [
        name
        for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name"
        )
    ]
    content: dict[str, object] = {"user_version": conn.execute("PRAGMA user_version").fetchone()}
    for table in tables:
        width = len(conn.execute(f"SELECT * FROM {table} LIMIT 0").description)
        order = ", ".join(str(n) for n in range(1, width + 1))
        content[table] = conn.execute(f"SELECT * FROM {table} ORDER BY {order}").fetchall()
    return content


def cases_table(store: Store) -> list[tuple]:
    return store.conn.execute(
        f"SELECT {CASE_COLUMNS} FROM case_reviews ORDER BY incident_ref"
    ).fetchall()
