"""The workbook worker: figures workbooks are built and sent by a small pool of their own.

Building a workbook (the weekly digest's figures, then an XLSX) and uploading it takes far
longer than an answer: done in the answer pool, a burst of clicks on Workbook would keep every
answer thread busy and make the next command wait. So a click only asks for a workbook here,
and returns at once: ``WORKBOOK_THREADS`` threads build and send them, in order, with at most
``WORKBOOKS_WAITING`` waiting. A click past that, or for a workbook the same person already
asked for and has not yet received, is told so at once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from concurrent.futures import ThreadPoolExecutor

WORKBOOK_THREADS = 1  # workbooks built at once: each keeps a core busy for a moment
WORKBOOKS_WAITING = 4  # asked for and not yet started; more are refused until these are sent

BUSY = "Several workbooks are being made just now: please ask again in a minute."
ALREADY = "That workbook is already being made: it will be in your direct messages shortly."


class WorkbookWorker:
    def __init__(self, threads: int = WORKBOOK_THREADS, waiting: int = WORKBOOKS_WAITING) -> None:
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="workbook")
        self._limit = threads + waiting
        self._asked: set[Hashable] = set()
        self._lock = threading.Lock()
        self._stopped = False

    def submit(self, key: Hashable, make: Callable[[], None]) -> str | None:
        """Have ``make`` run in the pool; None if it will, or why not in a sentence for the
        person (the same ``key`` is already asked for, or too many are)."""
        with self._lock:
            if key in self._asked:
                return ALREADY
            if self._stopped or len(self._asked) >= self._limit:
                return BUSY
            self._asked.add(key)

            def run() -> None:
                try:
                    make()
                finally:
                    with self._lock:
                        self._asked.discard(key)

            self._pool.submit(run)  # under the lock: never after stop() has shut the pool
        return None

    def stop(self) -> None:
        """Make the workbooks already asked for, then stop."""
        with self._lock:
            self._stopped = True
        self._pool.shutdown(wait=True)
