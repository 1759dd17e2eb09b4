"""The front door for reading an extract: one regular file, opened once, read as CSV or XLSX.

Nothing here loads a whole file into memory: rows are read one at a time, so an extract of
millions of rows costs the same memory as one of ten. A CSV is read by
:mod:`~oversight.extracts.delimited`; a workbook's sheet is streamed by
:mod:`~oversight.extracts.xlsx` (and read quickly, whole, by
:mod:`~oversight.extracts.xlsx_quick` in a child process whose memory is bounded).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from oversight.errors import UserError
from oversight.extracts import limits
from oversight.extracts.delimited import read_csv
from oversight.extracts.limits import Extract, Look, Progress, byte_count, sha256_of
from oversight.extracts.xlsx import open_workbook

_MAGIC_XLSX = b"PK\x03\x04"
_MAGIC_XLS = b"\xd0\xcf\x11\xe0"
_MAGIC_PDF = b"%PDF"


@contextmanager
def open_extract(
    path: Path, sheet: str | None = None, progress: Progress | None = None, look: Look | None = None
) -> Iterator[Extract]:
    """The extract at ``path``, a regular file within the limits, read as CSV or XLSX; a CSV's
    bytes given to ``look`` as they are hashed (what it found: ``Extract.may_hold``)."""
    path = Path(path)
    name = path.name
    with _open_regular(path) as raw:
        head = raw.read(4096)
        if not head:
            raise UserError(f"{name} is empty: there is no header and no data.")
        if head.startswith(_MAGIC_XLSX):
            with open_workbook(raw, name, sheet, progress) as extract:
                yield extract
            return
        if head.startswith(_MAGIC_XLS):
            raise UserError(f"{name} is an old-style .xls workbook: save it as .xlsx or CSV.")
        if head.startswith(_MAGIC_PDF) or b"\x00" in head:
            raise UserError(f"{name} is not a CSV or XLSX extract.")
        if sheet is not None:
            raise UserError(f"{name} is a CSV file: --sheet applies only to XLSX workbooks.")
        yield read_csv(raw, name, progress, look)


# --- the file --------------------------------------------------------------------------------


_SPECIAL_FILES = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a device"),
    (stat.S_ISBLK, "a device"),
)


def unchanged(path: Path, sha256: str) -> bool:
    """Whether the file at ``path`` still has the checksum ``sha256``: read once more, as a
    regular file within the limits (a pipe or a file grown too big is not read, and is not)."""
    try:
        with _open_regular(Path(path)) as raw:
            return sha256_of(raw) == sha256
    except UserError:
        return False


def _open_regular(path: Path) -> IO[bytes]:
    """``path`` opened for reading, if it is a regular file, and else one sentence.

    A named pipe would block the first read (or the open) until something wrote to it, and a
    device such as /dev/zero never ends: neither is read at all. The kind of file is checked
    before it is opened, and again on the open descriptor, which is what is read: a path
    swapped for a pipe in between is opened without waiting (O_NONBLOCK, which changes nothing
    for a regular file) and refused then.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        _check_regular(path, os.stat(path).st_mode)
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise UserError(f"{path} does not exist.") from None
    except OSError as error:
        raise UserError(f"{path} cannot be read: {error.strerror or error}.") from None
    try:
        found = os.fstat(fd)
        _check_regular(path, found.st_mode)
        if found.st_size > limits.MAX_FILE_BYTES:
            raise UserError(
                f"{path.name} is {byte_count(found.st_size)}, more than the "
                f"{byte_count(limits.MAX_FILE_BYTES)} an extract may be."
            )
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _check_regular(path: Path, mode: int) -> None:
    if not stat.S_ISREG(mode):
        what = next((name for test, name in _SPECIAL_FILES if test(mode)), "a special file")
        raise UserError(f"{path} is not a file but {what}: only regular files can be imported.")
