"""Importing in this process, as the import tests do: the extract as of one date, and the
store read back whole."""

from __future__ import annotations

import atexit
import shutil
import sqlite3
import tempfile
from datetime import date
from pathlib import Path

import pytest

from oversight.errors import UserError
from oversight.importing import bulk, columnar
from oversight.importing.kinds import KINDS, import_extract
from oversight.importing.result import ImportResult
from oversight.store import Store, open_store
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


def import_outcome(
    path: Path, fast: bool, *, as_of: date = AS_OF, kind: str = "cases"
) -> tuple[str, object]:
    """What importing a ``kind`` from ``path`` into a new store comes to: the store's every
    table but the imports', or the refusal and its details; with ``fast`` False, the fast path
    declines every file."""
    real = bulk.stage, columnar.stage_columns
    if not fast:
        bulk.stage = columnar.stage_columns = lambda *_: None
    try:
        with tempfile.TemporaryDirectory() as folder, _new_store(Path(folder)) as store:
            try:
                run_import(store, kind, path, as_of=as_of)
            except UserError as error:
                details = error.details() if hasattr(error, "details") else []
                return "refused", (str(error), details)
            held = snapshot(store.conn)
            del held["imports"]  # which path was taken aside, the same record
            return "stored", held
    finally:
        bulk.stage, columnar.stage_columns = real


_EMPTY_STORES: dict[str, Path] = {}


def _new_store(folder: Path) -> Store:
    """A new, empty store in ``folder``: a copy of one made once in this process (making one,
    its migrations run, costs 35 ms; the hypothesis tests make hundreds)."""
    if "made" not in _EMPTY_STORES:
        made = Path(tempfile.mkdtemp(prefix="oversight-empty-store-")) / "o.db"
        atexit.register(shutil.rmtree, made.parent, True)
        open_store(made, create=True).close()
        _EMPTY_STORES["made"] = made
    path = folder / "o.db"
    shutil.copy(_EMPTY_STORES["made"], path)  # its mode too: owner-only
    return open_store(path)


def staged_by_fast_path(monkeypatch: pytest.MonkeyPatch) -> list[int | None]:
    """What each call of the fast path returns from now on: the rows it staged, or None (a
    doubt: the exact path reads the file)."""
    staged: list[int | None] = []
    for module, name in ((bulk, "stage"), (columnar, "stage_columns")):
        real = getattr(module, name)
        monkeypatch.setattr(
            module, name, lambda *a, real=real: staged.append(real(*a)) or staged[-1]
        )
    return staged
