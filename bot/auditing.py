"""The bot's audit log writes, which never make an answer wait for the database.

An entry is written at once when the database is free, so that a request is normally audited
before it is answered. When another process holds the write lock (a long import, a backup) the
entry is queued instead, in order, and a background thread writes the queue as soon as the lock
is free: the answer goes out at once and no entry is lost. Stopping the bot writes what is
still queued, waiting up to the lock timeout (LOCK_TIMEOUT_SECONDS) for the lock.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections import deque

from oversight.audit import AuditEntry, record
from oversight.store import EX_TEMPFAIL, DatabaseFault, Store

log = logging.getLogger(__name__)

RETRY_SECONDS = (1, 2, 5, 10, 30)  # between tries after a fault that is not a held lock


class AuditWriter:
    """Audit entries in the order they were submitted, written now or as soon as possible."""

    def __init__(self, store: Store) -> None:
        self.store = store  # the writer thread's writes wait up to the store's lock timeout
        self._now = Store(store.path, lock_timeout=0)  # a write at once, or not at all
        self._pending: deque[AuditEntry] = deque()
        self._changed = threading.Condition()
        self._writing = False  # the writer thread holds an entry it is writing
        self._closing = False
        self._deadline = float("inf")
        self._thread = threading.Thread(target=self._run, name="audit-writer", daemon=True)
        self._thread.start()

    def submit(self, entry: AuditEntry) -> None:
        """Write ``entry`` now if nothing is queued and the database is free; else queue it."""
        with self._changed:
            if not self._pending and not self._writing:
                try:
                    record(self._now, entry)
                    return
                except (DatabaseFault, sqlite3.Error):
                    pass  # locked, or another fault: the writer thread tries it, and says why
            self._pending.append(entry)
            self._changed.notify_all()

    @property
    def waiting(self) -> int:
        """How many entries are queued, not yet written."""
        with self._changed:
            return len(self._pending)

    def close(self, timeout: float) -> None:
        """Write what is queued, waiting up to ``timeout`` seconds; then stop."""
        with self._changed:
            self._closing = True
            self._deadline = time.monotonic() + timeout
            self._changed.notify_all()
        self._thread.join(timeout + 1)
        left = self.waiting
        if left:
            log.error(
                "%d audit entries were not written before the bot stopped: the database stayed "
                "locked or could not be written.",
                left,
            )
        self._now.close()

    def _run(self) -> None:
        failures = 0
        while True:
            with self._changed:
                while not self._pending and not self._closing:
                    self._changed.wait()
                if not self._pending or time.monotonic() > self._deadline:
                    return
                entry = self._pending[0]
                self._writing = True
            try:
                record(self.store, entry)  # waits for a held lock, up to the lock timeout
            except Exception as error:
                with self._changed:
                    self._writing = False
                if not isinstance(error, DatabaseFault | sqlite3.OperationalError):
                    # Not the database's state but a mistake: retrying would never end.
                    log.error("An audit entry could not be written (%s).", type(error).__name__)
                    self._drop(entry)
                    continue
                if failures == 0:
                    log.warning(
                        "The audit log cannot be written just now (%s): entries are kept and "
                        "written as soon as it can be.",
                        _why(error),
                    )
                self._pause(0 if _locked(error) else RETRY_SECONDS[min(failures, 4)])
                failures += 1
                continue
            self._drop(entry)
            if failures:
                log.info("The audit log is written again, after %d tries.", failures + 1)
                failures = 0

    def _drop(self, entry: AuditEntry) -> None:
        with self._changed:
            if self._pending and self._pending[0] is entry:
                self._pending.popleft()
            self._writing = False
            self._changed.notify_all()

    def _pause(self, seconds: float) -> None:
        if seconds:
            with self._changed:
                self._changed.wait_for(lambda: time.monotonic() > self._deadline, seconds)


def _locked(error: Exception) -> bool:
    return isinstance(error, DatabaseFault) and error.exit_code == EX_TEMPFAIL


def _why(error: Exception) -> str:
    if _locked(error):
        return "another process holds its write lock"
    if isinstance(error, DatabaseFault):
        return str(error).split(":")[0]
    return type(error).__name__
