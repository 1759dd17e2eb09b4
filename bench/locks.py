"""Target 10: how long a weekly import holds the store's write lock, as another process sees it.

While ``oversight import cases`` takes this week's extract into a copy of last week's store, this
process tries to take the write lock (``BEGIN IMMEDIATE``, no waiting) every few milliseconds,
as a scheduled post or the bot's bookkeeping would, and keeps the times it was refused. The
longest unbroken run of refusals is how long a writer had to wait: the figure that
LOCK_TIMEOUT_SECONDS and the scheduled posts' retries are set against.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import time
from pathlib import Path

from bench.children import oversight_command, oversight_env, remove_database
from bench.targets import AS_OF, Log

POLL_SECONDS = 0.005


def weekly_lock_hold(next_week: Path, rows: int, last_week_store: Path, log: Log) -> dict:
    copy = last_week_store.with_name("locks.db")
    remove_database(copy)
    shutil.copyfile(last_week_store, copy)
    args = [*oversight_command(), "--db", str(copy), "import", "cases", str(next_week)]
    args += ["--as-of", AS_OF, "--by", "bench"]
    log(f"  oversight import cases of this week's {rows:,} rows, the lock tried every 5 ms")
    probe = sqlite3.connect(copy, timeout=0, isolation_level=None)
    started = time.perf_counter()
    process = subprocess.Popen(
        args, cwd=copy.parent, env=oversight_env(), stdout=subprocess.DEVNULL
    )
    held: list[tuple[float, float]] = []  # (from, to) of each run of refusals
    refused_since: float | None = None
    while process.poll() is None:
        now = time.perf_counter()
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.execute("ROLLBACK")
            if refused_since is not None:
                held.append((refused_since, now))
                refused_since = None
        except sqlite3.OperationalError:  # "database is locked": the import holds it
            if refused_since is None:
                refused_since = now
        time.sleep(POLL_SECONDS)
    total = time.perf_counter() - started
    if refused_since is not None:
        held.append((refused_since, time.perf_counter()))
    probe.close()
    remove_database(copy)
    if process.returncode != 0:
        raise RuntimeError(f"the import exited with {process.returncode}")
    longest = max((end - start for start, end in held), default=0.0)
    log(f"      {total:.2f} s in all; the lock held for at most {longest:.2f} s at a time")
    return {
        "rows": rows,
        "import_s": round(total, 2),
        "longest_hold_s": round(longest, 2),
        "held_s": round(sum(end - start for start, end in held), 2),
        "share": round(longest / total, 2) if total else 0.0,
    }
