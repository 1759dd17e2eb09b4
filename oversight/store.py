"""The one place that opens the database: one SQLite file, WAL mode, one connection per thread.

The file holds case-level records and the audit log, so it is created readable by its owner
only (SQLite gives its -wal and -shm files the same mode), whatever the umask. A fault of the
database (read-only, full disk, locked, damaged) becomes one sentence naming the file.
"""

from __future__ import annotations

import os
import sqlite3
import stat
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from oversight import schema
from oversight.errors import UserError

# The default of the LOCK_TIMEOUT_SECONDS setting: how long a write waits for another process's
# write lock (an import, a backup) before giving up with EX_TEMPFAIL.
LOCK_TIMEOUT_SECONDS = 10
BUSY_TIMEOUT_MS = LOCK_TIMEOUT_SECONDS * 1000
# A write that has not had the lock after this long says that it is waiting (see Store.on_wait).
WAIT_NOTICE_SECONDS = 1.0
CACHE_KIB = 32 << 10  # page cache of each connection, main and TEMP: a bound on its memory
PRIVATE = 0o600  # files holding case data: read and written by their owner only
EX_TEMPFAIL = 75  # sysexits.h: try again later (the database stayed locked)


class DatabaseFault(UserError):
    """The database could not be read or written: one sentence naming the file and the cause."""

    def __init__(self, message: str, exit_code: int = 2) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def describe_fault(
    error: sqlite3.Error, path: Path, lock_timeout: float = LOCK_TIMEOUT_SECONDS
) -> DatabaseFault | None:
    """A fault of the database file as one sentence naming ``path`` and what to do (and never
    a rollback error that hides the cause); None for an error that is not the file's fault
    (a mistake in oversight's own SQL), which must surface as it is. ``lock_timeout`` is how
    long a write waited for the lock, for the sentence."""
    text = str(error).lower()
    if _disk_full(path) and not ("locked" in text or "not a database" in text):
        text = "database or disk is full"  # what "unable to open" or "disk I/O error" meant
    if "locked" in text or "busy" in text:
        return DatabaseFault(
            f"The database {path} stayed locked by another process (an import or a backup) for "
            f"{lock_timeout:g} seconds: nothing was changed; try again when it is done.",
            EX_TEMPFAIL,
        )
    if "readonly" in text or "read-only" in text:
        return DatabaseFault(
            f"The database {path} is read-only: nothing was changed; you need write permission "
            "on the file and on its folder (SQLite writes its -wal and -shm files beside it)."
        )
    if "disk is full" in text or "database or disk is full" in text:
        return DatabaseFault(
            f"The disk holding the database {path} is full: nothing was changed; free some "
            "space and run it again."
        )
    if "not a database" in text:
        return DatabaseFault(f"{path} is not an oversight database (not a SQLite file).")
    if "malformed" in text or "corrupt" in text:
        return DatabaseFault(
            f"The database {path} is damaged (SQLite's integrity check fails): stop the bot and "
            "restore it from a backup (see Backups in the README)."
        )
    if "unable to open" in text or "disk i/o" in text:
        return DatabaseFault(
            f"Cannot open the database {path}: its folder is missing or read-only, or you may "
            "not read and write the file (SQLite also writes -wal and -shm files beside it)."
        )
    return None


def _locked(error: sqlite3.Error) -> bool:
    text = str(error).lower()
    return "locked" in text or "busy" in text


def _disk_full(path: Path) -> bool:
    """Whether the file system holding ``path`` has no room left for another page or two."""
    try:
        found = os.statvfs(Path(path).parent)
    except OSError:
        return False
    return found.f_bavail * found.f_frsize < 64 * 1024


def create_private(path: Path) -> None:
    """Create ``path`` empty and owner-only if it does not exist (the umask can only narrow it)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE)
    except FileExistsError:
        return
    os.close(fd)


def write_private(path: Path, data: bytes) -> None:
    """Write a file holding case data, owner-only whatever the umask or the file's old mode."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE)
    try:
        os.fchmod(fd, PRIVATE)
        with os.fdopen(fd, "wb", closefd=False) as file:
            file.write(data)
    finally:
        os.close(fd)


def write_private_files(folder: Path, files: list[tuple[str, str, bytes]]) -> list[Path]:
    """Write files (name, title, content) into ``folder``, made owner-only if new, each
    owner-only (they hold case or hospital figures); their paths. A folder that cannot be
    made is one sentence."""
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as error:
        raise UserError(f"Cannot make the folder {folder}: {error.strerror or error}.") from None
    written = []
    for name, _, content in files:
        write_private(folder / name, content)
        written.append(folder / name)
    return written


def readable_by_others(path: Path) -> list[str]:
    """The database's files that users other than its owner may read (for a warning)."""
    found = []
    for suffix in ("", "-wal", "-shm"):
        try:
            mode = os.stat(f"{path}{suffix}").st_mode
        except FileNotFoundError:
            continue
        if mode & (stat.S_IRGRP | stat.S_IROTH):
            found.append(f"{path}{suffix} ({stat.filemode(mode)})")
    return found


# Told the database and the lock timeout when a write has waited WAIT_NOTICE_SECONDS for the lock.
OnWait = Callable[[Path, float], None]


class Store:
    """The SQLite store. Each thread gets its own connection; writes go through :meth:`write`.

    Usable in a ``with`` block, which closes every connection it opened on the way out.

    A write waits up to ``lock_timeout`` seconds (the LOCK_TIMEOUT_SECONDS setting) for another
    process's write lock; ``on_wait``, if given, is told once a write has waited
    WAIT_NOTICE_SECONDS, so that a person at a terminal knows why nothing is happening.
    """

    def __init__(
        self,
        path: Path,
        lock_timeout: float = LOCK_TIMEOUT_SECONDS,
        on_wait: OnWait | None = None,
    ) -> None:
        self.path = Path(path)
        self.lock_timeout = lock_timeout
        self.on_wait = on_wait
        self._local = threading.local()
        self._lock = threading.Lock()
        self._connections: list[sqlite3.Connection] = []

    @property
    def conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = connect(self.path, self.lock_timeout)
            self._local.conn = conn
            with self._lock:
                self._connections.append(conn)
        return conn

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: all of it is committed, or none of it.

        A fault of the database (locked past the busy timeout, read-only, full) is raised as
        a :class:`DatabaseFault` sentence, with nothing changed.
        """
        conn = self.conn
        try:
            self._begin(conn)
            try:
                yield conn
            except BaseException:
                # After "database or disk is full" SQLite has already rolled back: a second
                # ROLLBACK would raise and hide the real cause.
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        except sqlite3.OperationalError as error:
            if conn.in_transaction:  # COMMIT itself failed (a full disk): nothing is kept
                conn.execute("ROLLBACK")
            fault = describe_fault(error, self.path, self.lock_timeout)
            if fault is None:
                raise
            raise fault from None

    def _begin(self, conn: sqlite3.Connection) -> None:
        """BEGIN IMMEDIATE, waiting up to the lock timeout for another process's write lock
        (SQLite's busy timeout), and telling ``on_wait`` once it has waited a moment."""
        total = self.lock_timeout
        if self.on_wait is None or total <= WAIT_NOTICE_SECONDS:
            conn.execute("BEGIN IMMEDIATE")
            return
        started = time.monotonic()
        conn.execute(f"PRAGMA busy_timeout = {int(WAIT_NOTICE_SECONDS * 1000)}")
        try:
            try:
                conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as error:
                if not _locked(error):
                    raise
            self.on_wait(self.path, total)
            left = max(0.0, total - (time.monotonic() - started))
            conn.execute(f"PRAGMA busy_timeout = {int(left * 1000)}")
            conn.execute("BEGIN IMMEDIATE")
        finally:
            conn.execute(f"PRAGMA busy_timeout = {int(total * 1000)}")

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


def stored_columns(conn: sqlite3.Connection, table: str) -> list[str]:
    """The columns of ``table``, in order."""
    return [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]


def connect(path: Path, lock_timeout: float = LOCK_TIMEOUT_SECONDS) -> sqlite3.Connection:
    create_private(path)  # before SQLite creates it under the caller's umask
    # isolation_level=None: transactions are begun explicitly, never implicitly by the driver.
    # check_same_thread=False: each connection is used only by the thread that made it (see
    # Store.conn), but Store.close() must be able to close every thread's connection.
    conn = sqlite3.connect(
        path, isolation_level=None, timeout=lock_timeout, check_same_thread=False
    )
    conn.execute(f"PRAGMA busy_timeout = {int(lock_timeout * 1000)}")
    conn.execute("PRAGMA journal_mode = WAL")
    # FULL: a committed import survives a power cut, not only a killed process.
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")
    # A weekly import looks up millions of keys: with SQLite's default 2 MiB of page cache it
    # would go back to the file (and the TEMP file) for most of them. It reads and writes them
    # in key order, so 32 MiB does as well as 64 (measured: see Performance in the README),
    # and the two caches stay a small part of an import's memory.
    conn.execute(f"PRAGMA main.cache_size = {-CACHE_KIB}")
    conn.execute(f"PRAGMA temp.cache_size = {-CACHE_KIB}")
    return conn


def open_store(
    path: Path,
    *,
    create: bool = False,
    lock_timeout: float = LOCK_TIMEOUT_SECONDS,
    on_wait: OnWait | None = None,
) -> Store:
    """Open the store at ``path``, upgrading its schema if it was made by an older version.

    Without ``create``, a missing file is the user's mistake, not a reason to make an empty one.
    ``lock_timeout`` and ``on_wait`` are the store's (see :class:`Store`).
    """
    path = Path(path)
    if not create and not path.exists():
        raise UserError(
            f"There is no database at {path}: import an extract first "
            "(oversight import cases FILE), set OVERSIGHT_DB, or try oversight demo."
        )
    if path.exists() and not path.is_file():
        raise UserError(f"The database path {path} is not a file.")
    store = Store(path, lock_timeout=lock_timeout, on_wait=on_wait)
    try:
        schema.upgrade(store)
    except sqlite3.Error as error:
        store.close()
        fault = describe_fault(error, path, lock_timeout)
        if fault is None:
            raise
        raise fault from None
    except OSError as error:  # creating the file itself: a read-only folder, a full disk
        store.close()
        raise DatabaseFault(
            f"Cannot open the database {path}: {error.strerror or error}."
        ) from None
    except BaseException:
        store.close()
        raise
    return store
