"""The one place that opens the database: one SQLite file, WAL mode, one connection per thread."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from oversight import schema
from oversight.errors import UserError

BUSY_TIMEOUT_MS = 10_000


class Store:
    """The SQLite store. Each thread gets its own connection; writes go through :meth:`write`.

    Usable in a ``with`` block, which closes every connection it opened on the way out.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._local = threading.local()
        self._lock = threading.Lock()
        self._connections: list[sqlite3.Connection] = []

    @property
    def conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = connect(self.path)
            self._local.conn = conn
            with self._lock:
                self._connections.append(conn)
        return conn

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: all of it is committed, or none of it."""
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            # After "database or disk is full" SQLite has already rolled back: a second
            # ROLLBACK would raise and hide the real cause.
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def schema_version(self) -> int:
        return schema.version(self.conn)

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            for conn in self._connections:
                conn.close()
            self._connections.clear()
        self._local = threading.local()


def connect(path: Path) -> sqlite3.Connection:
    # isolation_level=None: transactions are begun explicitly, never implicitly by the driver.
    # check_same_thread=False: each connection is used only by the thread that made it (see
    # Store.conn), but Store.close() must be able to close every thread's connection.
    conn = sqlite3.connect(
        path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False
    )
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA journal_mode = WAL")
    # FULL: a committed import survives a power cut, not only a killed process.
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def open_store(path: Path, *, create: bool = False) -> Store:
    """Open the store at ``path``, upgrading its schema if it was made by an older version.

    Without ``create``, a missing file is the user's mistake, not a reason to make an empty one.
    """
    path = Path(path)
    if not create and not path.exists():
        raise UserError(
            f"There is no database at {path}: import an extract first "
            "(oversight import cases FILE), set OVERSIGHT_DB, or try oversight demo."
        )
    if path.exists() and not path.is_file():
        raise UserError(f"The database path {path} is not a file.")
    store = Store(path)
    try:
        schema.upgrade(store)
    except sqlite3.DatabaseError as error:
        store.close()
        if "file is not a database" in str(error):
            raise UserError(f"{path} is not an oversight database (not a SQLite file).") from None
        if "unable to open database file" in str(error):
            raise UserError(
                f"Cannot open the database {path}: check that its folder exists and is writable."
            ) from None
        raise
    except BaseException:
        store.close()
        raise
    return store
