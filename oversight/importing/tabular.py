"""Importing a CSV or XLSX extract: validate every row first, then write all of it in one
transaction.

Valid rows are staged in a TEMP table (outside the database file) while the file is read.
Only when the whole file is valid does one write transaction merge them into the store,
record the import, and recount the per-day totals; killed at any moment, the store holds
either the whole import or none of it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import NamedTuple

from oversight.errors import InvalidExtract, UserError
from oversight.extracts.limits import Extract, Look, Progress
from oversight.extracts.opening import open_extract, unchanged
from oversight.importing import bulk, columnar
from oversight.importing.kind import FastPath, Kind, Row, Stage
from oversight.importing.result import ImportResult
from oversight.schema import VERSIONED
from oversight.store import Store, stored_columns
from oversight.values import is_blank, normalise_name, one_line, stored_value

MAX_PROBLEMS = 50
BATCH = 5000
# Unknown columns named in the one warning about them, the rest counted; and how much of each
# name is shown (a header cell can be thousands of characters long).
NAMES_SHOWN = 5
MAX_NAME_CHARS = 40
# How long one listed problem may be: a problem quotes its cell, which can be long.
MAX_PROBLEM_CHARS = 200


class Screen(NamedTuple):
    """A look at a whole file before anything in it is parsed: ``refuse`` raises at what it
    must not hold (reading the rows unless ``look``, given the bytes as they are hashed, found
    that none can hold it: ``Extract.may_hold``)."""

    refuse: Callable[[Extract], None]
    look: Look | None = None


class _Problems:
    """Every problem in a file, up to a cap, with a count of the rest."""

    def __init__(self, extract: Extract) -> None:
        self.extract = extract
        self.listed: list[str] = []
        self.more = 0

    def add(self, line: int, column: str | None, message: str) -> None:
        if len(self.listed) >= MAX_PROBLEMS:
            self.more += 1
            return
        where = f"{self.extract.unit} {line}" + (f", {column}" if column else "")
        # The message quotes the cell: a long one is shown by its ends, on one line.
        self.listed.append(f"{where}: {_elide(one_line(message), MAX_PROBLEM_CHARS)}")

    def __bool__(self) -> bool:
        return bool(self.listed)


def import_rows(
    store: Store,
    kind: Kind,
    path: Path,
    *,
    extract_as_of: date,
    imported_by: str,
    imported_at: datetime,
    sheet: str | None = None,
    progress: Progress | None = None,
    scope: str = "all",
    screen: Screen | None = None,
) -> ImportResult:
    """Validate the extract at ``path`` as a ``kind``, then write all of it or none of it.

    Every row is checked before anything is written; any problem raises :class:`InvalidExtract`
    (every bad line and column, up to a cap) and the store is unchanged. A valid file is merged
    in one write transaction with its import record, the kind's reconciliation against what
    the store held (for cases: records that vanished or went backwards, kept in
    ``import_findings``; ``scope`` "all" or the one workstream the extract covers) and the
    totals kept beside the rows. Rows missing from the file are kept, never deleted.
    ``screen``: a look at the file before anything in it is parsed (a patient identifier in a
    hospital extract refuses it whole), and what looks at its bytes as they are hashed.
    """
    path = Path(path)
    if scope != "all" and kind.reconcile is None:
        raise UserError(f"--scope applies to case extracts only, not to {kind.label}.")
    conn = store.conn
    staging = f"temp.staging_{kind.table}"
    _create_staging(conn, kind, staging)
    try:
        # The file is checked (a regular file, within the limits in oversight.extracts.limits),
        # hashed
        # and read through one descriptor: what is recorded is what was read.
        with open_extract(path, sheet, progress, screen.look if screen else None) as extract:
            sha256 = extract.sha256
            if screen is not None:
                screen.refuse(extract)
            positions, warnings = _match_header(extract, kind)
            # A screen that read the rows (a file that may hold what it looks for) leaves them
            # to be read again, through the checksum of the bytes it read.
            unread = screen is None or extract.may_hold is False
            stage = _fast_path(kind) if unread else None
            rows_read = (
                stage(conn, kind, staging, extract, positions, extract_as_of) if stage else None
            )
        # Staged as keys and the numbers of their rests (bulk), not as a table of rows.
        by_rests = rows_read is not None and kind.fast_path is FastPath.BY_RESTS
        if rows_read is None:  # the fast path could not vouch for every row: row by row
            with open_extract(path, sheet, progress) as extract:
                if extract.sha256 != sha256:
                    raise UserError(
                        f"{path.name} changed while it was being read: import it again."
                    )
                rows_read = _stage_rows(conn, kind, staging, extract, positions, extract_as_of)
        elif rows_read == 0:
            raise UserError(f"{path.name} has a header but no data rows.")
        if screen is not None and not unchanged(path, sha256):
            # Rows are read after the bytes are hashed: bytes written in between (or through
            # the second reading) were not screened, and nothing of them is kept.
            raise UserError(f"{path.name} changed while it was being read: import it again.")
        counts = _merge(
            store,
            kind,
            staging,
            by_rests=by_rests,
            history={
                "kind": kind.name,
                "file_name": path.name,
                "sha256": sha256,
                "rows_read": rows_read,
                "imported_by": imported_by,
                "imported_at": imported_at.isoformat(timespec="seconds"),
                "extract_as_of": extract_as_of.isoformat(),
                "scope": None if scope == "all" else scope,
                # The optional columns the file lacked: its figures say so, not zero.
                "lacks": ",".join(
                    n for n, p in zip(kind.names, positions, strict=True) if p is None
                )
                or None,
            },
            scope=scope,
        )
    finally:
        bulk.clean_up(conn, kind)
        for temporary in (ADDED, CHANGES, REPLACED, staging):
            kind_of = conn.execute(
                "SELECT type FROM temp.sqlite_master WHERE name = ?", (temporary.split(".")[1],)
            ).fetchone()
            if kind_of:
                conn.execute(f"DROP {kind_of[0].upper()} {temporary}")
    return ImportResult(
        kind=kind.name,
        file_name=path.name,
        sha256=sha256,
        rows_read=rows_read,
        extract_as_of=extract_as_of,
        warnings=warnings,
        **counts,
    )


def _create_staging(conn: sqlite3.Connection, kind: Kind, staging: str) -> None:
    conn.execute(f"DROP TABLE IF EXISTS {staging}")
    columns = ", ".join(kind.names)
    conn.execute(
        f"CREATE TABLE {staging} (line INTEGER NOT NULL, {columns}, "
        f"PRIMARY KEY ({', '.join(kind.key)}))"
    )


def _match_header(extract: Extract, kind: Kind) -> tuple[list[int | None], list[str]]:
    """Where each known column is in the file; unknown columns are ignored with a warning."""
    found: dict[str, int] = {}
    warnings: list[str] = []
    unknown: list[str] = []
    stored = {c.heading: c.name for c in kind.columns}
    for index, cell in enumerate(extract.header):
        name = stored.get(normalise_name(cell), "")
        if name:
            if name in found:
                raise UserError(
                    f'{extract.name} has the column "{normalise_name(cell)}" twice in its header.'
                )
            found[name] = index
        elif normalise_name(cell):
            unknown.append(cell)
    if extract.note:
        warnings.append(extract.note)
    if unknown:
        warnings.append(_unknown_columns(unknown))
    missing = [c.heading for c in kind.columns if c.required and c.name not in found]
    if missing and _names_run_together(extract, kind):
        raise UserError(
            f"{extract.name} has one column in its header, "
            f'"{_shorten(one_line(extract.header[0]), MAX_NAME_CHARS)}": its columns are not '
            "separated by commas, semicolons or tabs; save it as CSV with one of those."
        )
    if missing:
        noun = "column" if len(missing) == 1 else "columns"
        raise UserError(
            f"{extract.name} is missing the required {noun} {', '.join(missing)} "
            f"(is it a {kind.noun} extract?)."
        )
    for column in kind.columns:
        if column.name in found:
            continue
        if column.absent is None:
            warnings.append(f'no "{column.heading}" column: stored as unknown for every row')
        elif column.absent not in warnings:
            warnings.append(column.absent)
    return [found.get(name) for name in kind.names], warnings


def _names_run_together(extract: Extract, kind: Kind) -> bool:
    """A CSV header read as one cell holding two or more of the kind's names: its columns are
    separated by something else ("incident_ref|workstream|...")."""
    if extract.format != "CSV" or len(extract.header) != 1:
        return False
    cell = normalise_name(extract.header[0])
    return sum(name in cell for name in kind.names) > 1


def _unknown_columns(names: list[str]) -> str:
    """One warning for every column oversight does not use, however many: the first few
    names, each shortened, and how many more."""
    shown = ", ".join(
        f'"{_shorten(one_line(n.strip()), MAX_NAME_CHARS)}"' for n in names[:NAMES_SHOWN]
    )
    if len(names) == 1:
        return f"ignored the column {shown}, which oversight does not use"
    more = len(names) - NAMES_SHOWN
    rest = f" and {more:,} more" if more > 0 else ""
    return f"ignored {len(names):,} columns that oversight does not use: {shown}{rest}"


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _elide(text: str, limit: int) -> str:
    """``text`` at most ``limit`` characters long, its middle left out if need be."""
    if len(text) <= limit:
        return text
    half = (limit - 1) // 2
    return text[:half] + "…" + text[len(text) - (limit - 1 - half) :]


MEMO_LIMIT = 4096  # distinct cells remembered per column: dates, yes/no, labels


def _validated_rows(
    kind: Kind,
    extract: Extract,
    positions: list[int | None],
    as_of: date,
    problems: _Problems,
) -> Iterator[tuple[object, ...]]:
    width = len(extract.header)
    names, check = kind.names, kind.check
    # A column holds a few hundred distinct values in millions of rows: each column remembers
    # what its text cells parse to and how that is stored, so a cell seen before costs one
    # dictionary look-up instead of a parse.
    columns = [
        (column.name, column.heading, column.parse, column.required, position, {})
        for column, position in zip(kind.columns, positions, strict=True)
    ]
    for line, cells in extract.rows:
        if len(cells) > width and any(not is_blank(c) for c in cells[width:]):
            problems.add(line, None, f"has {len(cells)} cells but the header has {width}")
            continue
        row: Row = {}
        parsed: list[object] = []
        stored: list[object] = [line]
        bad = False
        for name, heading, parse, required, position, memo in columns:
            cell = cells[position] if position is not None and position < len(cells) else None
            text = cell.__class__ is str
            seen = memo.get(cell) if text else None
            if seen is None:
                if is_blank(cell):
                    if required:
                        problems.add(line, heading, "is required but blank")
                        bad = True
                    seen = (None, None)
                else:
                    try:
                        value = parse(cell)
                    except ValueError as error:
                        problems.add(line, heading, str(error))
                        bad = True
                        value = None
                    seen = (value, stored_value(value))
                if text and not bad and len(memo) < MEMO_LIMIT:
                    memo[cell] = seen
            row[name] = seen[0]
            parsed.append(seen[0])
            stored.append(seen[1])
        if bad:
            continue
        for column_name, message in check(row, as_of):
            problems.add(line, column_name, message)
            bad = True
        if bad:
            continue
        for index, name in enumerate(names):
            if row[name] is not parsed[index]:  # the check filled in a value
                stored[index + 1] = stored_value(row[name])
        yield tuple(stored)


def _fast_path(kind: Kind) -> Stage | None:
    """The kind's fast path, looked up on its module when asked (a test may stand in for it)."""
    if kind.fast_path is FastPath.BY_RESTS:
        return bulk.stage
    if kind.fast_path is FastPath.BY_COLUMNS:
        return columnar.stage_columns
    return None


def _stage_rows(
    conn: sqlite3.Connection,
    kind: Kind,
    staging: str,
    extract: Extract,
    positions: list[int | None],
    as_of: date,
) -> int:
    problems = _Problems(extract)
    insert = f"INSERT INTO {staging} VALUES ({', '.join('?' * (len(kind.names) + 1))})"
    rows_read = 0
    batch: list[tuple[object, ...]] = []
    conn.execute("BEGIN")  # of the TEMP database only: the store file is not touched
    try:
        for row in _validated_rows(kind, extract, positions, as_of, problems):
            batch.append(row)
            if len(batch) >= BATCH:
                _insert_batch(conn, kind, staging, insert, batch, problems)
                batch.clear()
        _insert_batch(conn, kind, staging, insert, batch, problems)
        rows_read = conn.execute(f"SELECT count(*) FROM {staging}").fetchone()[0]
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    if problems:
        raise InvalidExtract(extract.name, problems.listed, problems.more)
    if rows_read == 0:
        raise UserError(f"{extract.name} has a header but no data rows.")
    return rows_read


def _insert_batch(
    conn: sqlite3.Connection,
    kind: Kind,
    staging: str,
    insert: str,
    batch: list[tuple[object, ...]],
    problems: _Problems,
) -> None:
    try:
        with _savepoint(conn):
            conn.executemany(insert, batch)
        return
    except sqlite3.IntegrityError:
        pass
    # A key appears twice: insert one by one to name every repeated line.
    key_positions = [kind.names.index(k) + 1 for k in kind.key]
    where = " AND ".join(f"{k} = ?" for k in kind.key)
    for row in batch:
        try:
            conn.execute(insert, row)
        except sqlite3.IntegrityError:
            key = [row[p] for p in key_positions]
            first = conn.execute(f"SELECT line FROM {staging} WHERE {where}", key).fetchone()[0]
            shown = " / ".join(str(k) for k in key)
            problems.add(
                row[0],
                "+".join(kind.key),
                f'"{shown}" appears more than once (first on {problems.extract.unit} {first})',
            )


class _savepoint:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def __enter__(self) -> None:
        self.conn.execute("SAVEPOINT batch")

    def __exit__(self, exc_type: object, *_: object) -> None:
        if exc_type is not None:
            self.conn.execute("ROLLBACK TO batch")
        self.conn.execute("RELEASE batch")


def _merge(
    store: Store,
    kind: Kind,
    staging: str,
    history: dict[str, object],
    scope: str,
    by_rests: bool = False,
) -> dict[str, object]:
    table, names = kind.table, kind.names
    with store.write() as conn:
        held = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        # One pass over the file's rows: those new to the store or unlike it, each with the
        # rowid of the store's version (NULL: new). Everything after reads these few.
        if by_rests:  # staged by bulk's fast path, which knows each distinct rest of a row
            inserted, updated = bulk.find_changes(conn, kind, held, CHANGES, ADDED)
        elif held == 0:  # every row is new: nothing to compare, nor to copy
            conn.execute(f"CREATE VIEW {CHANGES} AS SELECT *, NULL AS old FROM {staging}")
            conn.execute(f"CREATE VIEW {ADDED} AS SELECT *, 1 AS weight FROM {CHANGES}")
            inserted, updated = history["rows_read"], 0
        else:
            join = " AND ".join(f"t.{k} = s.{k}" for k in kind.key)
            differs = " OR ".join(f"t.{n} IS NOT s.{n}" for n in names if n not in kind.key)
            conn.execute(
                f"CREATE TEMP TABLE {CHANGES} AS SELECT s.*, t.rowid AS old FROM {staging} s "
                f"LEFT JOIN {table} t ON {join} WHERE t.rowid IS NULL OR {differs}"
            )
            conn.execute(f"CREATE VIEW {ADDED} AS SELECT *, 1 AS weight FROM {CHANGES}")
            inserted, updated = conn.execute(
                f"SELECT coalesce(SUM(old IS NULL), 0), coalesce(SUM(old IS NOT NULL), 0) "
                f"FROM {CHANGES}"
            ).fetchone()
        rows_read = history["rows_read"]
        counts = {
            "inserted": inserted,
            "updated": updated,
            "unchanged": rows_read - inserted - updated,
            "not_in_file": held - (rows_read - inserted),  # every file row not new is held
        }
        record = {**history, **counts}
        import_id = conn.execute(
            f"INSERT INTO imports ({', '.join(record)}) VALUES ({', '.join('?' * len(record))})",
            list(record.values()),
        ).lastrowid
        found = []
        if kind.reconcile is not None and held:  # an empty store has nothing to reconcile
            found = kind.reconcile(conn, staging, CHANGES, import_id, scope)
        if inserted or updated:
            # The versions the changes replace: kept (nothing is overwritten without trace), and
            # taken away from the totals kept beside the rows.
            conn.execute(
                f"CREATE TEMP TABLE {REPLACED} AS SELECT t.*, 1 AS weight FROM {table} t "
                + (f"JOIN {CHANGES} c ON t.rowid = c.old" if updated else "WHERE false")
            )
            if updated:
                columns = ", ".join(stored_columns(conn, table))
                conn.execute(
                    f"INSERT INTO {VERSIONED[table]} ({columns}, superseded_by) "
                    f"SELECT {columns}, ? FROM {REPLACED}",
                    (import_id,),
                )
            assignments = ", ".join(f"{n} = excluded.{n}" for n in names if n not in kind.key)
            # More rows coming than held (a first import): the table's own indexes but its key
            # are built once after, from sorted rows, rather than a row at a time.
            rebuilt = _secondary_indexes(conn, table) if inserted > held else []
            for name, _ in rebuilt:
                conn.execute(f"DROP INDEX {name}")
            conn.execute(
                f"INSERT INTO {table} ({', '.join(names)}, import_id) "
                f"SELECT {', '.join(names)}, ? FROM {CHANGES} WHERE true "
                f"ON CONFLICT ({', '.join(kind.key)}) DO UPDATE SET {assignments}, "
                f"import_id = excluded.import_id",
                (import_id,),
            )
            for _, sql in rebuilt:
                conn.execute(sql)
            if kind.after_write is not None:
                kind.after_write(conn, import_id, ADDED, REPLACED)
    return {"import_id": import_id, "findings": found, **counts}


def _secondary_indexes(conn: sqlite3.Connection, table: str) -> list[tuple[str, str]]:
    """The indexes made on ``table`` (not those of its key), by name and the SQL making them."""
    return conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
        "AND sql IS NOT NULL ORDER BY name",
        (table,),
    ).fetchall()


# The rows that change the store (a table, or a view over the fast path's tables); what they
# add to the totals kept beside the rows (each with its weight: how many rows it stands for);
# and the versions of the store's rows they replace (each of weight 1).
CHANGES, ADDED, REPLACED = "temp.import_changes", "temp.import_added", "temp.import_replaced"
