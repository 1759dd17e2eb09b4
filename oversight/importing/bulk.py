"""Validating a big extract set-wise: the fast path of an import.

A weekly case extract has millions of rows but far fewer distinct *rests of a row*: everything
but the incident reference repeats (a few hundred dates, a handful of labels and yes/no). So
each row is read as two pieces, its key and the rest of its line (for a file without quotes,
split by ``str.partition`` in C); each distinct rest is numbered as it is first seen, and parsed
and checked once, by the very functions and rules the row-by-row path applies (``Column.parse``,
``Kind.check``); the rows go into a TEMP table as (key, number of its rest), keyed and so kept
unique by the key, a batch at a time in one statement (a JSON object of key: number, which
SQLite unpacks in C): no line of Python runs once per row; and the parsed rests are joined
back to the keys in SQL.

The fast path only vouches for a file it finds wholly valid. At the first doubt (a problem, a
key given twice, a key that is blank or has spaces around it, a row of another width, too many
distinct rests) it gives up and the import takes the exact path, which reads the file row by
row and names every problem by line and column. So what is stored, and what is refused, is
always what the exact path decides; the fast path only gets there sooner.

The merge reads the same tables (:func:`find_changes`): one pass finds the rows new to the
store or unlike it, and the totals kept beside the rows are moved once per distinct rest among
them, weighted by its rows, rather than once per row.
"""

from __future__ import annotations

import csv
import gc
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from itertools import islice, repeat
from operator import gt, itemgetter
from typing import TypeVar

from oversight.extracts.limits import Extract
from oversight.importing.columns import ColumnReader, transposed
from oversight.importing.kind import Column, Kind
from oversight.values import is_blank

# Distinct rests of a row held in memory: past this the file goes to the exact path, which is
# about 2.5x slower (a year of weekly extracts passes it after 39 weeks: README, Performance).
MAX_DISTINCT = 600_000
MAX_DISTINCT_CHARS = 48 << 20  # and all of them together, held in memory while the file is read
BATCH = 50_000  # rows sent to SQLite in one statement
CHUNK = 32_768  # distinct rests parsed together
BATCH_CHARS = 4 << 20  # or fewer, when the lines are long
_PIECE = 2048  # lines read at a time while a batch is gathered
IN_ORDER = 8  # a batch one key in IN_ORDER of which comes after every key so far is in order
_JOIN = "\x1f"  # joins the rest of a quoted row's cells: a file holding it takes the exact path
_Item = TypeVar("_Item")
# The key and the rest of (key, rest), and of what str.partition gives: (key, ",", rest).
_KEY, _REST = itemgetter(0), itemgetter(-1)


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
    keyed by their key; :func:`clean_up` drops them once the import is done.
    """
    quick = extract.quick
    if not kind.fast or quick is None or len(kind.key) != 1:
        return None
    key_column = kind.columns[kind.names.index(kind.key[0])]
    key_position = positions[kind.names.index(kind.key[0])]
    rest = [(c, p) for c, p in zip(kind.columns, positions, strict=True) if c.name != kind.key[0]]
    raw, rests, _, pending = _tables(kind)
    conn.execute("BEGIN")  # of the TEMP database only: the store file is not touched
    try:
        found = _Rests()
        width = len(extract.header)
        with _no_cycle_collection():  # millions of small tuples, none in a cycle
            separator, rows = _copy_rows(
                conn, raw, pending, extract, (key_position, key_column), found
            )
            _map_rests(conn, rests, found, kind, rest, key_position, width, separator, as_of)
        names = [c.name for c, _ in rest]
        conn.execute(f"DROP TABLE {staging}")
        # A LEFT JOIN on the rest's number: a look-up by incident reference alone (is it in the
        # file?) then reads the table of keys and never the rests.
        conn.execute(
            f"CREATE VIEW {staging} AS SELECT NULL AS line, r.key AS {kind.key[0]}, "
            f"{', '.join(f'm.{n} AS {n}' for n in names)} "
            f"FROM {raw} r LEFT JOIN {rests} m ON m.rest_id = r.rest"
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


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Python's cycle collector kept from running meanwhile: the pieces of each row are tuples,
    and it would otherwise walk every object alive, again and again, for nothing to free."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def clean_up(conn: sqlite3.Connection, kind: Kind) -> None:
    """Drop what :func:`stage` and :func:`find_changes` kept for the import."""
    for name in reversed(_tables(kind)):  # the views over the tables first
        found = conn.execute(
            "SELECT type FROM temp.sqlite_master WHERE name = ?", (name.split(".")[1],)
        ).fetchone()
        if found:
            conn.execute(f"DROP {found[0].upper()} {name}")


def _tables(kind: Kind) -> tuple[str, str, str, str]:
    """The rows (key, number of its rest), the distinct rests parsed, the rows changed, and
    rows that came in no order, waiting to be sorted into the first."""
    return (
        f"temp.raw_{kind.table}",
        f"temp.rests_{kind.table}",
        f"temp.changed_{kind.table}",
        f"temp.pending_{kind.table}",
    )


class _Rests(dict[str, int]):
    """Each distinct rest of a row, numbered as it is first seen; and how many rows have it."""

    def __init__(self) -> None:
        import numpy  # only here: an import that takes the fast path, never an answer

        super().__init__()
        self.chars = 0
        self._numpy = numpy
        self.rows = numpy.zeros(0, dtype=numpy.int64)  # by number: 8 bytes a rest
        # How a rest's number follows its key in a batch's JSON object: '":7,"'.
        self.follows: list[str] = []

    def __missing__(self, text: str) -> int:
        number = len(self)
        self.chars += len(text)
        if number >= MAX_DISTINCT or self.chars > MAX_DISTINCT_CHARS:
            raise _Doubt  # too many to hold in memory: the exact path
        self[text] = number
        self.follows.append(f'":{number},"')
        return number

    def count(self, numbers: list[int]) -> None:
        """Adds a batch's rows to the counts of their rests."""
        numpy = self._numpy
        counted = numpy.bincount(numpy.fromiter(numbers, numpy.int64, len(numbers)))
        if len(counted) > len(self.rows):
            self.rows = numpy.concatenate(
                [self.rows, numpy.zeros(len(counted) - len(self.rows), numpy.int64)]
            )
        self.rows[: len(counted)] += counted


def _copy_rows(
    conn: sqlite3.Connection,
    raw: str,
    pending: str,
    extract: Extract,
    key: tuple[int, Column],
    found: _Rests,
) -> tuple[str, int]:
    """Each data row as (key, number of its rest) in ``raw``; the separator the rest is joined
    with, and how many rows there are. A file without quotes is split by ``str.partition``;
    any other row by row."""
    # Keyed by the key: a key given twice is refused as it is inserted, and the rows are read
    # back in key order, as the store's index of keys is.
    conn.execute(f"CREATE TABLE {raw} (key TEXT PRIMARY KEY, rest INTEGER NOT NULL) WITHOUT ROWID")
    key_position, key_column = key
    quick = extract.quick
    if quick.unquoted and key_position == 0:
        # (key, ",", rest) in C; a line with no comma at all is (line, "", ""): its key then
        # ends with the line's end and is doubted below (or, on a last line with no end, its
        # rest is blank, and doubted with the rests).
        batches: Iterator[tuple[list[str], list[str]]] = (
            _split(list(map(str.partition, lines, repeat(","))))
            for lines in _batches(quick.lines, len)
        )
        separator = ","
    else:

        def split(record: list[str]) -> tuple[str, str]:
            if _JOIN in "".join(record):
                raise _Doubt
            key = record[key_position] if key_position < len(record) else ""
            return key, _JOIN.join(record[:key_position] + record[key_position + 1 :])

        pieces = map(split, filter(None, quick.records))  # an empty line is no row
        batches = (_split(batch) for batch in _batches(pieces, _piece_chars))
        separator = _JOIN
    # A batch whose keys mostly come after every key so far (as in an extract whose references
    # were issued in order, even with a few series interleaved) goes straight into ``raw``, at
    # its end or at a few places kept in the cache. Any other (keys in no order) goes into
    # ``pending`` as it comes, and into ``raw`` once sorted, at the end: a B-tree written in
    # random order costs a page read for every row once it outgrows the cache; a sort does not.
    rows, last, unsorted = 0, None, 0
    try:
        for keys, rests in batches:
            if list(map(str.strip, keys)) != keys or "" in keys:
                keys, rests = _without_blank_rows(keys, rests, separator)
            if not keys:
                continue
            # A key is stored as the file writes it, spaces around it aside (above): a kind
            # whose key's parse does more says what it makes of many keys at once.
            if key_column.parse_many is not None and key_column.parse_many(keys) != keys:
                raise _Doubt
            numbers = list(map(found.__getitem__, rests))
            found.count(numbers)
            if last is None or sum(map(gt, keys, repeat(last))) * IN_ORDER >= len(keys):
                _insert(conn, raw, keys, numbers, found.follows)
                last = max(keys) if last is None else max(last, max(keys))
            else:
                if not unsorted:
                    conn.execute(f"CREATE TABLE {pending} (key TEXT, rest INTEGER NOT NULL)")
                _insert(conn, pending, keys, numbers, found.follows)
                unsorted += len(keys)
            rows += len(keys)
            quick.report()
    except (csv.Error, UnicodeDecodeError):
        raise _Doubt from None  # the exact path says what and where
    if unsorted:
        conn.execute(f"INSERT INTO {raw} SELECT key, rest FROM {pending} ORDER BY key")
        conn.execute(f"DROP TABLE {pending}")
    return separator, rows


def _batches(items: Iterator[_Item], chars: Callable[[_Item], int]) -> Iterator[list[_Item]]:
    """The items (lines, or rows as key and rest), BATCH at a time, or fewer when they come to
    more than BATCH_CHARS."""
    while batch := list(islice(items, _PIECE)):
        size = sum(map(chars, batch))
        while len(batch) < BATCH and size < BATCH_CHARS and (more := list(islice(items, _PIECE))):
            batch += more
            size += sum(map(chars, more))
        yield batch


def _piece_chars(piece: tuple[str, str]) -> int:
    return len(piece[0]) + len(piece[1])


def _split(pieces: list) -> tuple[list[str], list[str]]:
    return list(map(_KEY, pieces)), list(map(_REST, pieces))


def _without_blank_rows(
    keys: list[str], rests: list[str], separator: str
) -> tuple[list[str], list[str]]:
    """The rows of a batch without those of blank cells (no row, as on the row-by-row path).
    Any other row whose key is blank or has spaces around it (rare: most keys are written
    without) is a doubt: the exact path trims the key, or names the problem."""
    kept_keys, kept_rests = [], []
    for key, rest in zip(keys, rests, strict=True):
        if key.strip() == key and key:
            kept_keys.append(key)
            kept_rests.append(rest)
        elif not (key.strip() or rest.replace(separator, "").strip()):
            continue  # a blank line, or a row of blank cells
        else:
            raise _Doubt
    return kept_keys, kept_rests


def _insert(
    conn: sqlite3.Connection, raw: str, keys: list[str], numbers: list[int], follows: list[str]
) -> None:
    """One batch of rows into ``raw``, in one statement.

    Keys JSON can hold as they are (printable, no quote, no backslash: nearly every key) go as
    the text of one JSON object, {"key":number,...}, built by joins in C and unpacked by
    SQLite's json_each; any other batch through ``executemany``. An object with a key twice
    lists both, and the table's key refuses the second; should json_each ever keep only one,
    the count of rows inserted tells.
    """
    if not keys:
        return
    text = "".join(keys)
    if not text.isprintable() or '"' in text or "\\" in text:
        cursor = conn.executemany(
            f"INSERT INTO {raw} VALUES (?, ?)", zip(keys, numbers, strict=True)
        )
    else:
        parts: list[str] = [""] * (2 * len(keys))
        parts[0::2] = keys
        parts[1::2] = map(follows.__getitem__, numbers)
        parts[-1] = parts[-1][:-2] + "}"  # '":7,"' ends the object as '":7}'
        cursor = conn.execute(
            f"INSERT INTO {raw} (key, rest) SELECT key, value FROM json_each(?)",
            ('{"' + "".join(parts),),
        )
    if cursor.rowcount != len(keys):
        raise _Doubt


def _map_rests(
    conn: sqlite3.Connection,
    rests: str,
    found: _Rests,
    kind: Kind,
    rest: list,
    key_position: int,
    width: int,
    separator: str,
    as_of: date,
) -> None:
    """Each distinct rest of a row parsed and checked once, exactly as the row-by-row path
    parses and checks a row, into ``rests`` with how many rows have it: a column at a time
    (oversight.importing.columns)."""
    names = [c.name for c, _ in rest]
    conn.execute(
        f"CREATE TABLE {rests} (rest_id INTEGER PRIMARY KEY, {', '.join(names)}, "
        "rest_rows INTEGER NOT NULL)"
    )
    reader, columns = ColumnReader(kind, as_of), [c for c, _ in rest]
    insert = f"INSERT INTO {rests} VALUES ({', '.join('?' * (len(names) + 2))})"
    texts = list(found)  # in the order they were numbered
    for start in range(0, len(texts), CHUNK):  # a chunk at a time: the cells split are bulky
        chunk = texts[start : start + CHUNK]
        stored = reader.stored_columns(
            _rest_cells(chunk, rest, key_position, width - 1, separator), columns
        )
        if stored is None:
            raise _Doubt
        numbers = range(start, start + len(chunk))
        rows = found.rows[start : start + len(chunk)].tolist()
        conn.executemany(insert, zip(numbers, *stored, rows, strict=True))


def _rest_cells(
    texts: list[str], rest: list, key_position: int, cells_wanted: int, separator: str
) -> list[Sequence[object]]:
    """The cells of each of ``rest``'s columns in the rests of a row ``texts``: a column's
    cell is where it is in the row, the key's cell taken out."""
    if not all(map(str.strip, map(str.replace, texts, repeat(separator), repeat("")))):
        raise _Doubt  # a key with nothing after it: a problem for the exact path to name
    split = list(map(str.split, map(str.rstrip, texts, repeat("\r\n")), repeat(separator)))
    cells = transposed(split, cells_wanted)
    if cells is None:  # rows of other widths: with blank cells after the header's, or fewer
        if any(not is_blank(c) for row in split for c in row[cells_wanted:]):
            raise _Doubt  # more cells than the header
        padding = [None] * cells_wanted
        cells = transposed([(row + padding)[:cells_wanted] for row in split], cells_wanted)
        assert cells is not None
    return [
        cells[p if p < key_position else p - 1] if p is not None else [None] * len(texts)
        for _, p in rest
    ]


def find_changes(
    conn: sqlite3.Connection, kind: Kind, held: int, changes: str, added: str
) -> tuple[int, int]:
    """The rows :func:`stage` kept that are new to the store or unlike it; within the
    import's write transaction, after staging, for a store holding ``held`` rows.

    Makes ``changes`` a view of those rows (the kind's columns, ``line`` and ``old``: the rowid
    of the store's version, NULL for a new row) and ``added`` one of what they add to the totals
    kept beside the rows: the kind's columns but its key, once for each distinct rest among
    them, with ``weight``, how many of them have it. Returns how many are new and how many
    changed.
    """
    raw, rests, changed, _ = _tables(kind)
    key = kind.key[0]
    names = [n for n in kind.names if n != key]
    if held == 0:
        # Every row is new: nothing to look up, and the rests' counts are the weights.
        conn.execute(f"CREATE VIEW {changed} AS SELECT key, rest, NULL AS old FROM {raw}")
        weights = f"SELECT rest_id AS rest, rest_rows AS weight FROM {rests}"
        inserted = conn.execute(f"SELECT coalesce(SUM(rest_rows), 0) FROM {rests}").fetchone()[0]
        updated = 0
    else:
        # One pass over the rows in key order, each looked up in the store's index of keys.
        differs = " OR ".join(f"t.{n} IS NOT m.{n}" for n in names)
        conn.execute(
            f"CREATE TABLE {changed} AS SELECT r.key AS key, r.rest AS rest, t.rowid AS old "
            f"FROM {raw} r JOIN {rests} m ON m.rest_id = r.rest "
            f"LEFT JOIN {kind.table} t ON t.{key} = r.key WHERE t.rowid IS NULL OR {differs}"
        )
        weights = f"SELECT rest, count(*) AS weight FROM {changed} GROUP BY rest"
        inserted, updated = conn.execute(
            f"SELECT coalesce(SUM(old IS NULL), 0), coalesce(SUM(old IS NOT NULL), 0) "
            f"FROM {changed}"
        ).fetchone()
    columns = ", ".join(f"m.{n} AS {n}" for n in names)
    conn.execute(
        f"CREATE VIEW {changes} AS SELECT NULL AS line, c.key AS {key}, {columns}, c.old AS old "
        f"FROM {changed} c JOIN {rests} m ON m.rest_id = c.rest"
    )
    conn.execute(
        f"CREATE VIEW {added} AS SELECT {columns}, w.weight AS weight "
        f"FROM ({weights}) w JOIN {rests} m ON m.rest_id = w.rest"
    )
    return inserted, updated
