"""The quick reading's check of a workbook's sheet, made in oversight's own process while the
child reads it (:mod:`~oversight.extracts.xlsx_quick`): that the sheet unpacks to exactly what
it declares, and holds nothing calamine and the streaming reader would read differently.

What is looked for: character references, _x00HH_ escapes, comments and CDATA, control
characters, error and ISO-date cells, inline text in several runs, namespaces declared in the
sheet's data, rows out of order or numbered otherwise, and what only the streaming reader's
limits see (empty cells past XFD or past 16,384 in a row, empty rows past the last a sheet may
have). Any of it is a :class:`QuickDoubt`, and the exact path reads the file.
"""

from __future__ import annotations

import os
import re
import zipfile
import zlib
from collections.abc import Iterator

from oversight.extracts.limits import (
    CHUNK_BYTES,
    MAX_COLUMNS,
    MAX_ROWS,
    MAX_SHEET_ROWS,
    STALL_BYTES,
    QuickDoubt,
)
from oversight.extracts.xlsx_parts import SPREADSHEETML

_PIECE = 1 << 15  # of the sheet unpacked and looked through at a time: most hold whole rows
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
_MAIN_URI = SPREADSHEETML.encode()
_PREFIX_FOR_MAIN = re.compile(rb"xmlns:[^=\s]+\s*=\s*[\"']" + re.escape(_MAIN_URI))


def check_sheet(fd: int, info: zipfile.ZipInfo, data_start: int, strings: list[str]) -> bool:
    """The sheet, whose packed bytes start at ``data_start`` in ``fd``, unpacked here as zipfile
    would, to exactly what it declares, and looked through for what calamine and the streaming
    reader would read differently (a :class:`QuickDoubt`); whether no cell, nor any of the
    shared ``strings``, holds a comma or a line break."""
    check = _SheetCheck()
    size = crc = 0
    for piece in _unpacked(fd, info, data_start):
        size += len(piece)
        if size > info.file_size:
            raise QuickDoubt("the sheet unpacks to more than it declares")
        crc = zlib.crc32(piece, crc)
        check.feed(piece)
    if size != info.file_size or crc != info.CRC:
        raise QuickDoubt("the sheet is not what it declares")
    check.finish()
    text = "\x00".join(strings)
    return not check.breaks and _LINE_BREAK.search(text) is None and "," not in text


def _unpacked(fd: int, info: zipfile.ZipInfo, data_start: int) -> Iterator[bytes]:
    """The part's bytes, unpacked a bounded piece at a time, to the end of its packed stream
    (which must end where the part declares it does)."""
    left, at = info.compress_size, data_start
    if info.compress_type == zipfile.ZIP_STORED:
        while left:
            piece = os.pread(fd, min(left, _PIECE), at)
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
            pending = os.pread(fd, min(left, CHUNK_BYTES), at)
            if not pending:
                raise QuickDoubt("the sheet is cut short")
            left -= len(pending)
            at += len(pending)
        piece = inflater.decompress(pending, _PIECE)
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
        if len(self.data) > STALL_BYTES:  # a row that long: the streaming reader decides
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
            data.count(b"<c") > MAX_COLUMNS or len(data) > STALL_BYTES
        ):
            for row in data.split(b"<row"):
                if len(row) > STALL_BYTES or row.count(b"<c") > MAX_COLUMNS:
                    raise QuickDoubt("a long row")
        if not self.breaks:
            self.breaks = (rare and len(data.translate(None, b",\n\r")) != len(data)) or (
                not data.isascii()
                and (b"\xc2\x85" in data or b"\xe2\x80\xa8" in data or b"\xe2\x80\xa9" in data)
            )
