"""Backups of the store and restoring one: consistent, checked, owner-only, and never half done.

Both write a hidden temporary beside their result and rename it into place only once it is
whole and checked, so an interrupted run never leaves a file that looks whole. A temporary is
locked (flock) while its run lives: the next run into the same folder removes any that nobody
holds, which a killed run left behind. Every failure is one sentence; the store is unchanged.
"""

from __future__ import annotations

import errno
import fcntl
import os
import re
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from oversight import schema
from oversight.errors import UserError
from oversight.store import PRIVATE, DatabaseFault, Store, describe_fault, open_store

EX_CANTCREAT = 73  # sysexits.h: an output file cannot be created
EX_IOERR = 74  # sysexits.h: an error while doing I/O on a file (removing an old backup)
BACKUP_TEMPORARY = ".oversight-backup-"
RESTORE_TEMPORARY = ".oversight-restore-"
PARTIAL = ".partial"
# The names `oversight backup --keep N FOLDER` gives its backups, and the only files it removes.
KEPT_NAME = re.compile(r"oversight-\d{4}-\d\d-\d\dT\d{6}\.db")
# A table every oversight database has had since its first schema.
FIRST_TABLES = {"case_reviews", "imports"}
# SQLite's own locks (see its os_unix.c): the bytes of the database file that a process holding
# it open, or reading or writing it, locks; and the -shm byte every WAL connection holds while
# it has the store open ("DMS").
DB_LOCK_START, DB_LOCK_LENGTH = 0x40000000, 512
SHM_DMS_BYTE = 128
STORE_FILES = ("", "-wal", "-shm", "-journal")
COPY_CHUNK = 1 << 20


# --- backup -----------------------------------------------------------------------------------


def backup(store: Store, target: Path) -> int:
    """An online, consistent copy of the store at ``target``, owner-only, checked with
    ``PRAGMA quick_check``; returns its size in bytes.

    SQLite's backup API copies every page in one step inside one read transaction, so the copy
    is the store as it was at one moment, even while an import or the bot writes to it. An
    existing ``target`` (a symbolic link included) is never overwritten.
    """
    target = Path(target)
    _check_name(target, "backup")
    if target.is_dir():
        raise UserError(f"{target} is a folder: give the backup's file name, or use --keep N.")
    if os.path.lexists(target):
        raise UserError(
            f"{target} already exists: a backup never overwrites a file; give a new name."
        )
    if not target.parent.is_dir():
        raise UserError(f"The folder {target.parent} does not exist: create it first.")
    _remove_abandoned(target.parent, BACKUP_TEMPORARY)
    what = f"the backup {target}"
    with _temporary(target.parent, BACKUP_TEMPORARY, what) as partial:
        try:
            with closing(sqlite3.connect(partial, isolation_level=None)) as copy:
                store.conn.backup(copy)
                copy.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
                verdict = copy.execute("PRAGMA quick_check").fetchone()[0]
        except sqlite3.Error as error:
            text = str(error)
            if "malformed" in text or "corrupt" in text or "locked" in text:  # the store's
                fault = describe_fault(error, store.path)
                if fault is not None:
                    raise fault from None
            raise _cannot_create(what, target.parent, error) from None
        if verdict != "ok":
            raise DatabaseFault(
                f"The copy of {store.path} failed SQLite's quick_check ({_flat(verdict)}): the "
                "database itself may be damaged; keep your last good backup."
            )
        _sync(partial)
        _place(partial, target, "a backup never overwrites a file; give a new name")
    return target.stat().st_size


def backup_name(now: datetime) -> str:
    """The name ``--keep`` gives a backup taken at ``now``: in time order when sorted."""
    return f"oversight-{now:%Y-%m-%dT%H%M%S}.db"


def keep_newest(folder: Path, keep: int) -> list[Path]:
    """Remove all but the newest ``keep`` backups named as ``--keep`` names them in ``folder``
    (no other file); returns those removed."""
    found = sorted(
        entry.name
        for entry in os.scandir(folder)
        if KEPT_NAME.fullmatch(entry.name) and entry.is_file(follow_symlinks=False)
    )
    removed = []
    for name in found[: max(len(found) - keep, 0)]:
        path = Path(folder) / name
        try:
            path.unlink()
        except OSError as error:
            raise DatabaseFault(
                f"Cannot remove the old backup {path}: {error.strerror or error}; the new "
                "backup was made.",
                EX_IOERR,
            ) from None
        removed.append(path)
    return removed


# --- restore ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Restored:
    """What a restore did: the schema the backup had, and where the replaced store now is."""

    backup: Path
    store: Path
    found_version: int
    replaced: Path | None


def restore(backup_file: Path, db_path: Path, now: datetime) -> Restored:
    """Put the backup in place of the store at ``db_path``, keeping the store it replaces.

    The backup must be a whole oversight database (SQLite's integrity_check) of this version's
    schema or an older one, which is upgraded first, on the copy. The store must not be in use:
    no process on this machine may have it open (SQLite's own locks say so). The copy is made
    beside the store and renamed over it in one step; the replaced store, with its -wal and -shm,
    is renamed to ``NAME.replaced-TIME``, owner-only.
    """
    backup_file, db_path = Path(backup_file), Path(db_path)
    _check_name(backup_file, "backup")
    _check_name(db_path, "database")
    _check_backup(backup_file)
    folder = db_path.parent
    if not folder.is_dir():
        raise UserError(
            f"The folder {folder} does not exist: create it, or choose another database "
            "file (--db or OVERSIGHT_DB)."
        )
    existed = os.path.lexists(db_path)
    if existed:
        if db_path.is_symlink() or not db_path.is_file():
            raise UserError(f"The database path {db_path} is not a file: give the real file.")
        if os.path.samefile(backup_file, db_path):
            raise UserError(f"{backup_file} is the database itself: give a backup of it.")
        with _not_in_use(db_path):  # refused before the copy, which may take a while
            pass
    _remove_abandoned(folder, RESTORE_TEMPORARY)
    with _temporary(folder, RESTORE_TEMPORARY, f"the restored database {db_path}") as partial:
        _copy(backup_file, partial, db_path)
        found = _check_copy(partial, backup_file)
        if found < schema.CURRENT_VERSION:
            _upgrade(partial, backup_file)
        if existed and os.geteuid() == 0:  # root restoring the service's store keeps its owner
            owner = db_path.stat()
            os.chown(partial, owner.st_uid, owner.st_gid)
        _sync(partial)
        with _not_in_use(db_path):
            replaced = _swap(partial, db_path, now) if existed else None
            if replaced is None:
                _place(partial, db_path, "made meanwhile by another process; nothing was changed")
    return Restored(backup_file, db_path, found, replaced)


def _check_backup(backup_file: Path) -> None:
    if not os.path.lexists(backup_file):
        raise UserError(f"There is no backup at {backup_file}.")
    if not backup_file.is_file():
        raise UserError(f"{backup_file} is not a file: give the backup's file.")
    wal = Path(f"{backup_file}-wal")
    if wal.is_file() and wal.stat().st_size > 0:
        raise UserError(
            f"{backup_file} has a write-ahead log beside it ({wal}): it is a database in use, "
            "not a backup; take one with oversight backup."
        )


def _copy(source: Path, partial: Path, db_path: Path) -> None:
    try:
        with open(source, "rb") as reading, open(partial, "r+b") as writing:
            shutil.copyfileobj(reading, writing, COPY_CHUNK)
    except OSError as error:
        if error.filename is not None and Path(error.filename) == source:
            raise UserError(f"Cannot read the backup {source}: {error.strerror}.") from None
        raise _cannot_create(f"the restored database {db_path}", db_path.parent, error) from None


def _check_copy(partial: Path, backup_file: Path) -> int:
    """The copy's schema version, once it is known to be a whole oversight database."""
    try:
        with closing(sqlite3.connect(partial, isolation_level=None)) as conn:
            verdict = conn.execute("PRAGMA integrity_check(1)").fetchone()[0]
            found = schema.version(conn)
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    except sqlite3.Error as error:
        text = str(error)
        if "not a database" in text:
            raise UserError(
                f"{backup_file} is not an oversight backup (not a SQLite database)."
            ) from None
        if "malformed" in text or "corrupt" in text:
            verdict = text
        else:
            raise _cannot_create(f"a copy of {backup_file}", partial.parent, error) from None
    if verdict != "ok":
        raise UserError(
            f"{backup_file} is damaged (SQLite's integrity_check: {_flat(verdict)}): nothing "
            "was changed; choose another backup."
        )
    if found > schema.CURRENT_VERSION:
        raise UserError(
            f"{backup_file} was written by a newer oversight (schema {found}; this one knows up "
            f"to {schema.CURRENT_VERSION}): upgrade oversight first."
        )
    if found == 0 or not FIRST_TABLES.issubset(tables):
        raise UserError(f"{backup_file} is not an oversight backup (it has no oversight tables).")
    return found


def _upgrade(partial: Path, backup_file: Path) -> None:
    """Bring the copy to this version's schema, as opening it would, before it is put in place
    (a migration that fails leaves the store as it was); then one self-contained file again."""
    try:
        open_store(partial).close()
        with closing(sqlite3.connect(partial, isolation_level=None)) as conn:
            conn.execute("PRAGMA journal_mode = DELETE")
    except DatabaseFault as fault:
        raise UserError(f"Cannot upgrade the schema of {backup_file}'s copy: {fault}") from None


@contextmanager
def _not_in_use(db_path: Path) -> Iterator[None]:
    """Hold SQLite's own locks of the store, so that no process opens it meanwhile; refuse if
    any process holds one (it has the store open: the bot, an import, a backup).

    These are POSIX locks, which a process's own connections do not see and lose when it closes
    any descriptor of the file: nothing else in this process may have the store open.
    """
    held: list[int] = []
    try:
        for suffix, start, length in (
            ("", DB_LOCK_START, DB_LOCK_LENGTH),
            ("-shm", SHM_DMS_BYTE, 1),
        ):
            path = f"{db_path}{suffix}"
            try:
                fd = os.open(path, os.O_RDWR | os.O_NOFOLLOW)
            except FileNotFoundError:
                continue  # no -shm: no connection in WAL mode has it open
            except OSError as error:
                raise UserError(
                    f"Cannot check whether the database {db_path} is in use: {error.strerror} "
                    f"({path}); restore as the user who runs the bot."
                ) from None
            held.append(fd)
            try:
                fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, length, start)
            except OSError as error:
                if error.errno not in (errno.EACCES, errno.EAGAIN):
                    raise
                raise UserError(
                    f"The database {db_path} is in use by another process (the bot, an import "
                    "or a backup): nothing was changed; stop it (systemctl stop oversight-bot) "
                    "and run the restore again."
                ) from None
        yield
    finally:
        for fd in held:
            os.close(fd)  # and with it the locks


def _swap(partial: Path, db_path: Path, now: datetime) -> Path:
    """Rename the store's files aside, then the copy into place in one step; the aside name."""
    aside = _aside_name(db_path, now)
    moved: list[tuple[str, str]] = []
    try:
        try:
            os.link(db_path, aside)  # the store stays in place until the copy replaces it
            linked = True
        except OSError:
            linked = False  # a file system without hard links: renamed below instead
        # Its -wal and -shm go first: beside the copy they would be taken for the copy's own.
        for suffix in STORE_FILES[1:] if linked else STORE_FILES:
            if os.path.lexists(f"{db_path}{suffix}"):
                os.rename(f"{db_path}{suffix}", f"{aside}{suffix}")
                moved.append((f"{db_path}{suffix}", f"{aside}{suffix}"))
        os.replace(partial, db_path)
    except OSError as error:
        for original, now_at in reversed(moved):
            with suppress(OSError):
                os.rename(now_at, original)
        if linked:
            with suppress(OSError):
                os.unlink(aside)
        raise _cannot_create(f"the restored database {db_path}", db_path.parent, error) from None
    for suffix in STORE_FILES:
        with suppress(FileNotFoundError):
            os.chmod(f"{aside}{suffix}", PRIVATE)
    _sync_folder(db_path.parent)
    return aside


def _aside_name(db_path: Path, now: datetime) -> Path:
    stem = f"{db_path.name}.replaced-{now:%Y-%m-%dT%H%M%S}"
    for n in range(1, 1000):
        name = stem if n == 1 else f"{stem}-{n}"
        candidate = db_path.with_name(name)
        if not any(os.path.lexists(f"{candidate}{s}") for s in STORE_FILES):
            return candidate
    raise UserError(f"Too many replaced copies of {db_path} named {stem}: move some away.")


# --- the files: names, temporaries, placing ----------------------------------------------------


def _check_name(path: Path, what: str) -> None:
    """A name the file system can hold, said before it is tried: each part of it at most
    NAME_MAX bytes (255 on most), the whole at most PATH_MAX."""
    longest = max((os.fsencode(part) for part in path.parts), key=len, default=b"")
    limit = _limit(path, "PC_NAME_MAX", 255)
    if len(longest) > limit:
        raise UserError(
            f"The {what} name {_shortened(os.fsdecode(longest))} is {len(longest)} bytes long: "
            f"the file system allows {limit}; choose a shorter name."
        )
    whole = len(os.fsencode(os.path.abspath(path)))
    limit = _limit(path, "PC_PATH_MAX", 4096)
    if whole >= limit:
        raise UserError(
            f"The {what} path {_shortened(str(path))} is {whole} bytes long: the file system "
            f"allows {limit - 1}; choose a shorter one."
        )


def _shortened(text: str, keep: int = 60) -> str:
    """A long name said by its two ends."""
    return text if len(text) <= keep else f"{text[: keep // 2]}…{text[-keep // 3 :]}"


def _limit(path: Path, name: str, default: int) -> int:
    """A limit of the file system holding ``path`` (of its nearest existing folder)."""
    folder = Path(os.path.abspath(path)).parent
    while True:
        try:
            return os.pathconf(folder, name)
        except OSError:
            if folder.parent == folder:
                return default
            folder = folder.parent


@contextmanager
def _temporary(folder: Path, prefix: str, what: str) -> Iterator[Path]:
    """A new owner-only file in ``folder``, locked while this lasts and removed after it unless
    it was renamed into place. It cannot be made: one sentence, exit status 73."""
    try:
        fd, name = _mkstemp(folder, prefix)
    except OSError as error:
        raise _cannot_create(what, folder, error) from None
    partial = Path(name)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # a run's own: see _remove_abandoned
        yield partial
    finally:
        for suffix in ("", "-journal", "-wal", "-shm"):
            with suppress(OSError):
                os.unlink(f"{partial}{suffix}")
        os.close(fd)


def _mkstemp(folder: Path, prefix: str) -> tuple[int, str]:
    import tempfile

    fd, name = tempfile.mkstemp(prefix=prefix, suffix=PARTIAL, dir=folder)
    try:
        os.fchmod(fd, PRIVATE)  # mkstemp's 600 already; whatever the umask
    except OSError:
        os.close(fd)
        os.unlink(name)
        raise
    return fd, name


def _remove_abandoned(folder: Path, prefix: str) -> None:
    """Remove the temporaries (and their journals) of runs that were killed: those nobody holds
    locked. One that cannot be removed (a read-only folder) is left: it harms nothing."""
    try:
        names = [n for n in os.listdir(folder) if n.startswith(prefix) and PARTIAL in n]
    except OSError:
        return
    for name in names:
        if not name.endswith(PARTIAL):
            continue  # a journal: removed with its temporary
        path = Path(folder) / name
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError:
            continue
        try:
            if not _is_regular(fd):
                continue
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                continue  # a run under way holds it
            for suffix in ("-journal", "-wal", "-shm", ""):
                with suppress(OSError):
                    os.unlink(f"{path}{suffix}")
        finally:
            os.close(fd)


def _is_regular(fd: int) -> bool:
    import stat

    return stat.S_ISREG(os.fstat(fd).st_mode)


def _place(partial: Path, target: Path, if_taken: str) -> None:
    """Give the finished temporary its name, never replacing a file that took the name since
    it was checked (a hard link fails if the name exists; a rename would not). ``if_taken``
    ends the sentence said if it did."""
    try:
        try:
            os.link(partial, target)
        except FileExistsError:
            raise UserError(f"{target} already exists: {if_taken}.") from None
        except OSError:  # a file system without hard links
            if os.path.lexists(target):
                raise UserError(f"{target} already exists: {if_taken}.") from None
            os.rename(partial, target)
        _sync_folder(target.parent)
    except OSError as error:
        raise _cannot_create(str(target), target.parent, error) from None


def _sync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _sync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` survive a power cut (where the file system allows it)."""
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _cannot_create(what: str, folder: Path, error: OSError | sqlite3.Error) -> DatabaseFault:
    """Why ``what`` could not be written in ``folder``, as one sentence with exit status 73."""
    code = getattr(error, "errno", None)
    text = str(error).lower()
    if code in (errno.ENOSPC, errno.EDQUOT) or "disk is full" in text:
        cause = f"the disk holding {folder} is full; free some space and run it again"
    elif code in (errno.EACCES, errno.EPERM, errno.EROFS) or "readonly" in text:
        cause = f"the folder {folder} is read-only, or not yours to write to"
    else:
        cause = f"{getattr(error, 'strerror', None) or error} (in {folder})"
    return DatabaseFault(f"Cannot create {what}: {cause}; nothing was left behind.", EX_CANTCREAT)


def _flat(text: str) -> str:
    """SQLite's report on one line."""
    return " ".join(str(text).split())
