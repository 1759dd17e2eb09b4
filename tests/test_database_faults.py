"""A database that cannot be used: one sentence naming the file and the cause, a documented exit
status, bounded time and memory, and the store exactly as it was.

The real ``oversight import`` runs in a measured subprocess against a store on a file, a folder
or a file system made faulty by the test. As root (CI is root) a read-only file or folder is
made with ``chattr +i``, which binds root too; a full disk is a small tmpfs mounted for the test.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from oversight.store import BUSY_TIMEOUT_MS, EX_TEMPFAIL
from tests.support.data import CASE_HEADER, case, write_csv
from tests.support.processes import hold_write_lock
from tests.support.refusals import MEMORY_LIMIT, Run, assert_refused, measured

ROOT = os.geteuid() == 0
# Each of these runs the real command in a subprocess (one waits out the busy timeout).
slow = pytest.mark.slow
CASES = 3000  # enough rows for the table to span many pages


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def store_folder(tmp_path: Path) -> Path:
    """tmp_path/store/oversight.db holding one good import, closed; the next extract beside."""
    folder = tmp_path / "store"
    folder.mkdir()
    first = write_csv(tmp_path / "week1.csv", CASE_HEADER, [case(f"DA-{n}") for n in range(CASES)])
    done = measured(tmp_path, "--db", str(folder / "oversight.db"), "import", "cases", str(first))
    assert done.returncode == 0, done.stderr
    rows = [case(f"DA-{n}", review_status="in_progress") for n in range(CASES + 10)]
    write_csv(tmp_path / "week2.csv", CASE_HEADER, rows)
    return folder


def import_week_2(tmp_path: Path, folder: Path, **env: str) -> Run:
    db = str(folder / "oversight.db")
    return measured(tmp_path, "--db", db, "import", "cases", str(tmp_path / "week2.csv"), **env)


def immutable(path: Path) -> Callable[[], None]:
    """Make ``path`` read-only for this process, root included; returns the undo."""
    if ROOT:
        subprocess.run(["chattr", "+i", str(path)], check=True)
        return lambda: subprocess.run(["chattr", "-i", str(path)], check=True)
    mode = path.stat().st_mode
    path.chmod(0o555 if path.is_dir() else 0o444)
    return lambda: path.chmod(stat.S_IMODE(mode))


@pytest.fixture
def undo() -> Iterator[list[Callable[[], None]]]:
    steps: list[Callable[[], None]] = []
    yield steps
    for step in reversed(steps):
        step()


@slow
def test_a_read_only_database_file(tmp_path, store_folder, undo):
    db = store_folder / "oversight.db"
    before = digest(db)
    undo.append(immutable(db))
    run = import_week_2(tmp_path, store_folder)
    assert_refused(run, str(db), r"is read-only: nothing was changed")
    assert digest(db) == before


@slow
def test_a_read_only_folder(tmp_path, store_folder, undo):
    db = store_folder / "oversight.db"
    before = digest(db)
    undo.append(immutable(store_folder))
    run = import_week_2(tmp_path, store_folder)
    assert_refused(run, str(db), r"folder is missing or read-only")
    assert digest(db) == before


@slow
def test_a_new_database_in_a_read_only_folder(tmp_path, store_folder, undo):
    undo.append(immutable(store_folder))
    db = store_folder / "new.db"
    run = measured(tmp_path, "--db", str(db), "import", "cases", str(tmp_path / "week2.csv"))
    assert_refused(
        run,
        str(db),
        r"^Cannot open the database .*: (Permission denied|Operation not permitted)\.$",
    )
    assert not db.exists()


@pytest.fixture
def full_disk(tmp_path: Path, store_folder: Path) -> Iterator[Path]:
    """The store on a tmpfs with a few KiB left: the import's write must fail for want of room."""
    mount = tmp_path / "small-disk"
    mount.mkdir()
    size = (store_folder / "oversight.db").stat().st_size + (256 << 10)
    made = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mount)], capture_output=True
    )
    if made.returncode != 0:
        pytest.skip(f"this machine does not let the test mount a small file system ({ROOT=})")
    try:
        shutil.copyfile(store_folder / "oversight.db", mount / "oversight.db")
        (mount / "oversight.db").chmod(0o600)
        free = os.statvfs(mount).f_bavail * os.statvfs(mount).f_frsize
        (mount / "filler").write_bytes(b"\0" * max(free - (48 << 10), 0))
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=True)


@slow
def test_a_full_disk_says_the_disk_is_full_not_the_rollback(tmp_path, full_disk):
    db = full_disk / "oversight.db"
    before = digest(db)
    run = import_week_2(tmp_path, full_disk)
    sentence = assert_refused(run, str(db), r"is full: nothing was changed; free some space")
    assert "rollback" not in sentence.lower()
    assert digest(db) == before
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT count(*) FROM imports").fetchone()[0] == 1
    conn.close()


@slow
def test_a_file_that_is_not_a_database(tmp_path, store_folder):
    db = store_folder / "oversight.db"
    db.write_bytes(os.urandom(8192))
    before = digest(db)
    run = import_week_2(tmp_path, store_folder)
    assert_refused(run, str(db), r"is not an oversight database \(not a SQLite file\)\.$")
    assert digest(db) == before


@slow
def test_a_database_from_a_newer_oversight(tmp_path, store_folder):
    db = store_folder / "oversight.db"
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA user_version = 99")
    conn.close()
    before = digest(db)
    run = import_week_2(tmp_path, store_folder)
    assert_refused(run, str(db), r"was written by a newer oversight \(schema 99; ")
    assert digest(db) == before


@slow
def test_a_damaged_database_says_so_and_how_to_restore(tmp_path, store_folder):
    db = store_folder / "oversight.db"
    with sqlite3.connect(db) as conn:
        page = conn.execute("PRAGMA page_size").fetchone()[0]
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.close()
    with db.open("r+b") as file:  # every page but the first, which holds the schema
        file.seek(page)
        file.write(b"\xa5" * page * (pages - 1))
    before = digest(db)
    run = import_week_2(tmp_path, store_folder)
    assert_refused(run, str(db), r"is damaged .*restore it from a backup \(see Backups")
    assert digest(db) == before
    backup = measured(tmp_path, "--db", str(db), "backup", str(tmp_path / "copy.db"))
    assert_refused(backup, str(db), r"is damaged")
    assert not (tmp_path / "copy.db").exists()
    assert not list(tmp_path.glob(".copy.db*"))


@slow
def test_a_lock_held_past_the_busy_timeout_is_exit_status_75(tmp_path, store_folder):
    db = store_folder / "oversight.db"
    before = digest(db)
    holder = hold_write_lock(db, 30)
    try:
        started = time.monotonic()
        run = import_week_2(tmp_path, store_folder)
        waited = time.monotonic() - started
    finally:
        holder.kill()
        holder.wait()
    assert run.returncode == EX_TEMPFAIL, run.stderr
    assert "Traceback" not in run.stderr and run.stdout == ""
    waiting, sentence = run.stderr.splitlines()  # it said it was waiting (tests/test_lock_wait)
    assert waiting.startswith(f"Waiting for the database {db}, held by another process")
    assert sentence.startswith(f"The database {db} stayed locked by another process")
    assert "nothing was changed" in sentence
    assert BUSY_TIMEOUT_MS / 1000 <= waited < BUSY_TIMEOUT_MS / 1000 + 10
    assert run.max_rss < MEMORY_LIMIT
    assert digest(db) == before


@slow
def test_the_database_and_its_wal_are_owner_only_whatever_the_umask(tmp_path):
    """Under umask 022 (and 000) the files oversight makes hold case data: owner-only."""
    csv = write_csv(tmp_path / "a.csv", CASE_HEADER, [case("DA-1")])
    script = (
        "import os, sys; os.umask(int(sys.argv[1], 8)); "
        "from oversight.cli import main; sys.argv = ['oversight', *sys.argv[2:]]; main()"
    )
    for umask in ("022", "000"):
        db = tmp_path / f"umask-{umask}.db"
        out = tmp_path / f"digest-{umask}"
        for args in (
            ["--db", str(db), "import", "cases", str(csv)],
            ["--db", str(db), "digest", "preview", "--out", str(out)],
            ["--db", str(db), "backup", str(tmp_path / f"backup-{umask}.db")],
        ):
            done = subprocess.run(
                [sys.executable, "-c", script, umask, *args],
                capture_output=True,
                text=True,
                timeout=120,
                env={**os.environ, "OVERSIGHT_NOW": "2020-07-01T09:00"},
            )
            assert done.returncode == 0, done.stderr
        made = [db, *out.iterdir(), tmp_path / f"backup-{umask}.db"]
        assert {p.suffix for p in made} >= {".db", ".png", ".xlsx"}
        for path in made:
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
        assert stat.S_IMODE(out.stat().st_mode) == 0o700


def test_while_the_database_is_open_its_wal_and_shm_are_owner_only(tmp_path):
    from oversight.store import open_store

    old = os.umask(0o022)
    try:
        with open_store(tmp_path / "o.db", create=True) as store:
            store.conn.execute("SELECT count(*) FROM imports").fetchone()
            for suffix in ("", "-wal", "-shm"):
                path = tmp_path / f"o.db{suffix}"
                assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    finally:
        os.umask(old)


@slow
def test_status_warns_when_others_may_read_the_database(tmp_path, store_folder, cli):
    db = store_folder / "oversight.db"
    quiet = cli("--db", str(db), "status")
    assert quiet.returncode == 0 and "WARNING: Other users" not in quiet.stdout
    db.chmod(0o644)
    warned = cli("--db", str(db), "status")
    assert warned.returncode == 0
    [line] = [x for x in warned.stdout.splitlines() if x.startswith("WARNING: Other users")]
    assert f"{db} (-rw-r--r--)" in line and "chmod 600" in line
