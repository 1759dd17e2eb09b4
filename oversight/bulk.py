"""Validating a big extract set-wise: the fast path of an import.

A weekly case extract has millions of rows but only a few hundred distinct dates, labels and
yes/no spellings. So the rows are copied as they are into a TEMP table (the csv module and one
``executemany``: about the speed of SQLite's own ``.import``); each column's *distinct* cells
are parsed by the very functions the row-by-row path uses; and the parsed values, the rules
between columns and the key's uniqueness are applied in SQL.

The fast path only vouches for a file it finds wholly valid. At the first doubt (a cell it
would have to parse one by one, an unusual character at a cell's edge, a problem, a key given
twice) it gives up and the import takes the exact path, which reads the file row by row and
names every problem by line and column. So what is stored, and what is refused, is always what
the exact path decides; the fast path only gets there sooner.
"""

from __future__ import annotations

import csv
import sqlite3
from datetime import date

from oversight.extracts import Extract
from oversight.kinds import Column, Kind
from oversight.values import is_blank, parse_text, stored_value

# A column with more distinct cells than this is not a column of labels: take the exact path.
MAX_DISTINCT = 200_000
BATCH = 20_000
# What Python's str.strip() removes at ASCII; a cell with anything beyond ASCII at either
# edge (which strip() might also remove) is left to the exact path.
_ASCII_SPACE = " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f"


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
    """Stage every row of ``extract`` into ``staging`` as the exact path would, and return how
    many; or stage nothing and return None when the exact path must decide."""
    if kind.sql_check is None or extract.batches is None:
        return None
    raw = f"temp.raw_{kind.table}"
    present = [(c, p) for c, p in zip(kind.columns, positions, strict=True) if p is not None]
    conn.execute("BEGIN")  # of the TEMP database only: the store file is not touched
    try:
        _copy_records(conn, raw, extract)
        selects: dict[str, str] = {}  # each used column's stored value, in SQL
        joins = []
        for column, position in present:
            index = position
            cell = f"r.c{index}"
            if column.parse is parse_text:
                _check_text(conn, raw, f"c{index}", column.required)
                selects[column.name] = f"nullif(trim({cell}, '{_ASCII_SPACE}'), '')"
                continue
            mapped = _map_distinct(conn, raw, f"c{index}", column)
            expression = _mapping(cell, mapped)
            if expression is None:  # too many spellings to write out: look them up
                table = f"temp.cells_c{index}"
                conn.execute(f"CREATE TABLE {table} (cell TEXT PRIMARY KEY, value)")
                conn.executemany(f"INSERT INTO {table} VALUES (?, ?)", mapped.items())
                joins.append(f"JOIN {table} m{index} ON m{index}.cell = coalesce({cell}, '')")
                expression = f"m{index}.value"
            selects[column.name] = expression
        values = ", ".join(selects.get(name, "NULL") for name in kind.names)
        conn.execute(
            f"INSERT INTO {staging} (line, {', '.join(kind.names)}) "
            f"SELECT r.rowid, {values} FROM {raw} r {' '.join(joins)}"
        )
        for fill in kind.sql_fill:
            conn.execute(f"UPDATE {staging} SET {fill}")
        if conn.execute(
            f"SELECT 1 FROM {staging} WHERE {kind.sql_check} LIMIT 1", {"as_of": as_of.isoformat()}
        ).fetchone():
            raise _Doubt
        rows = conn.execute(f"SELECT count(*) FROM {staging}").fetchone()[0]
        conn.execute("COMMIT")
    except (_Doubt, sqlite3.IntegrityError):  # a problem, or a key given twice
        conn.execute("ROLLBACK")
        return None
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    finally:
        tables = conn.execute("SELECT name FROM temp.sqlite_master WHERE type = 'table'")
        for (table,) in tables.fetchall():
            if table.startswith(("raw_", "cells_")):
                conn.execute(f"DROP TABLE temp.{table}")
    return rows


def _copy_records(conn: sqlite3.Connection, raw: str, extract: Extract) -> None:
    """Every record of a plain CSV, cell for cell, into ``raw``: the csv module's loop and one
    ``executemany`` per batch, no Python per row. A row of another width than the header, a
    cell the csv module or the text decoder refuses: the exact path says what and where."""
    width = len(extract.header)
    conn.execute(f"CREATE TABLE {raw} ({', '.join(f'c{i}' for i in range(width))})")
    insert = f"INSERT INTO {raw} VALUES ({', '.join('?' * width)})"
    try:
        for batch in extract.batches(BATCH):
            conn.executemany(insert, batch)
    except (sqlite3.ProgrammingError, csv.Error, UnicodeDecodeError):
        raise _Doubt from None
    # A row of blank cells is no row (the exact path skips it too; beyond ASCII, it doubts).
    blank = " AND ".join(f"trim(c{i}, '{_ASCII_SPACE}') = ''" for i in range(width))
    conn.execute(f"DELETE FROM {raw} WHERE {blank}")


def _check_text(conn: sqlite3.Connection, raw: str, cell: str, required: bool) -> None:
    """Text is kept as it is, trimmed: doubt a cell whose edges strip() might treat otherwise,
    and a blank one where the column is required."""
    # In binary order every character beyond ASCII (and DEL) sorts after "~".
    odd = f"substr({cell}, 1, 1) > '~' OR substr({cell}, -1) > '~'"
    if required:
        odd += f" OR trim(coalesce({cell}, ''), '{_ASCII_SPACE}') = ''"
    if conn.execute(f"SELECT 1 FROM {raw} WHERE {odd} LIMIT 1").fetchone():
        raise _Doubt


MAX_SPELT_OUT = 64  # distinct cells a CASE expression lists; more are looked up in a table


def _map_distinct(
    conn: sqlite3.Connection, raw: str, cell: str, column: Column
) -> dict[str, object]:
    """Each distinct cell of the column, parsed exactly as the row-by-row path parses it."""
    found = conn.execute(
        f"SELECT DISTINCT coalesce({cell}, '') FROM {raw} LIMIT {MAX_DISTINCT + 1}"
    ).fetchall()
    if len(found) > MAX_DISTINCT:
        raise _Doubt
    mapped: dict[str, object] = {}
    for (text,) in found:
        if is_blank(text):
            if column.required:
                raise _Doubt
            mapped[text] = None
            continue
        try:
            mapped[text] = stored_value(column.parse(text))
        except ValueError:
            raise _Doubt from None
    return mapped


def _mapping(cell: str, mapped: dict[str, object]) -> str | None:
    """The stored value of ``cell`` as an SQL expression: the cell itself where every cell is
    already stored as it is written (ISO dates, say), a CASE for a few spellings, else None."""
    changed = {text: value for text, value in mapped.items() if value != text}
    if all(value is None for value in changed.values()) and len(changed) <= MAX_SPELT_OUT:
        blanks = ", ".join(_literal(text) for text in changed)
        return (
            f"CASE WHEN coalesce({cell}, '') IN ({blanks}) THEN NULL ELSE {cell} END"
            if (changed)
            else cell
        )
    if len(mapped) > MAX_SPELT_OUT:
        return None
    whens = " ".join(f"WHEN {_literal(t)} THEN {_literal(v)}" for t, v in mapped.items())
    return f"CASE coalesce({cell}, '') {whens} END"


def _literal(value: object) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, int):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"
