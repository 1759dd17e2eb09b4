"""The quick reading of a workbook's sheet: python-calamine, in a bounded child process."""

from __future__ import annotations

import csv
import io
import marshal
import math
import os
import re
import select
import signal
import struct
import sys
import threading
import time
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import suppress
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from itertools import chain, islice
from typing import IO, Any

from oversight.extracts import (
    _CHUNK,
    _STALL_BYTES,
    MAX_CELL_CHARS,
    MAX_COLUMNS,
    MAX_ROW_CHARS,
    MAX_ROWS,
    MAX_SHEET_ROWS,
    Progress,
    Quick,
)
from oversight.xlsx import _Parts

# --- XLSX: the quick reading -----------------------------------------------------------------
#
# Read by the streaming reader above, a workbook of 100,000 case rows took 4.8 times as long to
# import as the same rows as CSV. python-calamine reads a sheet in Rust, and gives a workbook
# what a plain CSV has: a Quick, the cells of its data rows as text, for the fast path of an
# import (oversight.bulk). The rows themselves, and so every line and column a problem is named
# by, stay the streaming reader's: it decides whenever the fast path doubts.
#
# calamine is not bounded as the streaming reader is. It loads a sheet whole, as one grid from
# its top left filled cell to its bottom right one: a sheet of 5 KB holding A1 and XFD1048576
# asks for 17 billion cells (550 GB) and the process dies ("memory allocation failed", SIGABRT)
# with no sentence; A1 and Z1000000 alone take 830 MB. No limit on the sheet's size can stop
# that, so calamine never runs in oversight's own process:
#
# - Only after every check above: the zip's table of contents and what each part declares, the
#   workbook described by openpyxl, the shared strings read within bounds, the header row.
# - Only for a sheet declaring at most QUICK_MAX_SHEET_BYTES and shared strings of at most
#   QUICK_MAX_STRINGS_BYTES, with no style openpyxl takes for a duration, on Linux (where a
#   limit on a process's memory holds), in a process with no other thread (a fork copies none);
#   any other workbook takes the exact path.
# - In a forked child, whose memory may grow by QUICK_MEMORY_BYTES and which may use
#   QUICK_SECONDS of processor time (and is waited for as long): past either it dies, the fast
#   path doubts, and the streaming reader refuses or reads the file as it always has. What the
#   child prints goes nowhere.
# - calamine reads a workbook made here, not the file: the sheet's packed bytes as they are, the
#   shared strings written back from the streaming reader's own reading of them (so each is the
#   same text), and styles that mark as a duration exactly the styles openpyxl takes for dates.
#   So calamine gives the number of each such cell as a duration, which the child turns into a
#   date with openpyxl's own function, as the streaming reader does (a date with a time of day
#   is a doubt).
# - Meanwhile this process unpacks the sheet, checks that it unpacks to exactly what it declares,
#   and looks for what the two readers read differently: character references, _x00HH_ escapes,
#   comments and CDATA, control characters, error and ISO-date cells, inline text in several
#   runs, namespaces declared in the sheet's data, rows out of order or numbered otherwise,
#   and what only the streaming reader's limits see (empty cells past XFD or past 16,384 in a
#   row, empty rows past the last a sheet may have). Any of it, a header that differs, a cell the
#   child cannot give as the very text the streaming reader gives, or a child that fails, and
#   the fast path doubts.
#
# What is left is a sheet written by hand to tell the two apart, such as a cell whose reference
# names another row than its row's, an element in another namespace, or a number or a yes/no
# written as no spreadsheet writes one (1_000, 00): calamine reads those by its own lights, its
# reading bounded all the same.

# The most a sheet may declare it unpacks to for the quick reading; calamine's grid of it takes
# about twice that (100,000 case rows written by openpyxl are 43 MB).
QUICK_MAX_SHEET_BYTES = 96 << 20
# The most the shared strings may declare for it: the child inherits them, read, from this one.
QUICK_MAX_STRINGS_BYTES = 16 << 20
# How far the child's address space may grow past what it inherits.
QUICK_MEMORY_BYTES = 256 << 20
# The child's processor time, and the most this process waits for it.
QUICK_SECONDS = 60

_SHEET_PART = "xl/worksheets/sheet1.xml"  # in the workbook made for calamine
_QUICK_PIECE = 1 << 15  # of the sheet unpacked and looked through here: most hold whole rows
_DAY = timedelta(days=1)
_EXACT_FLOAT = 2.0**53  # past it, calamine's number (a float) may differ from the text's integer
_CONTROL = bytes(range(9)) + b"\x0b\x0c" + bytes(range(14, 32))
_RARE = _CONTROL + b"!&',\n\r"  # in a sheet's data: see _SheetCheck._check
# An error cell (calamine: empty) or an ISO date cell, however its attribute is spelt (with
# double quotes and no single quote anywhere, a value "e" or "d" is looked for instead).
_ERROR_OR_ISO_CELL = re.compile(rb"""t\s*=\s*["'][ed]["']""")
# Inline text in more than one piece (rich runs, phonetic text): calamine trims each piece.
_INLINE_IN_PIECES = re.compile(rb"</t>(?!</is>)")
_ROW_NUMBER = re.compile(rb'<row r="(\d{1,7})"')
_THREE_LETTERS = re.compile(rb'<c r="[A-Za-z]{3}')
_COLUMN_PAST_XFD = re.compile(
    rb'<c r="(?:[A-Za-z]{4}|[YZyz][A-Za-z]{2}|[Xx][G-Zg-z][A-Za-z]|[Xx][Ff][E-Ze-z])'
)
# What would end a line, besides a comma: a row holding one cannot be taken as a line.
_LINE_BREAK = re.compile("[\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
_ENCODING = re.compile(rb"""encoding\s*=\s*["']([^"']*)["']""")
_MAIN_URI = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_PREFIX_FOR_MAIN = re.compile(rb"xmlns:[^=\s]+\s*=\s*[\"']" + re.escape(_MAIN_URI))


class QuickDoubt(csv.Error):
    """The quick reading of a workbook cannot vouch for its cells: the exact path must read it.
    (A ``csv.Error``, which the fast path takes as a doubt, as for a CSV.)"""


def quick_reading(
    raw: IO[bytes],
    parts: _Parts,
    worksheet: str,
    strings_part: str | None,
    strings: list[str],
    styles: tuple[set[int], set[int], object, int],
    header: list[str],
) -> _QuickSheet | None:
    """A quick reading of the sheet, if calamine may read it (see above); else None."""
    date_styles, timedelta_styles, epoch, style_count = styles
    info = parts.getinfo(worksheet)
    if (
        not _may_fork()
        or info.file_size > QUICK_MAX_SHEET_BYTES
        or info.flag_bits & 0x1  # encrypted: zipfile cannot read it either
        or timedelta_styles  # a duration, which calamine would not tell from a date
        or (
            strings_part is not None
            and parts.getinfo(strings_part).file_size > QUICK_MAX_STRINGS_BYTES
        )
    ):
        return None
    try:
        import python_calamine  # noqa: F401
    except ImportError:
        return None
    return _QuickSheet(raw, info, strings, date_styles, epoch, style_count, header)


def _may_fork() -> bool:
    """Linux (where a child's memory can be limited), and no other thread (which a fork would
    leave behind, perhaps holding a lock the child needs)."""
    return (
        sys.platform.startswith("linux") and hasattr(os, "fork") and threading.active_count() == 1
    )


class _QuickSheet:
    """The sheet read by calamine in a child process, checked by this one meanwhile.

    Nothing starts until the fast path first asks (:class:`WorkbookQuick`); nothing asked of
    it raises but the iterators of rows, with a :class:`QuickDoubt`, which the fast path takes
    as its doubt.
    """

    def __init__(
        self,
        raw: IO[bytes],
        info: zipfile.ZipInfo,
        strings: list[str],
        date_styles: set[int],
        epoch: object,
        style_count: int,
        header: list[str],
    ) -> None:
        self.fd = raw.fileno()
        self.info = info
        self.strings = strings
        self.date_styles = date_styles
        self.epoch = epoch
        self.style_count = style_count
        self.header = header
        self.started = False
        self.doubt: QuickDoubt | None = None
        self.flat = False  # no cell holds a comma or a line break: rows may be comma-joined lines
        self.pid: int | None = None
        self.pipe: int | None = None  # the read end of the child's pipe
        self.deadline = 0.0
        self.reading: Iterator | None = None
        self.rows = 1  # the sheet's last row, once the child has said
        self.done = 0  # the sheet row the rows taken so far reach

    def plain(self) -> bool:
        """Whether the rows may be taken as lines (see Quick.unquoted)."""
        self._start()
        return self.doubt is None and self.flat

    def records(self) -> Iterator[list[str]]:
        if self.reading is None:
            self.reading = self._read(
                lambda text: [row.split("\x00") for row in text.split("\x01")]
            )
        return self.reading

    def lines(self) -> Iterator[str]:
        if self.reading is None:
            self.reading = self._read(_frame_lines)
        return self.reading

    def report(self, progress: Progress | None) -> None:
        if progress is not None:
            progress(min(self.done / self.rows, 1.0))

    def close(self) -> None:
        if self.reading is not None:
            self.reading.close()  # type: ignore[attr-defined]
        self._stop()

    def _start(self) -> None:
        """Fork the child, and check the sheet here meanwhile. Never raises: a doubt is kept
        for the rows to raise."""
        if self.started:
            return
        self.started = True
        try:
            data_start = self._data_start()
            parts = self._parts()
            # Whatever the child needs is imported here: a fork copies no other thread, and an
            # import in the child could wait for a lock another thread held.
            import faulthandler
            import fcntl
            import resource

            from openpyxl.utils.datetime import from_excel
            from python_calamine import CalamineWorkbook

            read_end, write_end = os.pipe()
            with suppress(OSError):  # room for the child to run ahead (Linux: 1 MiB at most)
                fcntl.fcntl(write_end, fcntl.F_SETPIPE_SZ, 1 << 20)
            self.deadline = time.monotonic() + QUICK_SECONDS
            self.pid = os.fork()
            if self.pid == 0:  # the child: never returns
                try:
                    faulthandler.disable()  # its report of a crash would reach the terminal
                    os.close(read_end)
                    _quick_child(
                        write_end,
                        resource,
                        lambda: CalamineWorkbook.from_filelike(io.BytesIO(self._book(parts))),
                        self.epoch,
                        from_excel,
                    )
                finally:
                    os._exit(3)
            os.close(write_end)
            self.pipe = read_end
            self.flat = self._check_sheet(data_start)  # while the child reads it
        except Exception as error:  # whatever it is, the exact path decides
            self.doubt = QuickDoubt(f"{type(error).__name__}: {error}")
            self._stop()

    def _read(self, rows_of: Callable[[str], list]) -> Iterator:
        """The data rows, from the child's frames: ``rows_of`` makes them of a frame's text."""
        try:
            self._start()
            if self.doubt is not None:
                raise self.doubt
            total, header = self._frame()
            self.rows = max(total, 1)
            if _names(header) != _names(self.header):
                raise QuickDoubt("the header differs")
            while (frame := self._frame()) is not None:
                number, count, text = frame
                if count:
                    rows = rows_of(text)
                    if len(rows) != count:
                        raise QuickDoubt("a frame of other rows than it says")
                    yield from rows
                self.done = number
            _, status = os.waitpid(self.pid, 0)  # type: ignore[arg-type]
            self.pid = None
            if status != 0:
                raise QuickDoubt(f"the child ended with status {status}")
        except QuickDoubt:
            raise
        except Exception as error:  # whatever it is, the exact path decides
            raise QuickDoubt(f"{type(error).__name__}: {error}") from None
        finally:
            self._stop()

    def _stop(self) -> None:
        if self.pid is not None:
            pid, self.pid = self.pid, None
            os.kill(pid, signal.SIGKILL)  # an ended child is a zombie until waited for
            os.waitpid(pid, 0)
        if self.pipe is not None:
            os.close(self.pipe)
            self.pipe = None

    def _frame(self) -> tuple | None:
        """The child's next frame, or None after its last."""
        (length,) = struct.unpack("<L", self._take(4))
        return marshal.loads(self._take(length)) if length else None

    def _take(self, count: int) -> bytes:
        pieces = []
        while count:
            left = max(self.deadline - time.monotonic(), 0.0)
            ready, _, _ = select.select([self.pipe], [], [], left)
            piece = os.read(self.pipe, min(count, 1 << 20)) if ready else b""  # type: ignore[arg-type]
            if not piece:
                raise QuickDoubt("the child stopped" if ready else "the child took too long")
            pieces.append(piece)
            count -= len(piece)
        return b"".join(pieces)

    def _data_start(self) -> int:
        """Where the sheet's packed bytes start, from its local header (as zipfile finds it)."""
        info = self.info
        local = os.pread(self.fd, 30, info.header_offset)
        if len(local) != 30 or local[:4] != b"PK\x03\x04":
            raise QuickDoubt("no local header")
        name_length, extra_length = struct.unpack_from("<2H", local, 26)
        name = os.pread(self.fd, name_length, info.header_offset + 30)
        encoding = "utf-8" if info.flag_bits & 0x800 else "cp437"
        if name != info.orig_filename.encode(encoding):
            raise QuickDoubt("the local header names another part")
        return info.header_offset + 30 + name_length + extra_length

    def _book(self, parts: list[_Member]) -> bytes:
        """The workbook calamine reads: ``parts``, and the sheet as packed (read in the child,
        within its limits)."""
        info = self.info
        sheet = os.pread(self.fd, info.compress_size, self._data_start())
        return _zip(
            [*parts, _Member(_SHEET_PART, sheet, info.compress_type, info.CRC, info.file_size)]
        )

    def _parts(self) -> list[_Member]:
        """The workbook calamine reads, but its sheet (which the child adds, as packed)."""
        xfs = "".join(
            '<xf numFmtId="46"/>' if index in self.date_styles else '<xf numFmtId="0"/>'
            for index in range(self.style_count)
        )
        main = f'xmlns="{_MAIN_URI.decode()}"'
        relationships = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
        parts = [
            ("[Content_Types].xml", _CONTENT_TYPES),
            ("_rels/.rels", _ROOT_RELATIONSHIPS),
            (
                "xl/workbook.xml",
                f'<workbook {main} xmlns:r="{relationships}"><sheets><sheet name="Sheet" '
                'sheetId="1" r:id="rId1"/></sheets></workbook>'.encode(),
            ),
            ("xl/_rels/workbook.xml.rels", _WORKBOOK_RELATIONSHIPS),
            (
                "xl/styles.xml",
                f'<styleSheet {main}><cellXfs count="{self.style_count}">{xfs}</cellXfs>'
                "</styleSheet>".encode(),
            ),
            ("xl/sharedStrings.xml", _shared_strings(self.strings, main)),
        ]
        return [
            _Member(name, data, zipfile.ZIP_STORED, zlib.crc32(data), len(data))
            for name, data in parts
        ]

    def _check_sheet(self, data_start: int) -> bool:
        """The sheet unpacked here, as zipfile would, to exactly what it declares, and looked
        through for what calamine and the streaming reader would read differently; whether no
        cell holds a comma or a line break."""
        check = _SheetCheck()
        size = crc = 0
        for piece in _unpacked(self.fd, self.info, data_start):
            size += len(piece)
            if size > self.info.file_size:
                raise QuickDoubt("the sheet unpacks to more than it declares")
            crc = zlib.crc32(piece, crc)
            check.feed(piece)
        if size != self.info.file_size or crc != self.info.CRC:
            raise QuickDoubt("the sheet is not what it declares")
        check.finish()
        strings = "\x00".join(self.strings)
        return not check.breaks and _LINE_BREAK.search(strings) is None and "," not in strings


class WorkbookQuick(Quick):
    """A workbook's Quick, which starts the quick reading when the fast path first asks."""

    def __init__(self, sheet: _QuickSheet, progress: Progress | None) -> None:
        self.sheet = sheet
        self.progress = progress

    @property
    def unquoted(self) -> bool:  # type: ignore[override]
        return self.sheet.plain()

    @property
    def records(self) -> Iterator[list[str]]:  # type: ignore[override]
        return self.sheet.records()

    @property
    def lines(self) -> Iterator[str]:  # type: ignore[override]
        return self.sheet.lines()

    def report(self) -> None:  # type: ignore[override]
        self.sheet.report(self.progress)

    def __repr__(self) -> str:
        return f"<quick reading of {self.sheet.info.filename}>"


def _frame_lines(text: str) -> list[str]:
    """A frame's rows as the lines of a CSV without quotes (no cell holds a comma)."""
    return (text.replace("\x00", ",").replace("\x01", "\n\x01") + "\n").split("\x01")


def _names(header: list[str]) -> list[str]:
    """A header as it places columns: names trimmed (calamine trims inline text), trailing
    blanks dropped."""
    names = [cell.strip() for cell in header]
    while names and not names[-1]:
        names.pop()
    return names


@dataclass
class _Member:
    name: str
    data: bytes  # as packed
    method: int
    crc: int
    size: int  # unpacked


def _zip(members: list[_Member]) -> bytes:
    """A zip of exactly these members, each as packed."""
    out: list[bytes] = []
    directory: list[bytes] = []
    offset = 0
    for member in members:
        name = member.name.encode()
        sizes = (member.crc, len(member.data), member.size, len(name))
        local = struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, member.method, 0, 0x21, *sizes, 0)
        central = struct.pack(
            "<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, member.method, 0, 0x21, *sizes, 0, 0, 0, 0,
            0, offset,
        )  # fmt: skip
        out += (local, name, member.data)
        directory += (central, name)
        offset += len(local) + len(name) + len(member.data)
    count, size = len(members), sum(map(len, directory))
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, count, count, size, offset, 0)
    return b"".join([*out, *directory, end])


_CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
    b'package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.'
    b'openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType='
    b'"application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.'
    b'openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/'
    b'worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
    b'spreadsheetml.worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType="application'
    b'/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/><Override PartName="/xl/'
    b'sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml'
    b'.sharedStrings+xml"/></Types>'
)
_ROOT_RELATIONSHIPS = (
    b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.'
    b'org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats'
    b'.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    b"</Relationships>"
)
_WORKBOOK_RELATIONSHIPS = (
    b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.'
    b'org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats'
    b'.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    b'<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'relationships/styles" Target="styles.xml"/><Relationship Id="rId3" Type="http://schemas.'
    b'openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
    b'Target="sharedStrings.xml"/></Relationships>'
)


def _shared_strings(strings: list[str], main: str) -> bytes:
    """The shared strings as calamine will read back exactly these texts: kept spaces, XML's
    escapes, a carriage return as a reference (XML would read a bare one as a line feed), and
    calamine's own escape for a text that looks like one of its escapes (_x00HH_)."""
    text = "\x00".join(strings)
    if text.count("\x00") != max(len(strings) - 1, 0):
        raise QuickDoubt("a shared string holds a NUL")
    for plain, escaped in (
        ("&", "&amp;"),
        ("<", "&lt;"),
        (">", "&gt;"),
        ("\r", "&#13;"),
        ("_x00", "_x005F_x00"),
    ):
        text = text.replace(plain, escaped)
    opening = '<si><t xml:space="preserve">'
    body = text.replace("\x00", "</t></si>" + opening)
    count = len(strings)
    head = f'<sst {main} count="{count}" uniqueCount="{count}">'
    items = opening + body + "</t></si>" if strings else ""
    return (head + items + "</sst>").encode()


def _unpacked(fd: int, info: zipfile.ZipInfo, data_start: int) -> Iterator[bytes]:
    """The part's bytes, unpacked a bounded piece at a time, to the end of its packed stream
    (which must end where the part declares it does)."""
    left, at = info.compress_size, data_start
    if info.compress_type == zipfile.ZIP_STORED:
        while left:
            piece = os.pread(fd, min(left, _QUICK_PIECE), at)
            if not piece:
                raise QuickDoubt("the sheet is cut short")
            left -= len(piece)
            at += len(piece)
            yield piece
        return
    inflater = zlib.decompressobj(-15)
    pending = b""
    while not inflater.eof:
        if not pending:
            if not left:
                raise QuickDoubt("the sheet's packed stream does not end")
            pending = os.pread(fd, min(left, _CHUNK), at)
            if not pending:
                raise QuickDoubt("the sheet is cut short")
            left -= len(pending)
            at += len(pending)
        piece = inflater.decompress(pending, _QUICK_PIECE)
        pending = inflater.unconsumed_tail
        if piece:
            yield piece


class _SheetCheck:
    """Looks through a sheet's XML, a piece at a time, for what calamine and the streaming
    reader would read differently (see above), and for commas and line breaks in its cells;
    each piece is cut after a row's end tag, so that nothing looked for lies across two."""

    def __init__(self) -> None:
        self.head = b""  # the sheet before its data
        self.data: bytearray | None = None  # of the sheet's data, not yet looked through
        self.done = False
        self.last_row = 0
        self.breaks = False  # a comma or a line break in the data

    def feed(self, piece: bytes) -> None:
        if self.done:
            return
        if self.data is None:
            self.head += piece
            start = self.head.find(b"<sheetData")
            if start < 0 or len(self.head) < start + 11:
                if len(self.head) > 1 << 20:
                    raise QuickDoubt("no sheetData")
                return
            if not self.head.startswith(b"<sheetData>", start):
                raise QuickDoubt("no plain sheetData")
            self._check_head(self.head[:start])
            self.data = bytearray(self.head[start + len(b"<sheetData>") :])
            self.head = b""
        else:
            self.data += piece
        end = self.data.find(b"</sheetData>")
        if end >= 0:
            self.done = True
            self._check(bytes(self.data[:end]))
            self.data.clear()
            return
        cut = self.data.rfind(b"</row>")
        if cut >= 0:
            self._check(bytes(self.data[: cut + 6]))
            del self.data[: cut + 6]
        if len(self.data) > _STALL_BYTES:  # a row that long: the streaming reader decides
            raise QuickDoubt("a long row")

    def finish(self) -> None:
        if not self.done:
            raise QuickDoubt("the sheet's data does not end")

    def _check_head(self, head: bytes) -> None:
        """UTF-8, the root a worksheet whose own namespace is SpreadsheetML's, no row before
        the data."""
        head = head.removeprefix(b"\xef\xbb\xbf")
        if head.startswith(b"<?xml"):
            declaration = head[: head.find(b"?>")]
            encoding = _ENCODING.search(declaration)
            if encoding is not None and encoding.group(1).lower() not in (b"utf-8", b"utf8"):
                raise QuickDoubt("not UTF-8")
        start = head.find(b"<worksheet")
        end = head.find(b">", start)
        root = head[start:end]
        if (
            start < 0
            or end < 0
            or head[:start].strip(b" \t\r\n").rsplit(b"?>", 1)[-1].strip(b" \t\r\n")
            or root[len(b"<worksheet") : len(b"<worksheet") + 1] not in b" \t\r\n"
            or b'xmlns="' + _MAIN_URI + b'"' not in root
            or _PREFIX_FOR_MAIN.search(root)
            or b"<row" in head
            or b"<!" in head
        ):
            raise QuickDoubt("not a plain worksheet")

    def _check(self, data: bytes) -> None:
        # Most sheets hold none of these bytes, which one pass finds: then what starts with one
        # of them, or is one of them, need not be looked for one by one.
        rare = len(data.translate(None, _RARE)) != len(data)
        if (
            b"_x00" in data
            or b"xmlns" in data
            or _INLINE_IN_PIECES.search(data)
            or (b"<t/>" in data and re.search(rb"<t/>(?!</is>)", data))
            or (
                (b'"e"' in data or b'"d"' in data)
                if not rare or b"'" not in data
                else _ERROR_OR_ISO_CELL.search(data)
            )
            or (
                rare
                and (
                    b"<!" in data
                    or b"&#" in data
                    or len(data.translate(None, _CONTROL)) != len(data)
                )
            )
        ):
            raise QuickDoubt("cells the readers would read differently")
        # The streaming reader's limits, where calamine sees nothing (a row or a cell without
        # a value): numbered rows in order and within the sheet's rows, columns within Excel's,
        # and no row so long that the streaming reader would find a tag too long.
        numbers = _ROW_NUMBER.findall(data)
        if len(numbers) != data.count(b"<row"):
            raise QuickDoubt("a row without a plain number")
        if numbers:
            rows = [self.last_row, *map(int, numbers)]
            if not all(map(int.__lt__, rows, rows[1:])) or rows[-1] > min(MAX_ROWS, MAX_SHEET_ROWS):
                raise QuickDoubt("rows out of order or too many")
            self.last_row = rows[-1]
        if _THREE_LETTERS.search(data) and _COLUMN_PAST_XFD.search(data):
            raise QuickDoubt("a column past Excel's")
        # (A row of more cells than MAX_COLUMNS is longer than 4 bytes, <c/>, a cell.)
        if len(data) > 4 * MAX_COLUMNS and (
            data.count(b"<c") > MAX_COLUMNS or len(data) > _STALL_BYTES
        ):
            for row in data.split(b"<row"):
                if len(row) > _STALL_BYTES or row.count(b"<c") > MAX_COLUMNS:
                    raise QuickDoubt("a long row")
        if not self.breaks:
            self.breaks = (rare and len(data.translate(None, b",\n\r")) != len(data)) or (
                not data.isascii()
                and (b"\xc2\x85" in data or b"\xe2\x80\xa8" in data or b"\xe2\x80\xa9" in data)
            )


def _quick_child(
    fd: int, resource: Any, load: Callable[[], Any], epoch: object, from_excel: Callable
) -> None:
    """The child: reads the workbook with calamine and writes its rows to ``fd`` in frames, the
    cells of a row joined by NUL and the rows of a frame by U+0001 (neither can be in XML text).
    Never returns: exits 0 when all is written, 3 at a doubt, or dies."""
    status = 3
    try:
        devnull = os.open(os.devnull, os.O_RDWR)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        _limit_child(resource)
        with os.fdopen(fd, "wb") as out:

            def write(frame: object) -> None:
                data = marshal.dumps(frame)
                out.write(struct.pack("<L", len(data)) + data)

            sheet = load().get_sheet_by_index(0)
            start, end = sheet.start, sheet.end
            if start is None or end is None or start[0] != 0:
                raise QuickDoubt("no header row")
            if end[0] >= min(MAX_ROWS, MAX_SHEET_ROWS) or end[1] >= MAX_COLUMNS:
                raise QuickDoubt("past the limits")
            width = end[1] + 1
            pad = "\x00" * start[1]
            blank = "\x00" * (end[1] - start[1])  # a row of empty cells, before its padding
            rows = sheet.iter_rows()
            header = _quick_cells([next(rows)], width, epoch, from_excel)[0]
            write((end[0] + 1, [""] * start[1] + header))
            number = 1
            while batch := list(islice(rows, 4096)):
                number += len(batch)
                joined = map("\x00".join, _quick_cells(batch, width, epoch, from_excel))
                texts = [pad + text for text in joined if text != blank]
                text = "\x01".join(texts)
                separators = len(texts) * (width - 1)
                if text.count("\x01") != max(len(texts) - 1, 0) or text.count("\x00") != separators:
                    raise QuickDoubt("a cell holds a NUL or U+0001")
                write((number, len(texts), text))
            out.write(struct.pack("<L", 0))
        status = 0
    finally:
        os._exit(status)


def _limit_child(resource: Any) -> None:
    """The child's limits: its address space may grow by QUICK_MEMORY_BYTES, and it may use
    QUICK_SECONDS of processor time."""
    with open("/proc/self/statm") as statm:
        size = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    for limit, value in (
        (resource.RLIMIT_AS, size + QUICK_MEMORY_BYTES),
        (resource.RLIMIT_CPU, QUICK_SECONDS),
    ):
        soft, hard = resource.getrlimit(limit)
        if soft != resource.RLIM_INFINITY:
            value = min(value, soft)
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        resource.setrlimit(limit, (value, hard))


def _quick_cells(
    rows: list[list[object]], width: int, epoch: object, from_excel: Callable
) -> list[list[str]]:
    """Rows from calamine as the text of what the streaming reader gives for each cell."""
    if not set(map(type, chain.from_iterable(rows))) <= {str}:
        rows = [
            [
                cell if cell.__class__ is str else _quick_text(cell, epoch, from_excel)
                for cell in row
            ]
            for row in rows
        ]
    longest = max(map(len, chain.from_iterable(rows)), default=0)
    if longest > MAX_CELL_CHARS or (
        longest * width > MAX_ROW_CHARS
        and max(map(sum, map(partial(map, len), rows))) > MAX_ROW_CHARS
    ):
        raise QuickDoubt("past the limits")
    return rows  # type: ignore[return-value]


def _quick_text(cell: object, epoch: object, from_excel: Callable) -> str:
    """The text of what the streaming reader gives for a cell calamine gives as ``cell``: the
    same number, yes/no, or date (a date style's number comes as a whole number of days)."""
    kind = cell.__class__
    if kind is float:
        if cell.is_integer():  # type: ignore[attr-defined]
            if abs(cell) < _EXACT_FLOAT:  # type: ignore[arg-type]
                return str(int(cell))  # type: ignore[call-overload]
        elif math.isfinite(cell):  # type: ignore[arg-type]
            return repr(cell)
    elif kind is bool:
        return "True" if cell else "False"
    elif kind is timedelta and not cell % _DAY:  # type: ignore[operator]
        days = cell // _DAY  # type: ignore[operator]
        try:
            return str(from_excel(days, epoch))
        except (OverflowError, ValueError):
            return "#VALUE!"  # as the streaming reader makes of a date out of range
    raise QuickDoubt(f"a cell of {kind.__name__}")
