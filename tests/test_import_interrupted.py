"""An import killed part way, and a backup taken during one: the store holds the old state or
the new, never half of either. The real ``oversight import`` runs in a subprocess, killed at a
moment read from /proc."""

from __future__ import annotations

import os
import re
import shutil
import signal
import stat
import subprocess
import time
from pathlib import Path

import pytest

from oversight.store import open_store
from tests.support.data import (
    CASE_HEADER,
    TEST_NOW,
    case,
    write_csv,
)
from tests.support.imports import run_import, snapshot
from tests.support.processes import oversight_command

BIG_ROWS = 300_000
WAL_GROWN = 1 << 20  # bytes: well into the final write, which writes tens of megabytes


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory) -> Path:
    """A big extract, written quickly: its first rows change the small import's rows."""
    path = tmp_path_factory.mktemp("big") / "BIG.csv"
    days = [f"2019-{m:02d}-{d:02d}" for m in range(1, 13) for d in range(1, 29)]
    lines = [",".join(CASE_HEADER)]
    for n in range(BIG_ROWS):
        ws = "cp" if n % 3 else "da"
        day = days[n % len(days)]
        if n % 4 == 0:
            lines.append(f"R{n},{ws},{day},yes,reviewed,2020-0{n % 6 + 1}-15,yes,yes,no")
        else:
            lines.append(f"R{n},{ws},{day},yes,outstanding,,,,")
    path.write_text("\n".join(lines) + "\n")
    return path


def small_import(tmp_path: Path) -> Path:
    """A database holding one small import; closed, so its log is folded into the file."""
    db = tmp_path / "oversight.db"
    store = open_store(db, create=True)
    try:
        rows = [case(f"R{n}", recorded_on="2019-06-01") for n in range(5)]
        run_import(store, "cases", write_csv(tmp_path / "small.csv", CASE_HEADER, rows))
    finally:
        store.close()
    return db


def start_import(tmp_path: Path, db: Path, extract: Path) -> subprocess.Popen:
    env = {**os.environ, "OVERSIGHT_DB": str(db), "OVERSIGHT_NOW": TEST_NOW}
    return subprocess.Popen(
        [*oversight_command(), "import", "cases", str(extract), "--by", "analyst"],
        cwd=tmp_path,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def size_of(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def read_position(pid: int, path: Path) -> int | None:
    """How far the process has read ``path`` through an open descriptor, if it has one open."""
    fds = Path(f"/proc/{pid}/fd")
    try:
        for fd in fds.iterdir():
            if os.readlink(fd) == str(path):
                info = Path(f"/proc/{pid}/fdinfo/{fd.name}").read_text()
                return int(re.search(r"^pos:\s*(\d+)", info, re.MULTILINE).group(1))
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        pass
    return None


def kill_when(process: subprocess.Popen, ready) -> bool:
    """SIGKILL ``process`` as soon as ``ready()``; False if it ended first."""
    give_up = time.monotonic() + 120  # only so that a hung import cannot hang the tests
    while process.poll() is None and time.monotonic() < give_up:
        if ready():
            process.send_signal(signal.SIGKILL)
            process.wait()
            return True
        time.sleep(0.001)
    if process.poll() is None:
        process.kill()
    process.wait()
    return False


def state_of(db: Path) -> dict[str, object]:
    store = open_store(db)
    try:
        assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return snapshot(store.conn)
    finally:
        store.close()


@pytest.mark.slow
def test_killed_while_writing_the_store_holds_the_old_state_or_the_new(tmp_path, big_csv):
    db = small_import(tmp_path)
    before = state_of(db)
    shutil.copy(db, tmp_path / "copy.db")  # for the new state, should the commit have won
    wal = db.with_name(db.name + "-wal")

    process = start_import(tmp_path, db, big_csv)
    killed = kill_when(process, lambda: size_of(wal) > WAL_GROWN)
    out, err = process.communicate()
    assert killed, f"the import ended before it could be killed: {out!r} {err!r}"
    assert process.returncode == -signal.SIGKILL
    assert size_of(wal) > WAL_GROWN  # the half-written transaction is there, to be ignored

    after = state_of(db)
    if len(after["imports"]) == len(before["imports"]):
        assert after == before
    else:
        # The commit landed before the kill: then the whole import must be there.
        copy = open_store(tmp_path / "copy.db")
        try:
            run_import(copy, "cases", big_csv)
        finally:
            copy.close()
        assert after == state_of(tmp_path / "copy.db")
        assert len(after["case_reviews"]) == BIG_ROWS


@pytest.mark.slow
def test_killed_while_validating_the_store_is_untouched(tmp_path, big_csv):
    if not Path(f"/proc/{os.getpid()}/fdinfo").is_dir():
        pytest.skip("needs /proc to see how far the import has read")
    db = small_import(tmp_path)
    before = state_of(db)
    db_bytes = db.read_bytes()
    wal = db.with_name(db.name + "-wal")
    size = big_csv.stat().st_size

    def validating() -> bool:
        # The file is read once whole for its checksum (1 MiB at a time), then row by row:
        # a position that is not a whole MiB is the row-by-row read, a quarter of the way in.
        position = read_position(process.pid, big_csv)
        return position is not None and size // 4 < position < size and position % (1 << 20) != 0

    process = start_import(tmp_path, db, big_csv)
    killed = kill_when(process, validating)
    process.communicate()
    assert killed
    assert process.returncode == -signal.SIGKILL
    assert size_of(wal) == 0  # nothing was written
    assert db.read_bytes() == db_bytes
    assert state_of(db) == before


@pytest.mark.slow
def test_a_backup_taken_during_an_import_is_whole_and_restores(tmp_path, big_csv):
    db = small_import(tmp_path)
    before = state_of(db)
    wal = db.with_name(db.name + "-wal")
    process = start_import(tmp_path, db, big_csv)
    give_up = time.monotonic() + 120
    while size_of(wal) == 0 and process.poll() is None and time.monotonic() < give_up:
        time.sleep(0.0005)
    # Its write transaction is open: stop it there, so the backup is surely taken mid-import.
    writing = process.poll() is None
    if writing:
        process.send_signal(signal.SIGSTOP)
    backup = tmp_path / "backups" / "oversight-backup.db"
    backup.parent.mkdir()
    env = {**os.environ, "OVERSIGHT_DB": str(db), "OVERSIGHT_NOW": TEST_NOW}
    taken = subprocess.run(
        [*oversight_command(), "backup", str(backup)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    process.send_signal(signal.SIGCONT)
    _, err = process.communicate(timeout=300)
    assert process.returncode == 0, err
    assert writing, "the import ended before the backup could be taken during it"
    assert taken.returncode == 0, taken.stderr
    assert taken.stdout.startswith(f"Backed up {db} to {backup} (")
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    after = state_of(db)
    copied = state_of(backup)  # a consistent store: integrity_check is ok
    assert copied == before  # the import had not committed when the copy was taken
    assert after != before and len(after["case_reviews"]) == BIG_ROWS

    # Restore it as the README says: the bot stopped, the damaged files moved aside.
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(backup, db)
    db.chmod(0o600)
    status = subprocess.run(
        [*oversight_command(), "status"], env=env, capture_output=True, text=True, timeout=60
    )
    assert status.returncode == 0, status.stderr
    assert state_of(db) == before
    # And the import can be run again on the restored store.
    again = start_import(tmp_path, db, big_csv)
    assert again.wait(timeout=300) == 0
    assert state_of(db)["case_reviews"] == after["case_reviews"]


def test_a_backup_never_overwrites_and_needs_its_folder(tmp_path, runner):
    from tests.support.cli import invoke

    db = small_import(tmp_path)
    env = {"OVERSIGHT_DB": str(db)}
    (tmp_path / "taken.db").write_bytes(b"precious")
    refused = invoke(runner, "backup", str(tmp_path / "taken.db"), env=env)
    assert refused.exit_code == 2
    assert refused.stderr.strip().endswith("a backup never overwrites a file; give a new name.")
    assert (tmp_path / "taken.db").read_bytes() == b"precious"
    missing = invoke(runner, "backup", str(tmp_path / "no" / "b.db"), env=env)
    assert missing.exit_code == 2
    assert (
        missing.stderr.strip() == f"The folder {tmp_path / 'no'} does not exist: create it first."
    )
