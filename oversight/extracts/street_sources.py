"""Where street-level files are: one CSV, a folder searched for ``*-street.csv``, or a zip of
data.police.uk's archive, each checked against the limits on an archive before anything is
unpacked (zip slip, zip bombs, encrypted or damaged entries)."""

from __future__ import annotations

import os
import re
import stat
import struct
import zipfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO

from oversight.errors import UserError
from oversight.extracts.street_format import FILE_NAME, quoted

# Limits on an archive (zip), checked before anything is unpacked.
MAX_FILE_BYTES = 16 << 30  # the zip, or one CSV
MAX_MEMBER_BYTES = 2 << 30  # what one month file unpacks to (the largest real one is ~30 MiB)
MAX_UNPACKED_BYTES = 64 << 30  # all of the archive's files together
MAX_PACKING_RATIO = 100  # unpacked ÷ packed size of a member over 1 MiB: only a zip bomb does more
MAX_MEMBERS = 20_000  # 43 forces × 5 years of months is 2,580
MAX_ZIP_DIRECTORY_BYTES = 8 << 20


@dataclass(frozen=True)
class Member:
    name: str  # shown in messages
    base: str  # the file's own name
    open: Callable[[], AbstractContextManager[IO[bytes]]]


@contextmanager
def members(path: Path) -> Iterator[list[Member]]:
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise UserError(f"{path} does not exist.") from None
    except OSError as error:
        raise UserError(f"{path} cannot be read: {error.strerror or error}.") from None
    if stat.S_ISDIR(mode):
        found = sorted(path.rglob("*-street.csv"))
        files = [p for p in found if p.is_file() and not p.is_symlink()]
        if not files:
            links = sum(p.is_symlink() for p in found)
            why = f" ({links:,} symbolic links, which are not followed)" if links else ""
            raise UserError(
                f"{path} holds no street-level files (*-street.csv) to import{why}: nothing "
                "was imported."
            )
        yield [Member(str(p.relative_to(path)), p.name, _file_opener(p)) for p in files]
        return
    if not stat.S_ISREG(mode):
        raise UserError(f"{path} is not a file or a folder: only those can be imported.")
    if os.stat(path).st_size > MAX_FILE_BYTES:
        raise UserError(f"{path.name} is bigger than the {MAX_FILE_BYTES >> 30} GiB allowed.")
    with open(path, "rb") as raw:
        zipped = raw.read(4) == b"PK\x03\x04"
    if not zipped:
        yield [Member(path.name, path.name, _file_opener(path))]
        return
    with open(path, "rb") as raw:
        _check_directory(raw, path.name)
        try:
            archive = zipfile.ZipFile(raw)
        except (zipfile.BadZipFile, OSError, ValueError) as error:
            raise UserError(f"{path.name} is not a readable zip ({error}).") from None
        with archive:
            yield _zip_members(archive, path.name)


def _file_opener(path: Path) -> Callable[[], AbstractContextManager[IO[bytes]]]:
    return lambda: open(path, "rb")  # the caller closes it


def _check_directory(raw: IO[bytes], name: str) -> None:
    """zipfile reads a zip's table of contents whole: its declared size is checked first."""
    end = raw.seek(0, os.SEEK_END)
    start = max(0, end - 22 - 0xFFFF)
    raw.seek(start)
    tail = raw.read(end - start)
    at = tail.rfind(b"PK\x05\x06")
    if at >= 0 and len(tail) - at >= 22:
        (size,) = struct.unpack_from("<L", tail, at + 12)
        if size > MAX_ZIP_DIRECTORY_BYTES:
            raise UserError(
                f"{name} was refused: its table of contents is {size:,} bytes, more than the "
                f"{MAX_ZIP_DIRECTORY_BYTES:,} an archive of street-level files needs."
            )
    raw.seek(0)


def _zip_members(archive: zipfile.ZipFile, name: str) -> list[Member]:
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS:
        raise UserError(
            f"{name} holds {len(infos):,} entries, more than the {MAX_MEMBERS:,} allowed."
        )
    members, total = [], 0
    for info in infos:
        entry = info.filename
        parts = PurePosixPath(entry.replace("\\", "/")).parts
        if entry.startswith(("/", "\\")) or re.match(r"[A-Za-z]:", entry) or ".." in parts:
            raise UserError(
                f"{name} was refused: the entry {quoted(entry)} points outside the archive."
            )
        if info.is_dir():
            continue
        base = parts[-1] if parts else entry
        if not FILE_NAME.fullmatch(base):
            raise UserError(
                f"{name} was refused: it holds {quoted(entry)}, which is not a street-level "
                "file (YYYY-MM-<force>-street.csv)."
            )
        if info.flag_bits & 0x1:
            raise UserError(f"{name} was refused: {quoted(entry)} is encrypted.")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise UserError(f"{name} was refused: {quoted(entry)} is packed in an unusual way.")
        too_big = info.file_size > MAX_MEMBER_BYTES
        bomb = info.file_size > 1 << 20 and info.file_size > MAX_PACKING_RATIO * max(
            info.compress_size, 1
        )
        if too_big or bomb:
            raise UserError(
                f"{name} was refused: {quoted(entry)} unpacks to {info.file_size:,} bytes from "
                f"{info.compress_size:,}, beyond the limits on an archive (a zip bomb)."
            )
        total += info.file_size
        if total > MAX_UNPACKED_BYTES:
            raise UserError(
                f"{name} was refused: its files unpack to more than {MAX_UNPACKED_BYTES >> 30} GiB."
            )
        members.append(Member(entry, base, lambda info=info: archive.open(info)))
    if not members:
        raise UserError(f"{name} holds no street-level files (*-street.csv).")
    return sorted(members, key=lambda m: m.name)
