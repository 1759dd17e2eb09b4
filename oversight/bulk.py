"""Validating a big extract set-wise: the fast path of an import.

A weekly case extract has millions of rows but far fewer distinct *rests of a row*: everything
but the incident reference repeats (a few hundred dates, a handful of labels and yes/no). So
each row goes into a TEMP table as two cells, its key and the rest of its line (for a file
without quotes, split by the csv-free ``str.partition`` with no Python code per row); each
distinct rest is then parsed and checked once, by the very functions and rules the row-by-row
path applies (``Column.parse``, ``Kind.check``); and the parsed rests are joined back to the
keys in SQL, which also refuses a key given twice.

The fast path only vouches for a file it finds wholly valid. At the first doubt (a problem, a
key given twice, a cell whose edges ``str.strip`` might see otherwise, a row of another width,
too many distinct rests) it gives up and the import takes the exact path, which reads the file
row by row and names every problem by line and column. So what is stored, and what is refused,
is always what the exact path decides; the fast path only gets there sooner.
"""

from __future__ import annotations

import csv
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from itertools import islice
from operator import methodcaller

from oversight.extracts import Extract
from oversight.kinds import Kind
from oversight.values import is_blank, stored_value

MAX_DISTINCT = 250_000  # distinct rests of a row: more, and the exact path is as quick
BATCH = 50_000
# What str.strip() removes at ASCII; a key with anything beyond ASCII at either edge (which
# strip() might also remove) is left to the exact path.
_ASCII_SPACE = " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f"
_JOIN = "\x1f"  # joins the rest of a quoted row's cells: a file holding it takes the exact path


class _Doubt(Exception):
    """The fast path cannot vouch for this file."""


def stage(
    conn: sqlite3.Connection,
    kind: Kind,
    staging: str,
    extract: Extract,
    positions: list[int | None],
    as_of: date,
) -> int | None:
    """Stage every row of ``extract`` as the exact path would and return how many; or stage
    nothing and return None when the exact path must decide.

    ``staging`` (an empty table on entry) becomes a view over the rows kept in TEMP tables,
    indexed by their key; :func:`clean_up` drops them once the import is done.
    """
    quick = extract.quick
    if not kind.fast or quick is None or len(kind.key) != 1:
        return None
    key_position = positions[kind.names.index(kind.key[0])]
    rest = [(c, p) for c, p in zip(kind.columns, positions, strict=True) if c.name != kind.key[0]]
    raw, rests = _tables(kind)
    conn.execute("BEGIN")  # of the TEMP database only: the store file is not touched
    try:
        separator = _copy_rows(conn, raw, extract, key_position)
        width = len(extract.header)
        _map_rests(conn, raw, rests, kind, rest, key_position, width, separator, as_of)
        rows = conn.execute(f"SELECT count(*) FROM {raw}").fetchone()[0]
        # Unique, or the exact path names the lines; built once all rows are in (a sort).
        conn.execute(f"CREATE UNIQUE INDEX {raw}_key ON {raw.removeprefix('temp.')} (key)")
        names = [c.name for c, _ in rest]
        conn.execute(f"DROP TABLE {staging}")
        # A LEFT JOIN on the rest's key: a look-up by incident reference alone (is it in the
        # file?) then reads the index of keys and never the rests.
        conn.execute(
            f"CREATE VIEW {staging} AS SELECT r.rowid AS line, r.key AS {kind.key[0]}, "
            f"{', '.join(f'm.{n} AS {n}' for n in names)} "
            f"FROM {raw} r LEFT JOIN {rests} m ON m.rest = r.rest"
        )
        conn.execute("COMMIT")
    except (_Doubt, sqlite3.IntegrityError):  # a problem, or a key given twice
        conn.execute("ROLLBACK")  # the view and the tables with it: staging is empty again
        clean_up(conn, kind)
        return None
    except BaseException:
        conn.execute("ROLLBACK")
        clean_up(conn, kind)
        raise
    return rows


def clean_up(conn: sqlite3.Connection, kind: Kind) -> None:
    """Drop what :func:`stage` kept for the import."""
    for table in _tables(kind):
        conn.execute(f"DROP TABLE IF EXISTS {table}")


def _tables(kind: Kind) -> tuple[str, str]:
    return f"temp.raw_{kind.table}", f"temp.rests_{kind.table}"


_UNTRIMMED = f"key <> trim(key, '{_ASCII_SPACE}')"  # rare: most keys are written without spaces


def _copy_rows(conn: sqlite3.Connection, raw: str, extract: Extract, key_position: int) -> str:
    """Each data row as (key, rest of the row) in ``raw``; the separator the rest is joined
    with. A file without quotes is split by ``str.partition`` in C; any other row by row."""
    conn.execute(f"CREATE TABLE {raw} (key TEXT, rest TEXT)")
    insert = f"INSERT INTO {raw} VALUES (?, ?)"
    quick = extract.quick
    if quick.unquoted and key_position == 0:
        # [key, rest] in C; a line with no comma at all has one piece, and SQLite refuses it.
        pieces: Iterable[Sequence[str]] = map(methodcaller("split", ",", 1), quick.lines)
        separator = ","
    else:

        def split(record: list[str]) -> tuple[str, str]:
            if _JOIN in "".join(record):
                raise _Doubt
            key = record[key_position] if key_position < len(record) else ""
            return key, _JOIN.join(record[:key_position] + record[key_position + 1 :])

        pieces = map(split, filter(None, quick.records))
        separator = _JOIN
    try:
        for batch in _batches(pieces):
            conn.executemany(insert, batch)
            quick.report()
    except (csv.Error, UnicodeDecodeError, sqlite3.ProgrammingError, sqlite3.IntegrityError):
        raise _Doubt from None  # the exact path says what and where
    return separator


def _batches(pieces: Iterable[Sequence[str]]) -> Iterator[list[Sequence[str]]]:
    while batch := list(islice(pieces, BATCH)):
        yield batch


def _check_keys(conn: sqlite3.Connection, raw: str) -> None:
    """Doubt a blank key (it is required), a key with spaces around it (rare: the exact path
    trims it), and one whose edges strip() might see otherwise: in binary order every
    character beyond ASCII, and DEL, sorts after "~"."""
    odd = (
        "substr(key, 1, 1) > '~' OR substr(key, -1) > '~' "
        f"OR key <> trim(key, '{_ASCII_SPACE}') OR key = ''"
    )
    if conn.execute(f"SELECT 1 FROM {raw} WHERE {odd} LIMIT 1").fetchone():
        raise _Doubt


def _map_rests(
    conn: sqlite3.Connection,
    raw: str,
    rests: str,
    kind: Kind,
    rest: list,
    key_position: int,
    width: int,
    separator: str,
    as_of: date,
) -> None:
    """Each distinct rest of a row parsed and checked once, exactly as the row-by-row path
    parses and checks a row; a row of blank cells dropped, as that path skips it."""
    found = conn.execute(f"SELECT DISTINCT rest FROM {raw} LIMIT {MAX_DISTINCT + 1}").fetchall()
    if len(found) > MAX_DISTINCT:
        raise _Doubt
    names = [c.name for c, _ in rest]
    key = kind.key[0]
    conn.execute(f"CREATE TABLE {rests} (rest TEXT PRIMARY KEY, {', '.join(names)})")
    # Where each column's cell is among the rest of the row (the key's cell taken out).
    where = [None if p is None else (p if p < key_position else p - 1) for _, p in rest]
    mapped: list[tuple[object, ...]] = []
    blank_rests: list[tuple[str]] = []
    # A cell repeats across rests (a date in many): each column parses each cell once.
    memos: list[dict[str, object]] = [{} for _ in rest]
    for (text,) in found:
        cells = text.rstrip("\r\n").split(separator) if text else [""]
        if len(cells) > width - 1 and any(not is_blank(c) for c in cells[width - 1 :]):
            raise _Doubt  # more cells than the header
        if all(is_blank(c) for c in cells):
            blank_rests.append((text,))
            continue
        row: dict[str, object] = {key: None}
        for (column, _), at, memo in zip(rest, where, memos, strict=True):
            cell = cells[at] if at is not None and at < len(cells) else None
            if cell in memo:
                row[column.name] = memo[cell]
                continue
            if is_blank(cell):
                if column.required:
                    raise _Doubt
                value = None
            else:
                try:
                    value = column.parse(cell)
                except ValueError:
                    raise _Doubt from None
            memo[cell] = row[column.name] = value
        if kind.check(row, as_of):  # it may fill in values, as on the row-by-row path
            raise _Doubt
        mapped.append((text, *(stored_value(row[n]) for n in names)))
    # A row of blank cells is no row, as on the row-by-row path; a key with nothing after it,
    # or a blank key with something, is a problem for that path to name.
    conn.executemany(
        f"DELETE FROM {raw} WHERE rest = ? AND trim(key, '{_ASCII_SPACE}') = ''", blank_rests
    )
    for blank in blank_rests:
        if conn.execute(f"SELECT 1 FROM {raw} WHERE rest = ? LIMIT 1", blank).fetchone():
            raise _Doubt
    _check_keys(conn, raw)
    conn.executemany(f"INSERT INTO {rests} VALUES ({', '.join('?' * (len(names) + 1))})", mapped)
