"""Reading a CSV extract row by row, each row with the line number a person would see."""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from oversight.errors import UserError
from oversight.extracts import limits
from oversight.extracts.limits import Extract, Look, Progress, Quick
from oversight.values import is_blank

# A CSV cell can be no longer than its row; the row is bounded first (see _lines).
csv.field_size_limit(limits.MAX_ROW_CHARS)


@dataclass(frozen=True)
class _Scan:
    """What one pass over a file's bytes found, besides its checksum."""

    sha256: str
    plain: bool  # each row is one line: no NUL, no line ending inside quotes, few and short lines
    longest_line: int  # in bytes, at least as many as its characters
    unquoted: bool  # no quote, no carriage return but before a line feed, no unit separator
    may_hold: bool | None  # what the look found (None: no look): see Extract.may_hold


# A line with an odd number of quotes: a quoted cell goes on past its end (or a stray quote).
_ODD_QUOTES = re.compile(rb'^[^"\n]*(?:"[^"\n]*"[^"\n]*)*"[^"\n]*$', re.MULTILINE)


def _scan(raw: IO[bytes], look: Look | None = None) -> _Scan:
    """The checksum, and whether a CSV is plain: then each row is one line, bounded in length,
    and the csv module may read the text directly (the checked reader is for the rest). Each
    piece of whole lines of a plain CSV is given to ``look`` as it is hashed, until it finds
    something (a CSV not plain, it may hold anything)."""
    digest = hashlib.sha256()
    lines = longest = 0
    plain = unquoted = True
    found = False
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
            plain = not odd and lines < limits.MAX_ROWS and longest <= limits.MAX_ROW_CHARS
            unquoted = unquoted and b'"' not in whole and b"\x1f" not in whole
            # ``whole`` ends just before a line feed (but at the file's end): a carriage return
            # there comes before one.
            before_feed = whole.count(b"\r\n") + (bool(chunk) and whole.endswith(b"\r"))
            unquoted = unquoted and whole.count(b"\r") == before_feed
            if look is not None and plain and not found:
                found = look(whole)
        if len(carry) > limits.MAX_ROW_CHARS:
            plain = False
        if not chunk:
            break
    raw.seek(0)
    may_hold = None if look is None else found or not plain
    return _Scan(digest.hexdigest(), plain, longest, plain and unquoted, may_hold)


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
    while line := readline(limits.MAX_ROW_CHARS + 1):
        number += 1
        row.chars += len(line)
        if (
            row.chars - row.before > limits.MAX_ROW_CHARS
            or "\x00" in line
            or number > limits.MAX_ROWS
        ):
            if "\x00" in line:
                raise UserError(f"{name} has a NUL byte on line {number}: it is not text.")
            if number > limits.MAX_ROWS:
                raise UserError(
                    f"{name} has more than {limits.MAX_ROWS:,} lines, the most an extract may have."
                )
            raise UserError(
                f"{name}, line {row.first}: the row is longer than {limits.MAX_ROW_CHARS:,} "
                "characters, the most a row may have."
            )
        yield line


# The separators a header line may use, as Excel saves "CSV" (commas; semicolons where the
# decimal mark is a comma, as in much of Europe) or "Text (Tab delimited)".
SEPARATORS = {",": "commas", ";": "semicolons", "\t": "tabs"}


def separator(raw: IO[bytes], name: str) -> str:
    """The separator the header line (line 1) uses: the one of SEPARATORS that splits it into
    more than one name (a comma when none does: one column). Two that do make it unclear which
    separates the columns, which is said rather than guessed."""
    raw.seek(0)
    line = raw.readline(limits.MAX_ROW_CHARS + 1).decode("utf-8-sig", errors="replace")
    raw.seek(0)
    line = line.rstrip("\r\n")
    splitting = [s for s in SEPARATORS if len(next(csv.reader([line], delimiter=s), [])) > 1]
    if len(splitting) > 1:
        both = " and ".join(SEPARATORS[s] for s in splitting)
        raise UserError(
            f"{name}, line 1: the header has both {both} between its names, so which one "
            "separates the columns is unclear: save the file with one separator (commas, "
            "semicolons or tabs)."
        )
    return splitting[0] if splitting else ","


def read_csv(
    raw: IO[bytes], name: str, progress: Progress | None, look: Look | None = None
) -> Extract:
    """The rows of the CSV open at ``raw``, scanned first for its checksum and shape (and by
    ``look``); its columns separated by commas, semicolons or tabs, as its header line shows."""
    scan = _scan(raw, look)
    delimiter = separator(raw, name)
    size = os.fstat(raw.fileno()).st_size
    counter = _CountingReader(raw)
    text = io.TextIOWrapper(io.BufferedReader(counter, 1 << 16), encoding="utf-8-sig", newline="")
    row = _Row()
    # A plain file's rows are its lines, already bounded: the csv module reads the text itself.
    # Any other is read through the checked lines, which bound a row over several lines.
    reader = csv.reader(text if scan.plain else _lines(text, name, row), delimiter=delimiter)
    # In a plain file no cell can be too long unless a line is: then every row is measured.
    row.measure_all = scan.plain and scan.longest_line > limits.MAX_CELL_CHARS
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
    # The fast path splits lines at commas: any other separator takes the exact path.
    short = scan.longest_line < min(limits.MAX_CELL_CHARS, limits.MAX_COLUMNS)
    if scan.plain and short and delimiter == ",":
        quick = Quick(csv.reader(text), text, scan.unquoted, report)
    note = "" if delimiter == "," else f"read with {SEPARATORS[delimiter]} between the columns"
    return Extract(
        name=name,
        format="CSV",
        header=header,
        rows=rows(),
        sha256=scan.sha256,
        quick=quick,
        note=note,
        may_hold=scan.may_hold,
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
    if len(record) > limits.MAX_COLUMNS:
        raise UserError(
            f"{name}, line {row.first}: the row has {len(record):,} cells, more than the "
            f"{limits.MAX_COLUMNS:,} a row may have."
        )
    # Else no cell is too long.
    if row.measure_all or row.chars - row.before > limits.MAX_CELL_CHARS:
        for column, cell in enumerate(record, start=1):
            if len(cell) > limits.MAX_CELL_CHARS:
                raise UserError(
                    f"{name}, line {row.first}: cell {column} is longer than "
                    f"{limits.MAX_CELL_CHARS:,} characters, the most a cell may have."
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
