"""The child process of the quick reading of a workbook (:mod:`~oversight.extracts.xlsx_quick`): the
workbook python-calamine reads, made here from the sheet's packed bytes, and the rows it writes
back to oversight's process, each cell as the text the streaming reader gives for it."""

from __future__ import annotations

import marshal
import math
import os
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from itertools import chain, islice
from typing import Any

from oversight.extracts.limits import (
    MAX_CELL_CHARS,
    MAX_COLUMNS,
    MAX_ROW_CHARS,
    MAX_ROWS,
    MAX_SHEET_ROWS,
    QuickDoubt,
)
from oversight.extracts.xlsx_parts import SPREADSHEETML

_SHEET_PART = "xl/worksheets/sheet1.xml"  # in the workbook made for calamine
_DAY = timedelta(days=1)
_EXACT_FLOAT = 2.0**53  # past it, calamine's number (a float) may differ from the text's integer


def workbook_parts(strings: list[str], date_styles: set[int], style_count: int) -> list[Member]:
    """The workbook calamine reads, but its sheet (which the child adds, as packed): the shared
    strings as the streaming reader read them, and styles that mark as a duration exactly the
    styles openpyxl takes for dates."""
    xfs = "".join(
        '<xf numFmtId="46"/>' if index in date_styles else '<xf numFmtId="0"/>'
        for index in range(style_count)
    )
    main = f'xmlns="{SPREADSHEETML}"'
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
            f'<styleSheet {main}><cellXfs count="{style_count}">{xfs}</cellXfs>'
            "</styleSheet>".encode(),
        ),
        ("xl/sharedStrings.xml", _shared_strings(strings, main)),
    ]
    return [
        Member(name, data, zipfile.ZIP_STORED, zlib.crc32(data), len(data)) for name, data in parts
    ]


def workbook(parts: list[Member], fd: int, info: zipfile.ZipInfo, data_start: int) -> bytes:
    """The workbook calamine reads: ``parts``, and the sheet ``info`` names as packed, from
    ``data_start`` in ``fd`` (read in the child, within its limits)."""
    sheet = os.pread(fd, info.compress_size, data_start)
    return _zip([*parts, Member(_SHEET_PART, sheet, info.compress_type, info.CRC, info.file_size)])


@dataclass
class Member:
    """A part of the workbook made for calamine, as it goes into the zip."""

    name: str
    data: bytes  # as packed
    method: int
    crc: int
    size: int  # unpacked


def _zip(members: list[Member]) -> bytes:
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


def quick_child(
    fd: int,
    limits: tuple[int, float],
    resource: Any,
    load: Callable[[], Any],
    epoch: object,
    from_excel: Callable,
) -> None:
    """The child: reads the workbook with calamine and writes its rows to ``fd`` in frames, the
    cells of a row joined by NUL and the rows of a frame by U+0001 (neither can be in XML text).
    ``limits`` are how far its memory may grow and its processor time (see :func:`_limit_child`).
    Never returns: exits 0 when all is written, 3 at a doubt, or dies."""
    status = 3
    try:
        devnull = os.open(os.devnull, os.O_RDWR)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        _limit_child(resource, *limits)
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


def _limit_child(resource: Any, memory: int, seconds: float) -> None:
    """The child's limits: its address space may grow by ``memory`` bytes, and it may use
    ``seconds`` of processor time."""
    with open("/proc/self/statm") as statm:
        size = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    for limit, value in (
        (resource.RLIMIT_AS, size + memory),
        (resource.RLIMIT_CPU, math.ceil(seconds)),
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
