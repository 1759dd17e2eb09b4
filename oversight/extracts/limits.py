"""The limits and shared types of reading an extract: the floor every reader stands on.

An extract is a stranger's file, and may be hostile. Everything read from it is bounded by the
limits below, in time and in memory, whatever the file holds; and every way a file can be wrong
or hostile is one sentence (a ``UserError``) naming the file and what, and where, is wrong with
it. Every reader (:mod:`~oversight.extracts.delimited`, :mod:`~oversight.extracts.xlsx` and
the quick reading of a workbook) imports this module, and it imports none of them.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO

Progress = Callable[[float], None]  # told how far the reading has got, from 0 to 1
# A look for something (a patient identifier: oversight.extracts.identifiers) in a CSV's bytes,
# as they are read for the checksum: given whole lines of them, False only when no cell of
# those lines can hold it.
Look = Callable[[bytes], bool]

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
    # How it was read, when that is worth saying: "read with semicolons between the columns".
    note: str = ""
    # What the look it was opened with found (``open_extract``'s ``look``): False only when it
    # was given every line of a plain CSV, the very bytes of ``sha256``, and found that no cell
    # can hold what it looks for. None: not looked at (no look, or a workbook).
    may_hold: bool | None = None


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


def sha256_of(raw: IO[bytes]) -> str:
    """The file's checksum, read through the open descriptor (which is then rewound); a
    workbook needs no more (a CSV is scanned for more as it is hashed: :func:`_scan`)."""
    digest = hashlib.sha256()
    raw.seek(0)
    while chunk := raw.read(1 << 20):
        digest.update(chunk)
    raw.seek(0)
    return digest.hexdigest()


def byte_count(count: int) -> str:
    for unit, shift in (("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if count >= 1 << shift:
            whole, rest = divmod(count, 1 << shift)
            return f"{whole:,} {unit}" if not rest else f"{count / (1 << shift):,.2f} {unit}"
    return f"{count:,} bytes"
