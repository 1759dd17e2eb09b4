"""A workbook's zip: its table of contents and every part checked against the limits before
anything is unpacked, and parts read only a bounded piece at a time (see
:mod:`oversight.extracts.xlsx` for why). Shared by the streaming reader and the quick reading."""

from __future__ import annotations

import os
import struct
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

from oversight.errors import UserError
from oversight.extracts.limits import (
    CHUNK_BYTES,
    MAX_PACKING_RATIO,
    MAX_PART_BYTES,
    MAX_SHARED_STRINGS_BYTES,
    MAX_UNPACKED_BYTES,
    MAX_ZIP_DIRECTORY_BYTES,
    SMALL_PART_BYTES,
    byte_count,
)

SPREADSHEETML = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"  # its namespace


class Parts(zipfile.ZipFile):
    """A workbook's zip, whose parts are only ever read a bounded piece at a time."""

    def __init__(self, raw: IO[bytes], name: str) -> None:
        self.shown = name
        self.part: str | None = None  # the part being read, for messages
        _check_directory(raw, name)
        super().__init__(raw)

    def open(  # type: ignore[override]
        self,
        name: str | zipfile.ZipInfo,
        mode: str = "r",
        pwd: bytes | None = None,
        *,
        force_zip64: bool = False,
    ) -> IO[bytes]:
        self.part = name.filename if isinstance(name, zipfile.ZipInfo) else name
        return super().open(name, mode, pwd, force_zip64=force_zip64)

    def read(self, name: str | zipfile.ZipInfo, pwd: bytes | None = None) -> bytes:
        """A whole part (as openpyxl reads those it parses), no bigger than MAX_PART_BYTES."""
        info = name if isinstance(name, zipfile.ZipInfo) else self.getinfo(name)
        if info.file_size > MAX_PART_BYTES:
            raise UserError(
                f"{self.shown} was refused: its part {info.filename} unpacks to "
                f"{byte_count(info.file_size)}, more than the {byte_count(MAX_PART_BYTES)} a part "
                "describing a workbook may."
            )
        pieces = []
        with self.open(info, pwd=pwd) as part:
            while piece := part.read(CHUNK_BYTES):
                pieces.append(piece)
        return b"".join(pieces)


def _check_directory(raw: IO[bytes], name: str) -> None:
    """zipfile reads a zip's whole table of contents at once, at the size the zip's last record
    declares: that size is checked first, found as zipfile finds it."""
    end = raw.seek(0, os.SEEK_END)
    start = max(0, end - 22 - 0xFFFF)  # the end record, after at most 64 KiB of comment
    raw.seek(start)
    tail = raw.read(end - start)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        return  # not a zip: zipfile will say so
    (size,) = struct.unpack_from("<L", tail, at + 12)
    record = start + at
    if record >= 76:  # Zip64: the record before the locator before the end record
        raw.seek(record - 76)
        zip64 = raw.read(76)
        if zip64[56:60] == b"PK\x06\x07" and zip64[:4] == b"PK\x06\x06":
            (size,) = struct.unpack_from("<Q", zip64, 40)
    raw.seek(0)
    if size > MAX_ZIP_DIRECTORY_BYTES:
        raise UserError(
            f"{name} was refused: its table of contents is {byte_count(size)}, more than the "
            f"{byte_count(MAX_ZIP_DIRECTORY_BYTES)} a workbook's may be."
        )


def check_parts(parts: Parts, name: str) -> None:
    """What each part declares, checked before any is unpacked."""
    infos = parts.infolist()
    total = sum(info.file_size for info in infos)
    if total > MAX_UNPACKED_BYTES:
        raise UserError(
            f"{name} was refused: its parts unpack to {byte_count(total)}, more than the "
            f"{byte_count(MAX_UNPACKED_BYTES)} a workbook may."
        )
    for info in infos:
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise UserError(
                f"{name} was refused: its part {info.filename} is packed in a way Excel "
                "never packs a workbook."
            )
        if _is_shared_strings(info.filename) and info.file_size > MAX_SHARED_STRINGS_BYTES:
            too_many_strings(name, info)
        if (
            info.file_size > SMALL_PART_BYTES
            and info.file_size > MAX_PACKING_RATIO * info.compress_size
        ):
            raise UserError(
                f"{name} was refused: its part {info.filename} unpacks to "
                f"{byte_count(info.file_size)} from {byte_count(info.compress_size)}, more than "
                f"{MAX_PACKING_RATIO} times its packed size, as only a zip bomb does."
            )


def _is_shared_strings(part: str) -> bool:
    return part.rsplit("/", 1)[-1].lower().startswith("sharedstrings")


def too_many_strings(name: str, info: zipfile.ZipInfo) -> None:
    raise UserError(
        f"{name} was refused: its shared strings unpack to {byte_count(info.file_size)}, more "
        f"than the {byte_count(MAX_SHARED_STRINGS_BYTES)} a workbook's may."
    )


@contextmanager
def reading(name: str, parts: Parts | None) -> Iterator[None]:
    """Anything that goes wrong reading a workbook, as one sentence naming it."""
    from xml.etree.ElementTree import ParseError

    from defusedxml import DefusedXmlException

    try:
        yield
    except UserError:
        raise
    except DefusedXmlException:
        raise UserError(
            f"{name} was refused: its part {_part(parts)} declares XML entities or a document "
            "type, which no workbook needs (they are how XML attacks work)."
        ) from None
    except ParseError:
        raise UserError(
            f"{name} is not a readable XLSX workbook: its part {_part(parts)} is not "
            "well-formed XML."
        ) from None
    except Exception:  # whatever else a damaged workbook makes zipfile or openpyxl raise
        part = _part(parts)
        where = f": its part {part} is damaged" if part is not None else ""
        raise UserError(f"{name} is not a readable XLSX workbook{where}.") from None


def _part(parts: Parts | None) -> str | None:
    return parts.part if parts is not None else None
