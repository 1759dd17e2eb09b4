"""Validating a big extract set-wise: the fast path of an import.

A weekly case extract has millions of rows but far fewer distinct *rests of a row*: everything
but the incident reference repeats (a few hundred dates, a handful of labels and yes/no). So
each row is read as two pieces, its key and the rest of its line (for a file without quotes,
split by ``str.partition`` in C); the rest, in two halves, each far less varied than the whole,
is numbered by its halves (:mod:`oversight.importing.halves`), and each distinct half is parsed
once, by the very functions the row-by-row path applies (``Column.parse``), and each distinct
pair ruled on by its rules (``Kind.check``); the rows go into a TEMP table as (key, number of
its rest), keyed and so kept unique by the key, a batch at a time in one statement (a JSON
object of key: number, which SQLite unpacks in C): no line of Python runs once per row; and
the parsed halves are joined back to the keys in SQL.

The fast path only vouches for a file it finds wholly valid. At the first doubt (a problem, a
key given twice, a key that is blank or has spaces around it, a row of another width, too many
distinct halves) it gives up and the import takes the exact path, which reads the file row by
row and names every problem by line and column. So what is stored, and what is refused, is
always what the exact path decides; the fast path only gets there sooner.

A kind whose rows are all distinct (hospital attendances) gains nothing by numbering them, and
takes a fast path of its own (``FastPath.BY_COLUMNS``: :mod:`oversight.importing.columnar`).

The merge reads the same tables (:func:`find_changes`): one pass finds the rows new to the
store or unlike it, and the totals kept beside the rows are moved once per distinct rest among
them, weighted by its rows, rather than once per row.
"""

from __future__ import annotations

import csv
import gc
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from itertools import islice, repeat
from operator import gt, itemgetter
from typing import TYPE_CHECKING, TypeVar

from oversight.extracts.limits import Extract
from oversight.importing.halves import Doubt, Halves, rest_columns
from oversight.importing.kind import Column, Kind

if TYPE_CHECKING:
    from concurrent.futures import Future, ThreadPoolExecutor

BATCH = 50_000  # rows sent to SQLite in one statement
BATCH_CHARS = 4 << 20  # or fewer, when the lines are long
_PIECE = 2048  # lines read at a time while a batch is gathered
IN_ORDER = 8  # a batch one key in IN_ORDER of which comes after every key so far is in order
_JOIN = "\x1f"  # joins the rest of a quoted row's cells: a file holding it takes the exact path
_Item = TypeVar("_Item")
# The key and the rest of (key, rest), and of what str.partition gives: (key, ",", rest).
_KEY, _REST = itemgetter(0), itemgetter(-1)


def stage(
    conn: sqlite3.Connection,
    kind: Kind,
    staging: str,
    extract: Extract,
    positions: list[int | None],
    as_of: date,
) -> int | None:
    """``FastPath.BY_RESTS``, a :class:`~oversight.importing.kind.Stage`: ``staging`` becomes a
    view over the rows kept in TEMP tables, keyed by their key; :func:`clean_up` drops them
    once the import is done."""
    quick = extract.quick
    if quick is None or len(kind.key) != 1:
        return None
    key_column = kind.columns[kind.names.index(kind.key[0])]
    key_position = positions[kind.names.index(kind.key[0])]
    key = kind.key[0]
    rest = [(c, p) for c, p in zip(kind.columns, positions, strict=True) if c.name != key]
    # Where each column's cell is among the rest of the row (the key's cell taken out).
    places = [(c, p if p is None or p < key_position else p - 1) for c, p in rest]
    raw, first, second, _, pending = _tables(kind)
    conn.execute("BEGIN")  # of the TEMP database only: the store file is not touched
    try:
        cells = len(extract.header) - 1
        with no_cycle_collection():  # millions of small tuples, none in a cycle
            halves, rows = _copy_rows(
                conn, raw, pending, extract, (key_position, key_column), cells
            )
            halves.store(conn, (first, second), kind, places, as_of)
        names = [c.name for c, _ in rest]
        columns, joins = rest_columns(conn, (first, second), names, "r")
        conn.execute(f"DROP TABLE {staging}")
        # LEFT JOINs on the halves' numbers: a look-up by incident reference alone (is it in
        # the file?) then reads the table of keys and never the halves.
        conn.execute(
            f"CREATE VIEW {staging} AS SELECT NULL AS line, r.key AS {key}, "
            f"{', '.join(f'{c} AS {n}' for c, n in zip(columns, names, strict=True))} "
            f"FROM {raw} r {joins}"
        )
        conn.execute("COMMIT")
    except (Doubt, sqlite3.IntegrityError):  # a problem, or a key given twice
        conn.execute("ROLLBACK")  # the view and the tables with it: staging is empty again
        clean_up(conn, kind)
        return None
    except BaseException:
        conn.execute("ROLLBACK")
        clean_up(conn, kind)
        raise
    return rows


@contextmanager
def no_cycle_collection() -> Iterator[None]:
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


def _tables(kind: Kind) -> tuple[str, str, str, str, str]:
    """The rows (key, number of its rest), the distinct first and second halves of a rest
    parsed, the rows changed, and rows that came in no order, waiting to be sorted into the
    first."""
    return (
        f"temp.raw_{kind.table}",
        f"temp.first_{kind.table}",
        f"temp.second_{kind.table}",
        f"temp.changed_{kind.table}",
        f"temp.pending_{kind.table}",
    )


def _copy_rows(
    conn: sqlite3.Connection,
    raw: str,
    pending: str,
    extract: Extract,
    key: tuple[int, Column],
    cells: int,
) -> tuple[Halves, int]:
    """Each data row as (key, number of its rest) in ``raw``; the halves of the rests (of
    ``cells`` cells each, in two), and how many rows there are. A file without
    quotes is split by ``str.partition``; any other row by row."""
    # Keyed by the key: a key given twice is refused as it is inserted, and the rows are read
    # back in key order, as the store's index of keys is.
    conn.execute(f"CREATE TABLE {raw} (key TEXT PRIMARY KEY, rest INTEGER NOT NULL) WITHOUT ROWID")
    key_position, key_column = key
    quick = extract.quick
    if quick.unquoted and key_position == 0:
        # (key, ",", rest) in C; a line with no comma at all is (line, "", ""): its key then
        # ends with the line's end and is doubted below (or, on a last line with no end, its
        # rest is blank, and doubted with the rests).
        pieces: Iterator[tuple[list[str], list[str]]] = (
            _split(list(map(str.partition, lines, repeat(","))))
            for lines in batches(quick.lines, len)
        )
        separator = ","
    else:

        def split(record: list[str]) -> tuple[str, str]:
            if _JOIN in "".join(record):
                raise Doubt
            key = record[key_position] if key_position < len(record) else ""
            return key, _JOIN.join(record[:key_position] + record[key_position + 1 :])

        records = map(split, filter(None, quick.records))  # an empty line is no row
        pieces = (_split(batch) for batch in batches(records, _piece_chars))
        separator = _JOIN
    halves = Halves(cells, separator)
    # A batch whose keys mostly come after every key so far (as in an extract whose references
    # were issued in order, even with a few series interleaved) goes straight into ``raw``, at
    # its end or at a few places kept in the cache. Any other (keys in no order) goes into
    # ``pending`` as it comes, and into ``raw`` once sorted, at the end: a B-tree written in
    # random order costs a page read for every row once it outgrows the cache; a sort does not.
    rows, last, unsorted = 0, None, 0
    # A workbook's sheet is read by a child process on the other core (calamine): its keys are
    # kept in this thread.
    keeper = Keeper(threaded=extract.format == "CSV")
    try:
        for keys, rests in pieces:
            if list(map(str.strip, keys)) != keys or "" in keys:
                keys, rests = _without_blank_rows(keys, rests, separator)
            if not keys:
                continue
            # A key is stored as the file writes it, spaces around it aside (above): a kind
            # whose key's parse does more says what it makes of many keys at once.
            if key_column.parse_many is not None and key_column.parse_many(keys) != keys:
                raise Doubt
            numbers = list(map(halves.__getitem__, rests))
            if last is None or sum(map(gt, keys, repeat(last))) * IN_ORDER >= len(keys):
                _insert(conn, raw, keys, numbers, halves.follows, keeper)
                last = max(keys) if last is None else max(last, max(keys))
            else:
                if not unsorted:
                    keeper.wait()
                    conn.execute(f"CREATE TABLE {pending} (key TEXT, rest INTEGER NOT NULL)")
                _insert(conn, pending, keys, numbers, halves.follows, keeper)
                unsorted += len(keys)
            rows += len(keys)
            quick.report()
        keeper.wait()
    except (csv.Error, UnicodeDecodeError):
        raise Doubt from None  # the exact path says what and where
    finally:
        keeper.close()
    if unsorted:
        conn.execute(f"INSERT INTO {raw} SELECT key, rest FROM {pending} ORDER BY key")
        conn.execute(f"DROP TABLE {pending}")
    return halves, rows


def batches(items: Iterator[_Item], chars: Callable[[_Item], int]) -> Iterator[list[_Item]]:
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
            raise Doubt
    return kept_keys, kept_rests


def _insert(
    conn: sqlite3.Connection,
    raw: str,
    keys: list[str],
    numbers: list[int],
    follows: dict[int, str],
    keeper: Keeper,
) -> None:
    """One batch of rows into ``raw``, in one statement, which ``keeper`` runs while the next
    batch is read.

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
        rows = list(zip(keys, numbers, strict=True))
        keeper.run(lambda: conn.executemany(f"INSERT INTO {raw} VALUES (?, ?)", rows), len(keys))
        return
    parts: list[str] = [""] * (2 * len(keys))
    parts[0::2] = keys
    parts[1::2] = map(follows.__getitem__, numbers)
    parts[-1] = parts[-1][:-2] + "}"  # '":7,"' ends the object as '":7}'
    batch = '{"' + "".join(parts)
    keeper.run(
        lambda: conn.execute(
            f"INSERT INTO {raw} (key, rest) SELECT key, value FROM json_each(?)", (batch,)
        ),
        len(keys),
    )


class Keeper:
    """Runs the statements keeping a file's keys, one at a time and in order, in a thread of its
    own (``threaded``): SQLite lets go of the GIL while it unpacks and keeps a batch, so the next
    batch is read and numbered meanwhile, on the other core. The connection is used by nothing
    else until :meth:`wait` returns."""

    def __init__(self, threaded: bool) -> None:
        self._pool: ThreadPoolExecutor | None = None
        if threaded:  # imported here: no command but an import of a big file needs it
            from concurrent.futures import ThreadPoolExecutor

            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="oversight-keys")
        self._running: tuple[Future[sqlite3.Cursor], int] | None = None

    def run(self, statement: Callable[[], sqlite3.Cursor], rows: int) -> None:
        """Runs ``statement``, which should insert ``rows`` rows, once the one before is done."""
        self.wait()
        if self._pool is None:
            if statement().rowcount != rows:
                raise Doubt
            return
        self._running = (self._pool.submit(statement), rows)

    def wait(self) -> None:
        """Waits for the statement running: its error, or a count of rows short, raised here."""
        if self._running is not None:
            running, rows = self._running
            self._running = None
            if running.result().rowcount != rows:
                raise Doubt

    def close(self) -> None:
        """Waits for the statement running, whatever happened meanwhile."""
        if self._pool is not None:
            self._pool.shutdown(wait=True)


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
    raw, first, second, changed, _ = _tables(kind)
    key = kind.key[0]
    names = [n for n in kind.names if n != key]
    if held == 0:
        # Every row is new: nothing to look up.
        conn.execute(f"CREATE VIEW {changed} AS SELECT key, rest, NULL AS old FROM {raw}")
        weights = f"SELECT rest, count(*) AS weight FROM {raw} GROUP BY rest"
        inserted = conn.execute(f"SELECT count(*) FROM {raw}").fetchone()[0]
        updated = 0
    else:
        # One pass over the rows in key order, each looked up in the store's index of keys.
        columns, joins = rest_columns(conn, (first, second), names, "r")
        differs = " OR ".join(f"t.{n} IS NOT {c}" for n, c in zip(names, columns, strict=True))
        conn.execute(
            f"CREATE TABLE {changed} AS SELECT r.key AS key, r.rest AS rest, t.rowid AS old "
            f"FROM {raw} r {joins} "
            f"LEFT JOIN {kind.table} t ON t.{key} = r.key WHERE t.rowid IS NULL OR {differs}"
        )
        weights = f"SELECT rest, count(*) AS weight FROM {changed} GROUP BY rest"
        inserted, updated = conn.execute(
            f"SELECT coalesce(SUM(old IS NULL), 0), coalesce(SUM(old IS NOT NULL), 0) "
            f"FROM {changed}"
        ).fetchone()
    columns, joins = rest_columns(conn, (first, second), names, "c")
    named = ", ".join(f"{c} AS {n}" for c, n in zip(columns, names, strict=True))
    conn.execute(
        f"CREATE VIEW {changes} AS SELECT NULL AS line, c.key AS {key}, {named}, c.old AS old "
        f"FROM {changed} c {joins}"
    )
    columns, joins = rest_columns(conn, (first, second), names, "w")
    named = ", ".join(f"{c} AS {n}" for c, n in zip(columns, names, strict=True))
    conn.execute(
        f"CREATE VIEW {added} AS SELECT {named}, w.weight AS weight FROM ({weights}) w {joins}"
    )
    return inserted, updated
