"""An import that cannot get the store's write lock: it says it is waiting, then either imports
once the lock is let go, or gives up after LOCK_TIMEOUT_SECONDS with one sentence and exit
status 75, the store as it was.

The real ``oversight import`` runs in a measured subprocess while another process holds the
write lock (``BEGIN IMMEDIATE``), as a long import or a backup would.
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import pytest

from oversight.store import EX_TEMPFAIL
from tests.support.data import CASE_HEADER, case, write_csv
from tests.support.processes import hold_write_lock
from tests.support.refusals import MEMORY_LIMIT, measured

pytestmark = pytest.mark.slow  # each runs the real command against a held lock


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """tmp_path/oversight.db holding one import, closed; the next week's extract beside it."""
    first = write_csv(tmp_path / "week1.csv", CASE_HEADER, [case(f"DA-{n}") for n in range(100)])
    assert measured(tmp_path, "import", "cases", str(first)).returncode == 0
    rows = [case(f"DA-{n}", review_status="in_progress") for n in range(110)]
    write_csv(tmp_path / "week2.csv", CASE_HEADER, rows)
    return tmp_path / "oversight.db"


def test_an_import_that_cannot_get_the_lock_waits_then_gives_up_with_status_75(tmp_path, db):
    before = digest(db)
    holder = hold_write_lock(db, 60)
    try:
        started = time.monotonic()
        run = measured(
            tmp_path, "import", "cases", str(tmp_path / "week2.csv"), LOCK_TIMEOUT_SECONDS="3"
        )
        waited = time.monotonic() - started
    finally:
        holder.kill()
        holder.wait()
    assert run.returncode == EX_TEMPFAIL, run.stderr
    assert run.stdout == "" and "Traceback" not in run.stderr
    waiting, sentence = run.stderr.splitlines()
    assert waiting == (
        f"Waiting for the database {db}, held by another process (an import or a backup); "
        "giving up after 3 seconds (LOCK_TIMEOUT_SECONDS)."
    )
    assert sentence == (
        f"The database {db} stayed locked by another process (an import or a backup) for 3 "
        "seconds: nothing was changed; try again when it is done."
    )
    assert 3 <= waited < 3 + 10
    assert run.max_rss < MEMORY_LIMIT
    assert digest(db) == before


def test_an_import_waiting_for_the_lock_imports_once_it_is_let_go(tmp_path, db):
    holder = hold_write_lock(db, 3)
    try:
        run = measured(
            tmp_path, "import", "cases", str(tmp_path / "week2.csv"), LOCK_TIMEOUT_SECONDS="60"
        )
    finally:
        holder.kill()
        holder.wait()
    assert run.returncode == 0, run.stderr
    [waiting] = [line for line in run.stderr.splitlines() if not line.startswith("Warning: ")]
    assert waiting.startswith(f"Waiting for the database {db}, held by another process")
    assert "giving up after 60 seconds" in waiting
    assert "110" in run.stdout  # the report of what was imported
