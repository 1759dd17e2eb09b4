"""Streaming the rows of an XLSX workbook's sheet, within the limits of
:mod:`~oversight.extracts.limits`.

A workbook is a zip of XML parts: its directory and every part are checked against the limits
before anything is parsed, and the sheet is read by expat (through defusedxml's guards) one tag
at a time, so a sheet of a million rows costs the memory of one. The quick reading of the same
sheet, for the fast path of an import, is :mod:`~oversight.extracts.xlsx_quick`'s.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Protocol

from oversight.errors import UserError
from oversight.extracts.limits import (
    CHUNK_BYTES,
    MAX_CELL_CHARS,
    MAX_COLUMNS,
    MAX_ROW_CHARS,
    MAX_ROWS,
    MAX_SHARED_STRINGS_BYTES,
    MAX_SHEET_ROWS,
    STALL_BYTES,
    Extract,
    Progress,
    byte_count,
    sha256_of,
)
from oversight.extracts.xlsx_parts import (
    SPREADSHEETML,
    Parts,
    check_parts,
    reading,
    too_many_strings,
)
from oversight.extracts.xlsx_quick import WorkbookQuick, quick_reading
from oversight.values import is_blank

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
#   64 KiB pieces, each inflated no further than that (Parts).
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


@contextmanager
def open_workbook(
    raw: IO[bytes], name: str, sheet: str | None, progress: Progress | None
) -> Iterator[Extract]:
    import openpyxl.xml

    if not openpyxl.xml.DEFUSEDXML:
        raise UserError(
            f"{name} was not read: openpyxl cannot use defusedxml here (is OPENPYXL_DEFUSEDXML "
            "set?), and without it a workbook cannot be read safely."
        )
    parts = quick = None
    try:
        with reading(name, None):
            parts = Parts(raw, name)
        check_parts(parts, name)
        sha256 = sha256_of(raw)
        with reading(name, parts):
            worksheet, strings_part, styles = _describe(raw, parts, name, sheet)
            strings: list[str] = []
            if strings_part is not None:
                info = parts.getinfo(strings_part)
                if info.file_size > MAX_SHARED_STRINGS_BYTES:
                    too_many_strings(name, info)
                target = _SharedStrings(name)
                for _ in _feed(parts, strings_part, target):
                    pass
                strings = target.strings
            reader = _Sheet(name, strings, *styles[:3])
            rows = _sheet_rows(parts, worksheet, reader, progress)
            first = next(rows, None)
        if first is None or first[0] != 1 or all(is_blank(cell) for cell in first[1]):
            raise UserError(f"{name} has no header row on row 1 of its sheet.")
        header = ["" if cell is None else str(cell) for cell in first[1]]
        quick = quick_reading(raw, parts, worksheet, strings_part, strings, styles, header)

        def data_rows() -> Iterator[tuple[int, tuple[object, ...]]]:
            with reading(name, parts):
                for number, row in rows:
                    if not all(is_blank(cell) for cell in row):
                        yield number, tuple("" if cell is None else cell for cell in row)
            if progress is not None:
                progress(1.0)

        extract = Extract(
            name=name,
            format="XLSX",
            header=header,
            rows=data_rows(),
            unit="row",
            sha256=sha256,
            quick=None if quick is None else WorkbookQuick(quick, progress),
        )
        yield extract
    finally:
        if quick is not None:
            quick.close()
        if parts is not None:
            parts.close()


def _describe(
    raw: IO[bytes], parts: Parts, name: str, sheet: str | None
) -> tuple[str, str | None, tuple[set[int], set[int], object, int]]:
    """Through openpyxl: the part holding the sheet, the shared-strings part, and the styles
    that make a number a date (with the workbook's epoch, and how many styles there are)."""
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
    styles = (set(wb._date_formats), set(wb._timedelta_formats), wb.epoch, len(wb._cell_styles))
    return worksheet, strings.PartName[1:] if strings is not None else None, styles


class _Target(Protocol):
    seen: int

    def start(self, tag: str, attrib: dict[str, str]) -> None: ...

    def end(self, tag: str) -> None: ...

    def data(self, text: str) -> None: ...

    def close(self) -> None: ...


def _feed(
    parts: Parts, part: str, target: _Target, progress: Progress | None = None
) -> Iterator[None]:
    """Parse ``part`` into ``target``'s callbacks, 64 KiB at a time, pausing after each piece.

    defusedxml's parser, with no document type allowed: no part of a workbook has one, and
    without one there are no entities, expanding or external. The parser holds an unfinished
    tag whole: one that goes on for more than STALL_BYTES is refused.
    """
    from defusedxml.ElementTree import DefusedXMLParser

    parser = DefusedXMLParser(target=target, forbid_dtd=True)
    # The target takes expat's own calls for tags, without the Python layer ElementTree's parser
    # puts between (a call per tag and per attribute name: most of the time a sheet took):
    # a tag comes as "namespace}name", its attributes as a dict. defusedxml's handlers stay.
    expat = parser.parser
    expat.ordered_attributes = False
    expat.StartElementHandler = target.start
    expat.EndElementHandler = target.end
    size = parts.getinfo(part).file_size or 1
    fed = stalled = 0
    seen = -1
    with parts.open(part) as stream:
        while chunk := stream.read(CHUNK_BYTES):
            parser.feed(chunk)
            fed += len(chunk)
            if target.seen != seen:
                seen, stalled = target.seen, 0
            else:
                stalled += len(chunk)
                if stalled > STALL_BYTES:
                    raise UserError(
                        f"{parts.shown} was refused: its part {part} has a tag longer than "
                        f"{byte_count(STALL_BYTES)}, which no workbook has."
                    )
            if progress is not None:
                progress(min(fed / size, 1.0))
            yield
        parser.close()


_MAIN = SPREADSHEETML + "}"  # as expat names it
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
    parts: Parts, part: str, reader: _Sheet, progress: Progress | None
) -> Iterator[tuple[int, tuple[object, ...]]]:
    for _ in _feed(parts, part, reader, progress):
        yield from reader.ready
        reader.ready.clear()
        if reader.done:
            return
