"""The quick reading of a workbook's sheet: python-calamine, in a bounded child process."""

from __future__ import annotations

import io
import marshal
import os
import select
import signal
import struct
import sys
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from contextlib import suppress
from typing import IO

from oversight.extracts.limits import Progress, Quick, QuickDoubt
from oversight.extracts.xlsx_calamine import quick_child, workbook, workbook_parts
from oversight.extracts.xlsx_parts import Parts
from oversight.extracts.xlsx_sheet_check import check_sheet

# --- XLSX: the quick reading -----------------------------------------------------------------
#
# Read by the streaming reader (oversight.xlsx), a workbook of 100,000 case rows took 4.8 times
# as long to import as the same rows as CSV. python-calamine reads a sheet in Rust, and gives a
# workbook what a plain CSV has: a Quick, the cells of its data rows as text, for the fast path
# of an import (oversight.bulk). The rows themselves, and so every line and column a problem is
# named by, stay the streaming reader's: it decides whenever the fast path doubts.
#
# calamine is not bounded as the streaming reader is. It loads a sheet whole, as one grid from
# its top left filled cell to its bottom right one: a sheet of 5 KB holding A1 and XFD1048576
# asks for 17 billion cells (550 GB) and the process dies ("memory allocation failed", SIGABRT)
# with no sentence; A1 and Z1000000 alone take 830 MB. No limit on the sheet's size can stop
# that, so calamine never runs in oversight's own process:
#
# - Only after every check of the streaming reader's: the zip's table of contents and what each
#   part declares, the workbook described by openpyxl, the shared strings read within bounds,
#   the header row.
# - Only for a sheet declaring at most QUICK_MAX_SHEET_BYTES and shared strings of at most
#   QUICK_MAX_STRINGS_BYTES, with no style openpyxl takes for a duration, on Linux (where a
#   limit on a process's memory holds), in a process with no other thread (a fork copies none);
#   any other workbook takes the exact path.
# - In a forked child, whose memory may grow by QUICK_MEMORY_BYTES and which may use
#   QUICK_SECONDS of processor time (and is waited for as long): past either it dies, the fast
#   path doubts, and the streaming reader refuses or reads the file as it always has. What the
#   child prints goes nowhere.
# - calamine reads a workbook made for it (xlsx_calamine), not the file: the sheet's
#   packed bytes as they are, the shared strings written back from the streaming reader's own
#   reading of them (so each is the same text), and styles that mark as a duration exactly the
#   styles openpyxl takes for dates. So calamine gives the number of each such cell as a
#   duration, which the child turns into a date with openpyxl's own function, as the streaming
#   reader does (a date with a time of day is a doubt).
# - Meanwhile this process unpacks the sheet, checks that it unpacks to exactly what it declares,
#   and looks for what the two readers read differently (xlsx_sheet_check). Any of
#   it, a header that differs, a cell the child cannot give as the very text the streaming
#   reader gives, or a child that fails, and the fast path doubts.
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


def quick_reading(
    raw: IO[bytes],
    parts: Parts,
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
            parts = workbook_parts(self.strings, self.date_styles, self.style_count)
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
                    quick_child(
                        write_end,
                        (QUICK_MEMORY_BYTES, QUICK_SECONDS),
                        resource,
                        lambda: CalamineWorkbook.from_filelike(
                            io.BytesIO(workbook(parts, self.fd, self.info, data_start))
                        ),
                        self.epoch,
                        from_excel,
                    )
                finally:
                    os._exit(3)
            os.close(write_end)
            self.pipe = read_end
            # Checked here, while the child reads it.
            self.flat = check_sheet(self.fd, self.info, data_start, self.strings)
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
