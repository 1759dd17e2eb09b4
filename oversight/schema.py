"""The versioned schema. Opening a store upgrades it; an older database file keeps working.

The version lives in ``PRAGMA user_version``. Each migration runs once, in order, inside the
same transaction that records the new version. sqlite-utils is imported only when a migration
actually runs, so the read path (``oversight ask``, the bot) does not pay for it.
"""

from __future__ import annotations

import sqlite3
import sys
from contextlib import AbstractContextManager
from pathlib import Path
from types import ModuleType
from typing import Protocol

from oversight.errors import UserError
from oversight.migrations import MIGRATIONS, VERSIONED

__all__ = ["CURRENT_VERSION", "MIGRATIONS", "VERSIONED", "upgrade", "version"]

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
