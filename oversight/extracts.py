"""Streaming the rows of a CSV or XLSX extract, each with the line number a person would see.

Nothing here loads a whole file into memory: rows are read one at a time, so an extract of
millions of rows costs the same memory as one of ten.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from oversight.errors import UserError
from oversight.values import is_blank

Progress = Callable[[float], None]

_MAGIC_XLSX = b"PK\x03\x04"
_MAGIC_XLS = b"\xd0\xcf\x11\xe0"
_MAGIC_PDF = b"%PDF"

csv.field_size_limit(1 << 20)


@dataclass
class Extract:
    """An open extract: its header cells, then ``(line number, cells)`` for each data row."""

    name: str
    kind: str  # "CSV" or "XLSX"
    header: list[str]
    rows: Iterator[tuple[int, tuple[object, ...]]]
    unit: str = "line"  # what a line number is called in this kind of file


@contextmanager
def open_extract(
    path: Path, sheet: str | None = None, progress: Progress | None = None
) -> Iterator[Extract]:
    path = Path(path)
    name = path.name
    if not path.exists():
        raise UserError(f"{path} does not exist.")
    if not path.is_file():
        raise UserError(f"{path} is not a file.")
    with path.open("rb") as raw:
        head = raw.read(4096)
        if not head:
            raise UserError(f"{name} is empty: there is no header and no data.")
        if head.startswith(_MAGIC_XLSX):
            raw.close()
            with _open_workbook(path, sheet, progress) as extract:
                yield extract
            return
        if head.startswith(_MAGIC_XLS):
            raise UserError(f"{name} is an old-style .xls workbook: save it as .xlsx or CSV.")
        if head.startswith(_MAGIC_PDF) or b"\x00" in head:
            raise UserError(f"{name} is not a CSV or XLSX extract.")
        if sheet is not None:
            raise UserError(f"{name} is a CSV file: --sheet applies only to XLSX workbooks.")
        raw.seek(0)
        yield _read_csv(raw, name, path.stat().st_size, progress)


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


def _read_csv(raw: IO[bytes], name: str, size: int, progress: Progress | None) -> Extract:
    counter = _CountingReader(raw)
    text = io.TextIOWrapper(io.BufferedReader(counter, 1 << 16), encoding="utf-8-sig", newline="")
    reader = csv.reader(text)
    header = _next_csv_record(reader, name, raw)
    if header is None or all(is_blank(cell) for cell in header):
        raise UserError(f"{name} has no header row on line 1.")

    def rows() -> Iterator[tuple[int, tuple[object, ...]]]:
        start = reader.line_num + 1
        while (record := _next_csv_record(reader, name, raw)) is not None:
            if any(cell.strip() for cell in record):
                yield start, tuple(record)
            start = reader.line_num + 1
            if progress is not None and start % 8192 == 0:
                progress(min(counter.count / size, 1.0))
        if progress is not None:
            progress(1.0)

    return Extract(name=name, kind="CSV", header=header, rows=rows())


def _next_csv_record(reader: csv.Reader, name: str, raw: IO[bytes]) -> list[str] | None:
    try:
        return next(reader)
    except StopIteration:
        return None
    except UnicodeDecodeError:
        raise UserError(
            f"{name} is not UTF-8 text (line {_first_non_utf8_line(raw)}): "
            'save it from Excel as "CSV UTF-8".'
        ) from None
    except csv.Error as error:
        raise UserError(f"{name}, line {reader.line_num}: {error}.") from None


def _first_non_utf8_line(raw: IO[bytes]) -> int:
    """The line of the first byte that is not UTF-8: the text reader decodes ahead of the CSV
    reader, so the CSV reader's line number can be thousands of lines short of it."""
    raw.seek(0)
    number = 0
    for number, line in enumerate(raw, start=1):  # noqa: B007
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            break
    return number


@contextmanager
def _open_workbook(path: Path, sheet: str | None, progress: Progress | None) -> Iterator[Extract]:
    import zipfile

    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError):
        raise UserError(f"{path.name} is not a readable XLSX workbook.") from None
    try:
        if sheet is None:
            worksheet = book.worksheets[0]
        elif sheet in book.sheetnames:
            worksheet = book[sheet]
        else:
            names = ", ".join(f'"{n}"' for n in book.sheetnames)
            raise UserError(f'{path.name} has no sheet "{sheet}" (it has {names}).')
        total = worksheet.max_row or 0
        # Read-only mode trusts the size the sheet claims, and some exporters claim too small
        # a size (A1:A1): without this, the rows past it would be silently left out.
        worksheet.reset_dimensions()
        cells = worksheet.iter_rows(values_only=True)
        header_row = next(cells, None)
        if header_row is None or all(is_blank(cell) for cell in header_row):
            raise UserError(f"{path.name} has no header row on row 1 of its sheet.")
        header = ["" if cell is None else str(cell) for cell in header_row]

        def rows() -> Iterator[tuple[int, tuple[object, ...]]]:
            for number, row in enumerate(cells, start=2):
                if not all(is_blank(cell) for cell in row):
                    yield number, tuple("" if cell is None else cell for cell in row)
                if progress is not None and total and number % 8192 == 0:
                    progress(min(number / total, 1.0))
            if progress is not None:
                progress(1.0)

        yield Extract(name=path.name, kind="XLSX", header=header, rows=rows(), unit="row")
    finally:
        book.close()
