"""The fast path of an import for a kind whose rows are all distinct (hospital attendances: each
its own minute of arrival), read a column at a time.

Numbering each distinct rest of a row (:mod:`oversight.importing.halves`) pays only when rests
repeat. Here a batch of lines of a CSV without quotes is split at its commas in C (its line
ends made commas, one split, each column a slice of the cells), each column is parsed by its
own ``parse`` (:class:`ColumnReader`: each distinct cell once, or many at once by
``parse_many``), the rule across columns is vouched for a column at a time, and the rows go
into the staging table the exact path fills, as they are. The merge is then the exact path's.

At the first doubt (a line of another width, a blank line but at the end, a cell refused, a
rule broken, a key blank or given twice, a quoted file) it gives up and the exact path
decides, as on the other fast path: what is stored and what is refused is always what that
path decides. A workbook takes the exact path: a department's month is thousands of rows, not
millions.
"""

from __future__ import annotations

import sqlite3
from datetime import date
from itertools import repeat

from oversight.extracts.limits import Extract
from oversight.importing.bulk import batches, no_cycle_collection
from oversight.importing.columns import ColumnReader
from oversight.importing.halves import Doubt
from oversight.importing.kind import Kind

# Keys held in memory to find one given twice (an emergency department's month is thousands of
# rows): past this the file goes to the exact path, whose staging table is keyed.
MAX_KEYS = 1_000_000


def stage_columns(
    conn: sqlite3.Connection,
    kind: Kind,
    staging: str,
    extract: Extract,
    positions: list[int | None],
    as_of: date,
) -> int | None:
    """``FastPath.BY_COLUMNS``, a :class:`~oversight.importing.kind.Stage`: the rows go into
    ``staging`` itself, as the exact path's do."""
    quick = extract.quick
    if quick is None or not quick.unquoted or extract.format != "CSV" or len(kind.key) != 1:
        return None
    width, names = len(extract.header), list(kind.names)
    key_at = names.index(kind.key[0])
    reader = ColumnReader(kind, as_of)
    keys: set[object] = set()
    insert = f"INSERT INTO {staging} VALUES ({', '.join('?' * (len(names) + 1))})"
    rows = 0
    first_line = 2  # each row is a line, after the header's (blank lines only at the end)
    ended = False  # blank lines were read, which end the file or are a doubt
    conn.execute("BEGIN")  # of the TEMP database only: the store file is not touched
    try:
        # Its keys are kept unique here, in memory: the table need not be keyed (rolled back
        # to the keyed one for the exact path).
        conn.execute(f"DROP TABLE {staging}")
        conn.execute(f"CREATE TABLE {staging} (line INTEGER NOT NULL, {', '.join(names)})")
        with no_cycle_collection():  # millions of strings, none in a cycle
            for lines in batches(quick.lines, len):
                lines, blank_end = without_blank_end(lines)
                if lines and ended:
                    raise Doubt  # a row after blank lines: the exact path numbers its line
                ended = ended or blank_end
                if not lines:
                    continue
                cells = split_lines(lines, width)
                if cells is None:
                    raise Doubt
                count = len(cells[0])
                given = [cells[p] if p is not None else [None] * count for p in positions]
                parsed = reader.parse(given, kind.columns)
                stored = None if parsed is None else reader.rule(names, *parsed)
                if stored is None:
                    raise Doubt  # a cell refused or a rule broken: the exact path names it
                keys.update(stored[key_at])
                if len(keys) != rows + count or len(keys) > MAX_KEYS:
                    raise Doubt  # a key given twice, or too many keys to hold
                lines_read = range(first_line + rows, first_line + rows + count)
                batch = list(zip(lines_read, *stored, strict=True))
                # In this thread: binding the cells holds the GIL, so a thread of its own only
                # slows the reading down (measured).
                conn.executemany(insert, batch)
                rows += count
                quick.report()
        conn.execute("COMMIT")
    except (Doubt, UnicodeDecodeError):
        conn.execute("ROLLBACK")  # the keyed, empty staging table is back
        return None
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return rows


def without_blank_end(lines: list[str]) -> tuple[list[str], bool]:
    """The lines but the blank ones that end them (as many exports end: no rows), and whether
    there were any."""
    end = len(lines)
    while end and not lines[end - 1].strip():
        end -= 1
    return (lines, False) if end == len(lines) else (lines[:end], True)


def split_lines(lines: list[str], width: int) -> list[list[str]] | None:
    """The cells of lines without quotes (each ending in its line end but perhaps the file's
    last) as ``width`` columns; None when a line has other than ``width`` cells (a blank line
    has one), which the exact path reads as it reads them."""
    if set(map(str.count, lines, repeat(","))) != {width - 1}:
        return None
    text = "".join(lines)
    if "\r" in text:  # in a file without quotes, only in a line end
        text = text.replace("\r\n", "\n")
    cells = text.removesuffix("\n").replace("\n", ",").split(",")
    return [cells[at::width] for at in range(width)]
