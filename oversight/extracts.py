"""Streaming the rows of a CSV or XLSX extract, each with the line number a person would see.

Nothing here loads a whole file into memory: rows are read one at a time, so an extract of
millions of rows costs the same memory as one of ten.

An extract is a stranger's file, and may be hostile. Only a regular file is opened; everything
read from it is bounded by the limits below, in time and in memory, whatever the file holds;
and every way a file can be wrong or hostile is one sentence (a ``UserError``) naming the file
and what, and where, is wrong with it.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import os
import re
import stat
import struct
import warnings
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Protocol

from oversight.errors import UserError
from oversight.values import is_blank

Progress = Callable[[float], None]

# --- limits ----------------------------------------------------------------------------------
# The most oversight reads of one extract. Each is far beyond any real extract, a national one
# of several million rows included; a file past one is refused with one sentence saying which.

# The size of an extract file: a CSV of 10 million case rows is about 1 GB.
MAX_FILE_BYTES = 4 << 30
# Lines of a CSV file, or rows of a sheet, the header and blank ones included.
MAX_ROWS = 10_000_000
# Rows of a sheet: Excel's own maximum. A row numbered past it cannot come from Excel, and would
# stand for that many blank rows to read through.
MAX_SHEET_ROWS = 1_048_576
# Cells in one row, blank ones included: Excel's own maximum (column XFD).
MAX_COLUMNS = 16_384
# Characters in one cell: Excel's own maximum.
MAX_CELL_CHARS = 32_767
# Characters in one row, all its cells together (a row's cells are held in memory together).
MAX_ROW_CHARS = 1 << 20
# What a workbook's parts declare they unpack to, added up.
MAX_UNPACKED_BYTES = 1 << 30
# Unpacked ÷ packed size of any part over 1 MiB: real sheets pack 5 to 20 times, bombs 1,000.
MAX_PACKING_RATIO = 100
# The shared-strings part, unpacked. It holds every text of the workbook once (1M unique case
# references take about 30 MB), and is held in memory while the sheet is read: up to 5 bytes of
# memory for each of its bytes. With it and every other part at their limits, an import peaks
# at about 380 MiB.
MAX_SHARED_STRINGS_BYTES = 64 << 20
# Any other part read whole (content types, the workbook, its relationships, its styles),
# unpacked: openpyxl builds a tree of each, some 30 bytes of memory for each byte.
MAX_PART_BYTES = 2 << 20
# A zip's table of contents, which zipfile reads whole: room for some 10,000 parts.
MAX_ZIP_DIRECTORY_BYTES = 1 << 20

# A part smaller than this is never taken for a bomb, however well it packs.
_SMALL_PART = 1 << 20
# XML read without the parser getting to the end of a tag or a piece of text: no tag, comment or
# declaration in a real workbook comes near it.
_STALL_BYTES = 1 << 20
_CHUNK = 1 << 16

_MAGIC_XLSX = b"PK\x03\x04"
_MAGIC_XLS = b"\xd0\xcf\x11\xe0"
_MAGIC_PDF = b"%PDF"

# A CSV cell can be no longer than its row; the row is bounded first (see _lines).
csv.field_size_limit(MAX_ROW_CHARS)


@dataclass
class Extract:
    """An open extract: its header cells, then ``(line number, cells)`` for each data row."""

    name: str
    format: str  # "CSV" or "XLSX"
    header: list[str]
    rows: Iterator[tuple[int, tuple[object, ...]]]
    unit: str = "line"  # what a line number is called in this format
    sha256: str = ""  # of the file's bytes, read through the descriptor the rows come from
    # A plain CSV only: its data rows unchecked and without line numbers, for the fast path of
    # an import (oversight.bulk), which leaves any doubt to ``rows``. Use one or the other.
    quick: Quick | None = None


@dataclass
class Quick:
    """The data rows of a plain CSV: each row one line, every line shorter than a cell or a row
    of cells may be, so the checks of ``rows`` could not refuse one."""

    records: Iterator[list[str]]  # as the csv module reads them; an empty line as []
    lines: Iterator[str]  # the same rows as text lines, ends included
    unquoted: bool  # no quote at all: a row's cells are its line split at the commas
    report: Callable[[], None]  # tells the progress bar how far the reading has got


@contextmanager
def open_extract(
    path: Path, sheet: str | None = None, progress: Progress | None = None
) -> Iterator[Extract]:
    path = Path(path)
    name = path.name
    with _open_regular(path) as raw:
        head = raw.read(4096)
        if not head:
            raise UserError(f"{name} is empty: there is no header and no data.")
        if head.startswith(_MAGIC_XLSX):
            with _open_workbook(raw, name, sheet, progress) as extract:
                yield extract
            return
        if head.startswith(_MAGIC_XLS):
            raise UserError(f"{name} is an old-style .xls workbook: save it as .xlsx or CSV.")
        if head.startswith(_MAGIC_PDF) or b"\x00" in head:
            raise UserError(f"{name} is not a CSV or XLSX extract.")
        if sheet is not None:
            raise UserError(f"{name} is a CSV file: --sheet applies only to XLSX workbooks.")
        scan = _scan(raw)
        yield _read_csv(raw, name, scan, progress)


# --- the file --------------------------------------------------------------------------------

_SPECIAL_FILES = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a device"),
    (stat.S_ISBLK, "a device"),
)


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
        if found.st_size > MAX_FILE_BYTES:
            raise UserError(
                f"{path.name} is {_size(found.st_size)}, more than the {_size(MAX_FILE_BYTES)} "
                "an extract may be."
            )
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _check_regular(path: Path, mode: int) -> None:
    if not stat.S_ISREG(mode):
        what = next((name for test, name in _SPECIAL_FILES if test(mode)), "a special file")
        raise UserError(f"{path} is not a file but {what}: only regular files can be imported.")


def _sha256(raw: IO[bytes]) -> str:
    """The file's checksum, read through the open descriptor (which is then rewound); a
    workbook needs no more (a CSV is scanned for more as it is hashed: :func:`_scan`)."""
    digest = hashlib.sha256()
    raw.seek(0)
    while chunk := raw.read(1 << 20):
        digest.update(chunk)
    raw.seek(0)
    return digest.hexdigest()


@dataclass(frozen=True)
class _Scan:
    """What one pass over a file's bytes found, besides its checksum."""

    sha256: str
    plain: bool  # each row is one line: no NUL, no line ending inside quotes, few and short lines
    longest_line: int  # in bytes, at least as many as its characters
    unquoted: bool  # no quote, no carriage return but before a line feed, no unit separator


# A line with an odd number of quotes: a quoted cell goes on past its end (or a stray quote).
_ODD_QUOTES = re.compile(rb'^[^"\n]*(?:"[^"\n]*"[^"\n]*)*"[^"\n]*$', re.MULTILINE)


def _scan(raw: IO[bytes]) -> _Scan:
    """The checksum, and whether a CSV is plain: then each row is one line, bounded in length,
    and the csv module may read the text directly (the checked reader is for the rest)."""
    digest = hashlib.sha256()
    lines = longest = 0
    plain = unquoted = True
    carry = b""
    raw.seek(0)
    while True:
        chunk = raw.read(1 << 20)
        if chunk:
            digest.update(chunk)
        if not plain:
            if not chunk:
                break
            continue
        buffer = carry + chunk
        end = buffer.rfind(b"\n") if chunk else len(buffer)
        whole, carry = buffer[: max(end, 0)], buffer[end + 1 :] if end >= 0 else buffer
        if whole or not chunk:
            lines += whole.count(b"\n") + 1
            longest = max(longest, max(map(len, whole.split(b"\n"))))
            odd = b"\x00" in whole or (b'"' in whole and _ODD_QUOTES.search(whole) is not None)
            plain = not odd and lines < MAX_ROWS and longest <= MAX_ROW_CHARS
            unquoted = unquoted and b'"' not in whole and b"\x1f" not in whole
            unquoted = unquoted and whole.count(b"\r") == whole.count(b"\r\n")
        if len(carry) > MAX_ROW_CHARS:
            plain = False
        if not chunk:
            break
    raw.seek(0)
    return _Scan(digest.hexdigest(), plain, longest, plain and unquoted)


def _size(count: int) -> str:
    for unit, shift in (("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if count >= 1 << shift:
            whole, rest = divmod(count, 1 << shift)
            return f"{whole:,} {unit}" if not rest else f"{count / (1 << shift):,.2f} {unit}"
    return f"{count:,} bytes"


# --- CSV -------------------------------------------------------------------------------------


class _CountingReader(io.RawIOBase):
    """Counts the bytes read, so a progress bar can follow a text stream."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray) -> int:
        n = self.raw.readinto(buffer)
        self.count += n or 0
        return n


class _Row:
    """Where a CSV reader is: the characters read before the row being read, the characters
    read so far, and the row's first line."""

    __slots__ = ("before", "chars", "first", "measure_all")

    def __init__(self) -> None:
        self.before = self.chars = 0
        self.first = 1
        self.measure_all = False


def _lines(text: io.TextIOWrapper, name: str, row: _Row) -> Iterator[str]:
    """The lines of a CSV text for the csv module, each checked before the module sees it.

    A line is read no further than a row may go (MAX_ROW_CHARS), so that one endless line costs
    no memory, and a row of many lines (a quoted cell with line breaks) counts all of them. A
    NUL byte, which no text has, and more than MAX_ROWS lines are refused too.
    """
    readline = text.readline
    number = 0
    while line := readline(MAX_ROW_CHARS + 1):
        number += 1
        row.chars += len(line)
        if row.chars - row.before > MAX_ROW_CHARS or "\x00" in line or number > MAX_ROWS:
            if "\x00" in line:
                raise UserError(f"{name} has a NUL byte on line {number}: it is not text.")
            if number > MAX_ROWS:
                raise UserError(
                    f"{name} has more than {MAX_ROWS:,} lines, the most an extract may have."
                )
            raise UserError(
                f"{name}, line {row.first}: the row is longer than {MAX_ROW_CHARS:,} "
                "characters, the most a row may have."
            )
        yield line


def _read_csv(raw: IO[bytes], name: str, scan: _Scan, progress: Progress | None) -> Extract:
    size = os.fstat(raw.fileno()).st_size
    counter = _CountingReader(raw)
    text = io.TextIOWrapper(io.BufferedReader(counter, 1 << 16), encoding="utf-8-sig", newline="")
    row = _Row()
    # A plain file's rows are its lines, already bounded: the csv module reads the text itself.
    # Any other is read through the checked lines, which bound a row over several lines.
    reader = csv.reader(text if scan.plain else _lines(text, name, row))
    # In a plain file no cell can be too long unless a line is: then every row is measured.
    row.measure_all = scan.plain and scan.longest_line > MAX_CELL_CHARS
    header = _next_csv_record(reader, row, name, raw)
    if header is None or all(is_blank(cell) for cell in header):
        raise UserError(f"{name} has no header row on line 1.")

    def rows() -> Iterator[tuple[int, tuple[object, ...]]]:
        start = reader.line_num + 1
        while (record := _next_csv_record(reader, row, name, raw)) is not None:
            if "".join(record).strip():  # a row of blank cells is no row
                yield start, tuple(record)
            start = reader.line_num + 1
            if progress is not None and start % 8192 == 0:
                progress(min(counter.count / size, 1.0))
        if progress is not None:
            progress(1.0)

    def report() -> None:
        if progress is not None:
            progress(min(counter.count / size, 1.0))

    quick = None
    # Short lines only: then no cell is too long and no row has too many cells, as the checked
    # rows would find; the fast path need not look.
    if scan.plain and scan.longest_line < min(MAX_CELL_CHARS, MAX_COLUMNS):
        quick = Quick(csv.reader(text), text, scan.unquoted, report)
    return Extract(
        name=name, format="CSV", header=header, rows=rows(), sha256=scan.sha256, quick=quick
    )


def _next_csv_record(reader: csv.Reader, row: _Row, name: str, raw: IO[bytes]) -> list[str] | None:
    row.before = row.chars
    row.first = reader.line_num + 1
    try:
        record = next(reader)
    except StopIteration:
        return None
    except UnicodeDecodeError:
        raise UserError(
            f"{name} is not UTF-8 text (line {_first_non_utf8_line(raw)}): "
            'save it from Excel as "CSV UTF-8".'
        ) from None
    except csv.Error as error:
        raise UserError(f"{name}, line {reader.line_num}: {error}.") from None
    if len(record) > MAX_COLUMNS:
        raise UserError(
            f"{name}, line {row.first}: the row has {len(record):,} cells, more than the "
            f"{MAX_COLUMNS:,} a row may have."
        )
    if row.measure_all or row.chars - row.before > MAX_CELL_CHARS:  # else no cell is too long
        for column, cell in enumerate(record, start=1):
            if len(cell) > MAX_CELL_CHARS:
                raise UserError(
                    f"{name}, line {row.first}: cell {column} is longer than "
                    f"{MAX_CELL_CHARS:,} characters, the most a cell may have."
                )
    return record


def _first_non_utf8_line(raw: IO[bytes]) -> int:
    """The line of the first byte that is not UTF-8: the text reader decodes ahead of the CSV
    reader, so the CSV reader's line number can be thousands of lines short of it."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    raw.seek(0)
    number = 1
    while line := raw.readline(1 << 16):  # a piece of a line at most: an endless one is fine
        try:
            decoder.decode(line)
        except UnicodeDecodeError:
            break
        number += line.endswith(b"\n")
    return number


# --- XLSX ------------------------------------------------------------------------------------
#
# A workbook is a zip of XML parts, and each is a way in: a part that unpacks to gigabytes (a
# zip bomb), a shared-strings part openpyxl would hold whole, XML entities that expand a
# thousandfold ("billion laughs") or pull in a local file (external entities), a row numbered
# a billion, a row of millions of cells. So:
#
# - Before anything is unpacked, the table of contents and what every part declares it unpacks
#   to are checked (MAX_ZIP_DIRECTORY_BYTES, MAX_UNPACKED_BYTES, MAX_PACKING_RATIO,
#   MAX_SHARED_STRINGS_BYTES). A part that lies about its size cannot get past that: zipfile
#   never gives more than the size the table of contents declares (ZipExtFile stops at it, and
#   raises BadZipFile when the CRC of what it gave does not match). But one read() of a whole
#   part inflates up to 1 GiB before cutting it to that size, so every part is read here in
#   64 KiB pieces, each inflated no further than that (_Parts).
# - openpyxl reads only the small parts that describe the workbook (content types, the
#   workbook, its relationships and styles: MAX_PART_BYTES each), never the sheet: its
#   read-only reader builds each row whole, cell by cell, and keeps every row it has read.
#   openpyxl parses through defusedxml whenever defusedxml is importable: openpyxl/xml/__init__.py
#   sets DEFUSEDXML then (unless OPENPYXL_DEFUSEDXML is set to anything but "True", which is
#   refused below), and openpyxl/xml/functions.py then takes fromstring and iterparse from
#   defusedxml.ElementTree, which refuse entity declarations and external references. (With
#   lxml installed, openpyxl's fromstring is lxml's, with resolve_entities=False: safe too.)
# - The shared strings and the sheet are streamed here through defusedxml's parser, with no
#   document type allowed at all, a piece at a time: no tree is built, and rows, cells and
#   texts are counted against MAX_SHEET_ROWS, MAX_COLUMNS, MAX_CELL_CHARS and MAX_ROW_CHARS as
#   they come.
# - Whatever goes wrong on the way, now or while the rows are read, is one sentence (_reading).


class _Parts(zipfile.ZipFile):
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
                f"{_size(info.file_size)}, more than the {_size(MAX_PART_BYTES)} a part "
                "describing a workbook may."
            )
        pieces = []
        with self.open(info, pwd=pwd) as part:
            while piece := part.read(_CHUNK):
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
            f"{name} was refused: its table of contents is {_size(size)}, more than the "
            f"{_size(MAX_ZIP_DIRECTORY_BYTES)} a workbook's may be."
        )


def _check_parts(parts: _Parts, name: str) -> None:
    """What each part declares, checked before any is unpacked."""
    infos = parts.infolist()
    total = sum(info.file_size for info in infos)
    if total > MAX_UNPACKED_BYTES:
        raise UserError(
            f"{name} was refused: its parts unpack to {_size(total)}, more than the "
            f"{_size(MAX_UNPACKED_BYTES)} a workbook may."
        )
    for info in infos:
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise UserError(
                f"{name} was refused: its part {info.filename} is packed in a way Excel "
                "never packs a workbook."
            )
        if _is_shared_strings(info.filename) and info.file_size > MAX_SHARED_STRINGS_BYTES:
            _too_many_strings(name, info)
        if info.file_size > _SMALL_PART and info.file_size > MAX_PACKING_RATIO * info.compress_size:
            raise UserError(
                f"{name} was refused: its part {info.filename} unpacks to "
                f"{_size(info.file_size)} from {_size(info.compress_size)}, more than "
                f"{MAX_PACKING_RATIO} times its packed size, as only a zip bomb does."
            )


def _is_shared_strings(part: str) -> bool:
    return part.rsplit("/", 1)[-1].lower().startswith("sharedstrings")


def _too_many_strings(name: str, info: zipfile.ZipInfo) -> None:
    raise UserError(
        f"{name} was refused: its shared strings unpack to {_size(info.file_size)}, more "
        f"than the {_size(MAX_SHARED_STRINGS_BYTES)} a workbook's may."
    )


@contextmanager
def _reading(name: str, parts: _Parts | None) -> Iterator[None]:
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


def _part(parts: _Parts | None) -> str | None:
    return parts.part if parts is not None else None


@contextmanager
def _open_workbook(
    raw: IO[bytes], name: str, sheet: str | None, progress: Progress | None
) -> Iterator[Extract]:
    import openpyxl.xml

    if not openpyxl.xml.DEFUSEDXML:
        raise UserError(
            f"{name} was not read: openpyxl cannot use defusedxml here (is OPENPYXL_DEFUSEDXML "
            "set?), and without it a workbook cannot be read safely."
        )
    parts = None
    try:
        with _reading(name, None):
            parts = _Parts(raw, name)
        _check_parts(parts, name)
        sha256 = _sha256(raw)
        with _reading(name, parts):
            worksheet, strings_part, styles = _describe(raw, parts, name, sheet)
            strings: list[str] = []
            if strings_part is not None:
                info = parts.getinfo(strings_part)
                if info.file_size > MAX_SHARED_STRINGS_BYTES:
                    _too_many_strings(name, info)
                target = _SharedStrings(name)
                for _ in _feed(parts, strings_part, target):
                    pass
                strings = target.strings
            reader = _Sheet(name, strings, *styles)
            rows = _sheet_rows(parts, worksheet, reader, progress)
            first = next(rows, None)
        if first is None or first[0] != 1 or all(is_blank(cell) for cell in first[1]):
            raise UserError(f"{name} has no header row on row 1 of its sheet.")
        header = ["" if cell is None else str(cell) for cell in first[1]]

        def data_rows() -> Iterator[tuple[int, tuple[object, ...]]]:
            with _reading(name, parts):
                for number, row in rows:
                    if not all(is_blank(cell) for cell in row):
                        yield number, tuple("" if cell is None else cell for cell in row)
            if progress is not None:
                progress(1.0)

        extract = Extract(
            name=name, format="XLSX", header=header, rows=data_rows(), unit="row", sha256=sha256
        )
        yield extract
    finally:
        if parts is not None:
            parts.close()


def _describe(
    raw: IO[bytes], parts: _Parts, name: str, sheet: str | None
) -> tuple[str, str | None, tuple[set[int], set[int], object]]:
    """Through openpyxl: the part holding the sheet, the shared-strings part, and the styles
    that make a number a date (with the workbook's epoch)."""
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.styles.stylesheet import apply_stylesheet
    from openpyxl.xml.constants import SHARED_STRINGS

    with warnings.catch_warnings():
        # openpyxl warns of what it makes of oddities (a missing style, say): not for users.
        warnings.simplefilter("ignore")
        reader = ExcelReader(raw, read_only=True, data_only=True, keep_links=False)
        reader.archive.close()
        reader.archive = parts  # so that every part openpyxl reads is read within bounds
        reader.valid_files = parts.namelist()
        reader.read_manifest()
        reader.read_workbook()
        apply_stylesheet(parts, reader.wb)
        present = set(reader.valid_files)
        sheets = {
            entry.name: rel.target
            for entry, rel in reader.parser.find_sheets()
            if "chartsheet" not in rel.Type and rel.target in present
        }
    if not sheets:
        raise UserError(f"{name} is not a readable XLSX workbook: it has no worksheet.")
    if sheet is None:
        worksheet = next(iter(sheets.values()))
    elif sheet in sheets:
        worksheet = sheets[sheet]
    else:
        names = ", ".join(f'"{n}"' for n in sheets)
        raise UserError(f'{name} has no sheet "{sheet}" (it has {names}).')
    strings = reader.package.find(SHARED_STRINGS)
    wb = reader.wb
    styles = (set(wb._date_formats), set(wb._timedelta_formats), wb.epoch)
    return worksheet, strings.PartName[1:] if strings is not None else None, styles


class _Target(Protocol):
    seen: int

    def start(self, tag: str, attrib: dict[str, str]) -> None: ...

    def end(self, tag: str) -> None: ...

    def data(self, text: str) -> None: ...

    def close(self) -> None: ...


def _feed(
    parts: _Parts, part: str, target: _Target, progress: Progress | None = None
) -> Iterator[None]:
    """Parse ``part`` into ``target``'s callbacks, 64 KiB at a time, pausing after each piece.

    defusedxml's parser, with no document type allowed: no part of a workbook has one, and
    without one there are no entities, expanding or external. The parser holds an unfinished
    tag whole: one that goes on for more than _STALL_BYTES is refused.
    """
    from defusedxml.ElementTree import DefusedXMLParser

    parser = DefusedXMLParser(target=target, forbid_dtd=True)
    size = parts.getinfo(part).file_size or 1
    fed = stalled = 0
    seen = -1
    with parts.open(part) as stream:
        while chunk := stream.read(_CHUNK):
            parser.feed(chunk)
            fed += len(chunk)
            if target.seen != seen:
                seen, stalled = target.seen, 0
            else:
                stalled += len(chunk)
                if stalled > _STALL_BYTES:
                    raise UserError(
                        f"{parts.shown} was refused: its part {part} has a tag longer than "
                        f"{_size(_STALL_BYTES)}, which no workbook has."
                    )
            if progress is not None:
                progress(min(fed / size, 1.0))
            yield
        parser.close()


_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_SI, _T, _R_PH = _MAIN + "si", _MAIN + "t", _MAIN + "rPh"
_ROW, _C, _V, _IS, _SHEET_DATA = (
    _MAIN + "row",
    _MAIN + "c",
    _MAIN + "v",
    _MAIN + "is",
    _MAIN + "sheetData",
)


class _SharedStrings:
    """Collects the shared strings: each ``si``'s text, phonetic runs (``rPh``) left out, as
    openpyxl reads them."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.strings: list[str] = []
        self.seen = 0
        self.text: list[str] | None = None  # of the si being read
        self.chars = 0
        self.collect = False
        self.phonetic = 0

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        self.seen += 1
        if tag == _T:
            self.collect = self.text is not None and not self.phonetic
        elif tag == _SI:
            self.text = []
            self.chars = 0
        elif tag == _R_PH:
            self.phonetic += 1

    def end(self, tag: str) -> None:
        if tag == _T:
            self.collect = False
        elif tag == _SI and self.text is not None:
            self.strings.append("".join(self.text).replace("x005F_", ""))
            self.text = None
        elif tag == _R_PH:
            self.phonetic -= 1

    def data(self, text: str) -> None:
        self.seen += 1
        if self.collect:
            self.chars += len(text)
            if self.chars > MAX_CELL_CHARS:
                raise UserError(
                    f"{self.name} was refused: its shared string {len(self.strings) + 1:,} is "
                    f"longer than {MAX_CELL_CHARS:,} characters, the most a cell may have."
                )
            self.text.append(text)  # type: ignore[union-attr]

    def close(self) -> None:
        return None


class _Sheet:
    """Turns a sheet's XML into ``(row number, cell values)``, as openpyxl's read-only reader
    would with ``values_only`` and ``data_only``, but a row at a time and within bounds."""

    def __init__(
        self,
        name: str,
        strings: list[str],
        date_styles: set[int],
        timedelta_styles: set[int],
        epoch: object,
    ) -> None:
        self.name = name
        self.strings = strings
        self.date_styles = date_styles
        self.timedelta_styles = timedelta_styles
        self.epoch = epoch
        self.last_row = min(MAX_ROWS, MAX_SHEET_ROWS)
        self.ready: list[tuple[int, tuple[object, ...]]] = []  # rows read, not yet taken
        self.done = False  # the end of sheetData: nothing after it matters
        self.seen = 0
        self.number = 0  # of the row being read, or the last one read
        self.cells: list[tuple[int, object]] | None = None  # of the row being read
        self.row_chars = 0
        self.column = 0  # of the cell being read, or the last one read
        self.type = "n"
        self.style: str | None = None
        self.text: list[str] = []
        self.inline = False  # the cell has an inline string (is)
        self.collect = False
        self.phonetic = 0
        self.cell_chars = 0
        self.columns: dict[str, int] = {}  # column letters seen, and their numbers
        from openpyxl.utils.datetime import from_excel, from_ISO8601

        self.from_excel = from_excel
        self.from_iso8601 = from_ISO8601

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        self.seen += 1
        if self.cells is None:
            if tag == _ROW:
                self._start_row(attrib.get("r"))
            return
        if tag == _C:
            ref = attrib.get("r")
            self.column = self._column(ref) if ref else self.column + 1
            if self.column > MAX_COLUMNS or len(self.cells) >= MAX_COLUMNS:
                raise UserError(
                    f"{self.name} was refused: row {self.number:,} of its sheet has more than "
                    f"{MAX_COLUMNS:,} columns, the most a row may have."
                )
            self.type = attrib.get("t", "n")
            self.style = attrib.get("s")
            self.text = []
            self.inline = self.collect = False
            self.phonetic = self.cell_chars = 0
        elif tag == _V:
            self.collect = self.type != "inlineStr"
        elif tag == _IS:
            self.inline = True
        elif tag == _T:
            self.collect = self.inline and not self.phonetic
        elif tag == _R_PH:
            self.phonetic += 1

    def _start_row(self, ref: str | None) -> None:
        number = self.number + 1
        if ref:
            try:
                number = int(ref)
            except ValueError:
                value = float(ref)  # as openpyxl reads "2.0"; anything else is damage
                if not value.is_integer():
                    raise ValueError(ref) from None
                number = int(value)
        if number <= self.number:
            raise UserError(
                f"{self.name} is not a readable XLSX workbook: its sheet has row {number:,} "
                f"after row {self.number:,}."
            )
        if number > self.last_row:
            raise UserError(
                f"{self.name} was refused: its sheet has a row {number:,}, past the "
                f"{self.last_row:,} rows a sheet may have."
            )
        self.number = number
        self.cells = []
        self.column = self.row_chars = 0

    def _column(self, ref: str) -> int:
        column = self.columns.get(ref.rstrip("0123456789"))
        if column is None:
            letters = ref.rstrip("0123456789").strip("$").upper()
            if not (0 < len(letters) <= 3 and letters.isascii() and letters.isalpha()):
                raise ValueError(ref)
            column = 0
            for letter in letters:
                column = column * 26 + ord(letter) - 64
            if len(self.columns) < 4 * MAX_COLUMNS:  # "$a" and "A" are one column
                self.columns[ref.rstrip("0123456789")] = column
        return column

    def end(self, tag: str) -> None:
        if self.cells is None:
            if tag == _SHEET_DATA:
                self.done = True
            return
        if tag == _C:
            try:
                value = self._value()
            except (ValueError, IndexError, TypeError, OverflowError):
                raise UserError(
                    f"{self.name} is not a readable XLSX workbook: the cell "
                    f"{_letters(self.column)}{self.number} of its sheet cannot be read."
                ) from None
            self.cells.append((self.column, value))
            self.collect = False
        elif tag == _ROW:
            values: list[object] = []
            if self.cells:
                values = [None] * max(column for column, _ in self.cells)
                for column, value in self.cells:
                    values[column - 1] = value
            self.ready.append((self.number, tuple(values)))
            self.cells = None
        elif tag in (_V, _T):
            self.collect = False
        elif tag == _R_PH:
            self.phonetic -= 1

    def data(self, text: str) -> None:
        self.seen += 1
        if self.collect:
            self.cell_chars += len(text)
            self.row_chars += len(text)
            if self.cell_chars > MAX_CELL_CHARS:
                raise UserError(
                    f"{self.name} was refused: the cell {_letters(self.column)}{self.number} of "
                    f"its sheet is longer than {MAX_CELL_CHARS:,} characters, the most a cell "
                    "may have."
                )
            if self.row_chars > MAX_ROW_CHARS:
                raise UserError(
                    f"{self.name} was refused: row {self.number:,} of its sheet is longer than "
                    f"{MAX_ROW_CHARS:,} characters, the most a row may have."
                )
            self.text.append(text)

    def _value(self) -> object:
        """The cell's value, as openpyxl's WorkSheetParser.parse_cell makes it."""
        kind = self.type
        text = "".join(self.text)
        if kind == "inlineStr":
            return text if self.inline else None
        if not text:
            return None
        if kind == "n":
            number = float(text) if "." in text or "e" in text or "E" in text else int(text)
            style = int(self.style) if self.style else 0
            if style not in self.date_styles:
                return number
            try:
                return self.from_excel(number, self.epoch, timedelta=style in self.timedelta_styles)
            except (OverflowError, ValueError):
                return "#VALUE!"  # what openpyxl makes of a date out of range
        if kind == "s":
            index = int(text)
            if index < 0:
                raise IndexError(index)
            return self.strings[index]
        if kind == "b":
            return bool(int(text))
        if kind == "d":
            return self.from_iso8601(text)
        return text  # "str" (a formula's text), "e" (an error such as #N/A)

    def close(self) -> None:
        return None


def _letters(column: int) -> str:
    letters = ""
    while column > 0:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _sheet_rows(
    parts: _Parts, part: str, reader: _Sheet, progress: Progress | None
) -> Iterator[tuple[int, tuple[object, ...]]]:
    for _ in _feed(parts, part, reader, progress):
        yield from reader.ready
        reader.ready.clear()
        if reader.done:
            return
