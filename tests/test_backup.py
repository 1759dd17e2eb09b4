"""``oversight backup`` and ``oversight restore`` through the real command: every failure is one
sentence with a documented exit status (2, the user's to fix; 73, the file cannot be created),
the store is unchanged and nothing is left behind; a restore checks the backup, refuses a store
in use and keeps the store it replaces.

As root (CI is root) a read-only folder is made with ``chattr +i``, which binds root too.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import sqlite3
import stat
import subprocess
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path

import pytest

from oversight.schema import CURRENT_VERSION, MIGRATIONS
from tests.support.cli import invoke, one_sentence, refused, succeeded
from tests.support.data import CASE_HEADER, case, write_csv
from tests.support.processes import SERVING, BotProcess, hold_write_lock
from tests.support.slack import bot_process_env

ROOT = os.geteuid() == 0
EX_CANTCREAT = 73


def cases_in(db: Path) -> list[tuple[str, str]]:
    """The store's case reviews, read with SQLite alone (the connection closed after)."""
    with closing(sqlite3.connect(db)) as conn:
        return sorted(conn.execute("SELECT incident_ref, review_status FROM case_reviews"))


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def listing(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


def import_cases(runner, folder: Path, refs: list[str], status: str = "outstanding") -> None:
    rows = [case(ref, review_status=status) for ref in refs]
    extract = write_csv(folder / f"cases-{len(refs)}-{status}.csv", CASE_HEADER, rows)
    succeeded(invoke(runner, "import", "cases", str(extract), "--as-of", "2020-06-30"))
    extract.unlink()


@pytest.fixture
def db(runner, tmp_path: Path) -> Path:
    """tmp_path/oversight.db holding five case reviews, imported by the real command, closed."""
    import_cases(runner, tmp_path, [f"DA-{n}" for n in range(5)])
    return tmp_path / "oversight.db"


def cannot_create(result) -> str:
    """Exit status 73, nothing on stdout, one sentence on stderr and no traceback."""
    assert result.exit_code == EX_CANTCREAT, (result.exit_code, result.stderr, result.exception)
    assert isinstance(result.exception, SystemExit)
    assert result.stdout == ""
    return one_sentence(result.stderr)


def read_only(path: Path) -> Callable[[], None]:
    """Make the folder ``path`` read-only for this process, root included; returns the undo."""
    if ROOT:
        subprocess.run(["chattr", "+i", str(path)], check=True)
        return lambda: subprocess.run(["chattr", "-i", str(path)], check=True)
    mode = path.stat().st_mode
    path.chmod(0o555)
    return lambda: path.chmod(stat.S_IMODE(mode))


@pytest.fixture
def undo() -> Iterator[list[Callable[[], None]]]:
    steps: list[Callable[[], None]] = []
    yield steps
    for step in reversed(steps):
        step()


# --- backup: the failures of issue 19 item 9 ---------------------------------------------------


@pytest.mark.parametrize("leftover", [None, ".b.db.partial"])
def test_a_backup_into_a_read_only_folder_is_one_sentence_and_exit_73(
    runner, db, tmp_path, undo, leftover
):
    folder = tmp_path / "backups"
    folder.mkdir()
    if leftover:  # what a killed backup of an earlier version left there
        (folder / leftover).write_bytes(b"half a backup")
    before = listing(folder)
    undo.append(read_only(folder))
    result = invoke(runner, "backup", str(folder / "b.db"))
    sentence = cannot_create(result)
    assert sentence == (
        f"Cannot create the backup {folder / 'b.db'}: the folder {folder} is read-only, or not "
        "yours to write to; nothing was left behind."
    )
    assert listing(folder) == before


def test_a_backup_onto_a_read_only_file_system_is_one_sentence_and_exit_73(
    runner, db, tmp_path, undo
):
    mount = tmp_path / "read-only"
    mount.mkdir()
    made = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m,ro", "tmpfs", str(mount)], capture_output=True
    )
    if made.returncode != 0:
        pytest.skip(f"this machine does not let the test mount a file system ({ROOT=})")
    undo.append(lambda: subprocess.run(["umount", str(mount)], check=True))
    sentence = cannot_create(invoke(runner, "backup", str(mount / "b.db")))
    assert f"the folder {mount} is read-only" in sentence
    assert listing(mount) == set()


def test_a_folder_where_the_old_temporary_went_is_left_alone_and_the_backup_made(
    runner, db, tmp_path
):
    folder = tmp_path / "backups"
    (folder / ".b.db.partial").mkdir(parents=True)
    (folder / ".b.db.partial" / "keep.txt").write_text("not oversight's")
    result = succeeded(invoke(runner, "backup", str(folder / "b.db")))
    assert result.stdout.startswith(f"Backed up {db} to {folder / 'b.db'} (")
    assert listing(folder) == {".b.db.partial", "b.db"}
    assert (folder / ".b.db.partial" / "keep.txt").read_text() == "not oversight's"
    assert cases_in(folder / "b.db") == cases_in(db)


def test_a_temporary_left_by_a_killed_backup_is_removed_but_not_one_under_way(runner, db, tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    # As a backup killed part way leaves them (README: Backups): its copy and the copy's journal.
    killed = folder / ".oversight-backup-k1ll3d.partial"
    killed.write_bytes(b"half a copy")
    Path(f"{killed}-journal").write_bytes(b"its journal")
    # One a backup still running holds locked, as every backup holds its own.
    running = folder / ".oversight-backup-running.partial"
    running.write_bytes(b"being written")
    with open(running, "rb") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        succeeded(invoke(runner, "backup", str(folder / "b.db")))
    assert listing(folder) == {"b.db", running.name}


def test_a_name_too_long_for_the_file_system_is_one_sentence_and_exit_2(runner, db, tmp_path):
    longest = "x" * 252 + ".db"  # 255 bytes: the most a Linux file system allows
    assert os.pathconf(tmp_path, "PC_NAME_MAX") == 255
    made = succeeded(invoke(runner, "backup", str(tmp_path / longest)))
    assert f"to {tmp_path / longest} (" in made.stdout
    before = listing(tmp_path)
    for name, size in (("x" * 253 + ".db", 256), ("é" * 127 + ".db", 257)):
        sentence = one_sentence(refused(invoke(runner, "backup", str(tmp_path / name))))
        assert sentence.startswith("The backup name ")
        assert sentence.endswith(
            f" is {size} bytes long: the file system allows 255; choose a shorter name."
        )
        assert listing(tmp_path) == before


def test_a_backup_never_replaces_a_symbolic_link(runner, db, tmp_path):
    link = tmp_path / "b.db"
    link.symlink_to(tmp_path / "elsewhere.db")  # dangling: exists() says no
    sentence = one_sentence(refused(invoke(runner, "backup", str(link))))
    assert sentence == f"{link} already exists: a backup never overwrites a file; give a new name."
    assert link.is_symlink() and not (tmp_path / "elsewhere.db").exists()


def test_a_folder_is_refused_without_keep(runner, db, tmp_path):
    (tmp_path / "backups").mkdir()
    sentence = one_sentence(refused(invoke(runner, "backup", str(tmp_path / "backups"))))
    assert sentence == (
        f"{tmp_path / 'backups'} is a folder: give the backup's file name, or use --keep N."
    )
    assert listing(tmp_path / "backups") == set()


# --- backup --keep N ---------------------------------------------------------------------------


def test_keep_names_each_backup_by_its_time_and_keeps_only_the_newest_n(runner, db, tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine")
    (folder / "oversight-before-upgrade.db").write_bytes(b"a backup made by hand")
    made = []
    for day in ("2020-06-28", "2020-06-29", "2020-06-30", "2020-07-01"):
        env = {"OVERSIGHT_NOW": f"{day}T02:30"}
        result = succeeded(invoke(runner, "backup", "--keep", "2", str(folder), env=env))
        made.append(f"oversight-{day}T023000.db")
        first = result.stdout.splitlines()[0]
        assert first.startswith(f"Backed up {db} to {folder / made[-1]} (")
        removed = result.stdout.splitlines()[1:]
        if len(made) > 2:
            assert removed == ["Removed 1 older backup, keeping the newest 2."]
        else:
            assert removed == []
        assert cases_in(folder / made[-1]) == cases_in(db)
    assert listing(folder) == {"notes.txt", "oversight-before-upgrade.db", *made[-2:]}
    assert refused(invoke(runner, "backup", "--keep", "0", str(folder)))


def test_keep_says_when_an_old_backup_cannot_be_removed_with_exit_74(runner, db, tmp_path, undo):
    if not ROOT:
        pytest.skip("only root can make one file of a writable folder undeletable (chattr +i)")
    folder = tmp_path / "backups"
    folder.mkdir()
    old = folder / "oversight-2020-06-01T023000.db"
    old.write_bytes(b"an old backup")
    subprocess.run(["chattr", "+i", str(old)], check=True)
    undo.append(lambda: subprocess.run(["chattr", "-i", str(old)], check=True))
    result = invoke(runner, "backup", "--keep", "1", str(folder))
    assert result.exit_code == 74, (result.stdout, result.stderr)
    made = folder / "oversight-2020-07-01T090000.db"
    assert result.stdout.startswith(f"Backed up {db} to {made} (")
    assert one_sentence(result.stderr) == (
        f"Cannot remove the old backup {old}: Operation not permitted; the new backup was made."
    )
    assert cases_in(made) == cases_in(db) and listing(folder) == {old.name, made.name}


# --- restore -----------------------------------------------------------------------------------


def test_a_restore_puts_the_backup_back_and_keeps_the_replaced_store_aside(runner, db, tmp_path):
    backup = tmp_path / "b.db"
    succeeded(invoke(runner, "backup", str(backup)))
    backed_up = cases_in(db)
    import_cases(runner, tmp_path, [f"DA-{n}" for n in range(8)], status="in_progress")
    later = cases_in(db)
    assert later != backed_up and len(later) == 8
    db.chmod(0o644)  # made readable by others since: the copy kept aside is owner-only

    result = succeeded(invoke(runner, "restore", str(backup)))
    aside = tmp_path / "oversight.db.replaced-2020-07-01T090000"  # OVERSIGHT_NOW
    assert result.stdout == (
        f"Restored {db} from {backup} (SQLite's integrity_check: ok; schema {CURRENT_VERSION}); "
        f"the database it replaced is now {aside}.\n"
    )
    assert cases_in(db) == backed_up
    assert cases_in(aside) == later
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    assert stat.S_IMODE(aside.stat().st_mode) == 0o600
    assert listing(tmp_path) == {"oversight.db", aside.name, "b.db"}
    succeeded(invoke(runner, "status"))

    again = succeeded(invoke(runner, "restore", str(backup)))
    assert again.stdout.endswith(f"now {aside}-2.\n")  # the first copy kept aside stays


def test_a_restore_to_a_new_database_says_there_was_none(runner, db, tmp_path):
    backup = tmp_path / "b.db"
    succeeded(invoke(runner, "backup", str(backup)))
    (tmp_path / "new").mkdir()
    target = tmp_path / "new" / "store.db"
    result = succeeded(invoke(runner, "restore", "--db", str(target), str(backup)))
    assert result.stdout.endswith("; there was no database to replace.\n")
    assert cases_in(target) == cases_in(db)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert listing(tmp_path / "new") == {"store.db"}


@pytest.mark.skipif(not ROOT, reason="only root can give the store another owner to keep")
def test_a_restore_keeps_the_owner_of_the_store_it_replaces(runner, db, tmp_path):
    backup = tmp_path / "b.db"
    succeeded(invoke(runner, "backup", str(backup)))
    owner = (4321, 4321)  # the service's user, not the one restoring
    os.chown(db, *owner)
    succeeded(invoke(runner, "restore", str(backup)))
    assert (db.stat().st_uid, db.stat().st_gid) == owner


def test_an_older_backup_is_upgraded_as_it_is_restored(runner, db, tmp_path):
    older = tmp_path / "older.db"
    import sqlite_utils

    with closing(sqlite3.connect(older, isolation_level=None)) as conn:
        made = sqlite_utils.Database(conn)
        for number, migration in enumerate(MIGRATIONS[:5], start=1):
            migration(made)
            conn.execute(f"PRAGMA user_version = {number}")
    result = succeeded(invoke(runner, "restore", str(older)))
    assert f"(SQLite's integrity_check: ok; schema 5, upgraded to {CURRENT_VERSION});" in (
        result.stdout
    )
    with closing(sqlite3.connect(db)) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == CURRENT_VERSION
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert cases_in(db) == []
    assert not any(name.startswith(".oversight-") for name in listing(tmp_path))


def _damaged(path: Path, db: Path) -> None:
    data = bytearray(db.read_bytes())
    data[4096 * 2 : 4096 * 3] = b"\xff" * 4096  # a page of a table, overwritten
    path.write_bytes(bytes(data))


def _newer(path: Path, db: Path) -> None:
    path.write_bytes(db.read_bytes())
    with closing(sqlite3.connect(path)) as conn:
        conn.execute(f"PRAGMA user_version = {CURRENT_VERSION + 1}")
        conn.commit()


def _not_oversight(path: Path, db: Path) -> None:
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("CREATE TABLE recipes (name TEXT)")
        conn.execute("PRAGMA user_version = 3")
        conn.commit()


def _in_use(path: Path, db: Path) -> None:
    path.write_bytes(db.read_bytes())
    Path(f"{path}-wal").write_bytes(b"\0" * 4096)  # another database's live log


@pytest.mark.parametrize(
    ("make", "said"),
    [
        (_damaged, r"is damaged \(SQLite's integrity_check: .+\): nothing was changed; choose "),
        (_newer, rf"was written by a newer oversight \(schema {CURRENT_VERSION + 1}; this one "),
        (_not_oversight, r"is not an oversight backup \(it has no oversight tables\)\.$"),
        (lambda path, db: path.write_text("incident_ref\nDA-1\n"), r"not a SQLite database\)\.$"),
        (lambda path, db: path.write_bytes(b""), r"has no oversight tables\)\.$"),
        (_in_use, r"has a write-ahead log beside it \(.+-wal\): it is a database in use, not a "),
        (lambda path, db: None, r"^There is no backup at .+\.$"),
        (lambda path, db: path.mkdir(), r"is not a file: give the backup's file\.$"),
        (lambda path, db: path.symlink_to(db), r"is the database itself: give a backup of it\.$"),
    ],
)
def test_a_backup_that_cannot_be_restored_is_refused_with_the_store_unchanged(
    runner, db, tmp_path, make, said
):
    import re

    folder = tmp_path / "backups"
    folder.mkdir()
    backup = folder / "b.db"
    make(backup, db)
    before, files = digest(db), listing(tmp_path)
    sentence = one_sentence(refused(invoke(runner, "restore", str(backup))))
    assert re.search(said, sentence), sentence
    assert str(backup) in sentence
    assert digest(db) == before
    assert listing(tmp_path) == files


def test_a_restore_into_a_read_only_folder_is_exit_73_with_the_store_unchanged(
    runner, db, tmp_path, undo
):
    backup = tmp_path / "backups" / "b.db"
    backup.parent.mkdir()
    succeeded(invoke(runner, "backup", str(backup)))
    before, files = digest(db), listing(tmp_path)
    undo.append(read_only(tmp_path))
    sentence = cannot_create(invoke(runner, "restore", str(backup)))
    assert sentence == (
        f"Cannot create the restored database {db}: the folder {tmp_path} is read-only, or not "
        "yours to write to; nothing was left behind."
    )
    assert digest(db) == before and listing(tmp_path) == files


def test_a_restore_is_refused_while_another_process_holds_the_write_lock(runner, db, tmp_path):
    backup = tmp_path / "b.db"
    succeeded(invoke(runner, "backup", str(backup)))
    before = digest(db)
    holder = hold_write_lock(db, 30)
    try:
        sentence = one_sentence(refused(invoke(runner, "restore", str(backup))))
    finally:
        holder.kill()
        holder.wait()
    assert sentence == (
        f"The database {db} is in use by another process (the bot, an import or a backup): "
        "nothing was changed; stop it (systemctl stop oversight-bot) and run the restore again."
    )
    assert digest(db) == before
    assert not [name for name in listing(tmp_path) if name.startswith(".oversight-")]


@pytest.mark.slow
def test_a_restore_is_refused_while_the_bot_runs_and_done_once_it_stopped(
    runner, db, tmp_path, bot_standin
):
    backup = tmp_path / "b.db"
    succeeded(invoke(runner, "backup", str(backup)))
    import_cases(runner, tmp_path, [f"DA-{n}" for n in range(8)], status="in_progress")
    later, inode = cases_in(db), db.stat().st_ino
    bot = BotProcess(tmp_path, bot_process_env(bot_standin, db))
    try:
        bot.wait_for_log(SERVING)  # idle, between requests, with the store open
        sentence = one_sentence(refused(invoke(runner, "restore", str(backup))))
        assert sentence.startswith(f"The database {db} is in use by another process (the bot,")
        assert db.stat().st_ino == inode
        assert not [name for name in listing(tmp_path) if name.startswith(("oversight.db.", "."))]
    finally:
        assert bot.stop() == 0
    assert cases_in(db) == later
    succeeded(invoke(runner, "restore", str(backup)))
    assert cases_in(db) == cases_in(backup)
    assert cases_in(tmp_path / "oversight.db.replaced-2020-07-01T090000") == later
