"""Streaming the rows of a CSV or XLSX extract, each with the line number a person would see.

Nothing here loads a whole file into memory: rows are read one at a time, so an extract of
millions of rows costs the same memory as one of ten. This module opens the file, holds the
limits, and reads CSV; a workbook's sheet is streamed by :mod:`oversight.xlsx` (and read
quickly, whole, by :mod:`oversight.xlsx_quick` in a child process whose memory is bounded).

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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

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
SMALL_PART_BYTES = 1 << 20
# XML read without the parser getting to the end of a tag or a piece of text: no tag, comment or
# declaration in a real workbook comes near it.
STALL_BYTES = 1 << 20
# What is read from a file at a time.
CHUNK_BYTES = 1 << 16

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
    # A plain CSV, or a workbook calamine may read (see "the quick reading" below): its data
    # rows unchecked and without line numbers, for the fast path of an import (oversight.bulk),
    # which leaves any doubt to ``rows``. Use one or the other.
    quick: Quick | None = None


@dataclass
class Quick:
    """The data rows of a plain CSV: each row one line, every line shorter than a cell or a row
    of cells may be, so the checks of ``rows`` could not refuse one. Or those of a workbook,
    each cell the text of what ``rows`` gives (a ``WorkbookQuick``: reading them may raise a
    ``csv.Error``, a doubt, at any row, and ``unquoted`` is known once asked)."""

    records: Iterator[list[str]]  # as the csv module reads them; an empty line as []
    lines: Iterator[str]  # the same rows as text lines, ends included
    unquoted: bool  # no quote at all: a row's cells are its line split at the commas
    report: Callable[[], None]  # tells the progress bar how far the reading has got


class QuickDoubt(csv.Error):
    """The quick reading of a workbook cannot vouch for its cells: the exact path must read it.
    (A ``csv.Error``, which the fast path takes as a doubt, as for a CSV.)"""


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
            from oversight.xlsx import open_workbook

            with open_workbook(raw, name, sheet, progress) as extract:
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
                f"{path.name} is {byte_count(found.st_size)}, more than the "
                f"{byte_count(MAX_FILE_BYTES)} an extract may be."
            )
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _check_regular(path: Path, mode: int) -> None:
    if not stat.S_ISREG(mode):
        what = next((name for test, name in _SPECIAL_FILES if test(mode)), "a special file")
        raise UserError(f"{path} is not a file but {what}: only regular files can be imported.")


def sha256_of(raw: IO[bytes]) -> str:
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


def byte_count(count: int) -> str:
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
