"""Recorded crime from data.police.uk's street-level files: imported, and looked through for gaps.

``oversight import crimes PATH`` takes one file, a folder or a zip of the archive
(:mod:`oversight.extracts.street_files` reads them). A month file of a force is the unit:
importing a month again replaces it, and importing the same files again changes nothing. Only
counts are
kept (by force, month and crime type, and by force, month and neighbourhood), so the store stays
small at national scale.

All or nothing: every file is read and checked before anything is written, and one write
transaction then stores the counts, the import record and the data-gap findings
(:func:`oversight.figures.crime_gaps.find_gaps`).
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections import Counter
from datetime import date, datetime
from pathlib import Path

from oversight.audit import AuditEntry
from oversight.audit import insert as insert_audit
from oversight.errors import UserError
from oversight.extracts.street_files import MonthFile, read_month_files
from oversight.extracts.street_format import STREET_HEADER, force_slug, local_authority
from oversight.figures.crime_gaps import GAP_KINDS, SHRUNK_SHARE, Gap, find_gaps
from oversight.importing.findings import keep_rows
from oversight.importing.kind import Column, Kind
from oversight.importing.result import ImportResult
from oversight.schema import VERSIONED
from oversight.store import Store, stored_columns
from oversight.values import normalise_name, parse_text

# The street-level file's columns, as the kind declares them (the files are read and checked
# by oversight.extracts.street_files, which holds the format).
STREET_COLUMNS = tuple(Column(normalise_name(name), parse_text) for name in STREET_HEADER)


def import_crimes(
    store: Store,
    kind: Kind,
    path: Path,
    *,
    extract_as_of: date,
    imported_by: str,
    imported_at: datetime,
    sheet: str | None = None,
    progress: object = None,
    scope: str = "all",
) -> ImportResult:
    """Import street-level files (one CSV, a folder or a zip): all of them or none of them."""
    path = Path(path)
    if scope != "all":
        raise UserError(f"--scope applies to case extracts only, not to {kind.label}.")
    if sheet is not None:
        raise UserError("--sheet applies only to XLSX workbooks, not to street-level files.")
    files = read_month_files(path, extract_as_of.isoformat()[:7])
    seen: dict[tuple[str, str], MonthFile] = {}
    for f in files:
        key = (f.slug, f.month)
        if key in seen:
            raise UserError(
                f"{path.name} holds two files for {f.slug} {f.month} ({seen[key].name} and "
                f"{f.name}): import one of them; nothing was imported."
            )
        seen[key] = f
    named = {f.slug: f.force for f in files if f.force}
    for f in files:
        if not f.force:  # a header and no rows: the force is known from the name alone
            f.force = named.get(f.slug) or _force_named(store, f.slug) or f.slug
    digest = hashlib.sha256("".join(f"{f.name}\0{f.sha256}\n" for f in files).encode())
    rows_read = sum(f.rows for f in files)
    warnings: list[str] = []
    with store.write() as conn:
        state = {"inserted": 0, "updated": 0, "unchanged": 0}
        shrunk: list[tuple[MonthFile, int]] = []
        changed: list[MonthFile] = []
        for f in files:
            old = conn.execute(
                "SELECT sha256, content_sha256, crimes FROM crime_files "
                "WHERE force = ? AND month = ?",
                (f.force, f.month),
            ).fetchone()
            if old is None:
                state["inserted"] += 1
                changed.append(f)
            elif _same_content(old, f):
                state["unchanged"] += 1
            else:
                state["updated"] += 1
                changed.append(f)
                if f.crimes < old[2] * (1 - SHRUNK_SHARE):
                    shrunk.append((f, old[2]))
        record = {
            "kind": kind.name,
            "file_name": path.name,
            "sha256": digest.hexdigest(),
            "rows_read": rows_read,
            **state,
            "not_in_file": 0,
            "imported_by": imported_by,
            "imported_at": imported_at.isoformat(timespec="seconds"),
            "extract_as_of": extract_as_of.isoformat(),
        }
        import_id = conn.execute(
            f"INSERT INTO imports ({', '.join(record)}) VALUES ({', '.join('?' * len(record))})",
            list(record.values()),
        ).lastrowid
        for f in changed:
            _write_month(conn, f, import_id)
        # Only the forces whose files changed are looked at again: an import that changes
        # nothing finds nothing, and the work is bounded by what the store holds.
        findings = record_gaps(
            conn,
            import_id,
            {f.force for f in changed},
            [
                Gap("month_shrunk", f.force, f.month, f.force, None, old, f.crimes)
                for f, old in shrunk
            ],
        )
    for f, old in shrunk:
        warnings.append(
            f"{f.force} {f.month} has {old - f.crimes:,} fewer crimes ({f.crimes:,}) than when it "
            f"was last imported ({old:,}): month_shrunk"
        )
    counts = Counter(g.kind for g in findings if g.kind != "month_shrunk")
    if counts:
        warnings.append(
            "data gaps in the store: "
            + ", ".join(f"{kind} {counts[kind]:,}" for kind in GAP_KINDS if counts[kind])
            + " (see /crime and oversight integrity)"
        )
    return ImportResult(
        import_id=import_id,
        kind=kind.name,
        file_name=path.name,
        sha256=digest.hexdigest(),
        rows_read=rows_read,
        not_in_file=0,
        extract_as_of=extract_as_of,
        warnings=warnings,
        findings=[],
        month_files=len(files),
        **state,
    )


def record_gaps(
    conn: sqlite3.Connection, import_id: int, forces: set[str], found: list[Gap]
) -> list[Gap]:
    """Look for the data gaps of ``forces`` and keep them, with ``found``, as the findings of
    ``import_id``, which becomes each force's latest scan (crime_scans)."""
    findings = found + find_gaps(conn, sorted(forces))
    keep_rows(
        conn,
        import_id,
        (
            (g.kind, g.force, None, _text(g.old), _text(g.new), g.month, g.until, g.area, g.code)
            for g in findings
        ),
    )
    conn.executemany(
        "INSERT INTO crime_scans (force, import_id) VALUES (?, ?)",
        [(force, import_id) for force in sorted(forces)],
    )
    return findings


def _force_named(store: Store, slug: str) -> str | None:
    for (force,) in store.conn.execute("SELECT DISTINCT force FROM crime_files"):
        if force_slug(force) == slug:
            return force
    return None


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.1f}".removesuffix(".0")
    return str(value)


def _same_content(old: tuple, f: MonthFile) -> bool:
    """Whether a month file holds what the store's copy held: the same rows, whatever the line
    ends (a month imported before content was hashed is compared by its bytes)."""
    sha256, content_sha256, _ = old
    return content_sha256 == f.content_sha256 if content_sha256 else sha256 == f.sha256


def _write_month(conn: sqlite3.Connection, f: MonthFile, import_id: int) -> None:
    """One month file's counts, replacing what the store held for that force and month (kept
    as the versions this import replaced)."""
    key = (f.force, f.month)
    _set_aside(conn, key, import_id)
    conn.execute(
        "INSERT INTO crime_files (force, month, file_name, sha256, content_sha256, rows_read, "
        "crimes, asb, no_location, no_lsoa, import_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            *key,
            f.name,
            f.sha256,
            f.content_sha256,
            f.rows,
            f.crimes,
            f.asb,
            f.no_location,
            f.no_lsoa,
            import_id,
        ),
    )
    conn.executemany(
        "INSERT INTO crime_types (force, month, crime_type, crimes, no_location, no_lsoa, "
        "import_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(*key, t, *counts, import_id) for t, counts in sorted(f.types.items())],
    )
    conn.executemany(
        "INSERT INTO crime_areas (force, month, lsoa_code, lsoa_name, local_authority, crimes, "
        "placed, longitude_sum, latitude_sum, import_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (*key, code, name, local_authority(name), *counts, import_id)
            for code, (name, *counts) in sorted(f.areas.items())
        ],
    )
    authorities = {code: local_authority(name) for code, name in f.lsoa_names.items()}
    conn.executemany(
        "INSERT INTO crime_area_types (force, month, local_authority, lsoa_code, crime_type, "
        "crimes, import_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            (*key, authorities.get(code, ""), code, t, n, import_id)
            for (code, t), n in sorted(f.area_types.items())
        ],
    )


def _set_aside(conn: sqlite3.Connection, key: tuple[str, str], import_id: int) -> None:
    """Move what the store holds for a force's month into the versions tables, as replaced by
    ``import_id``: nothing is ever overwritten without trace."""
    for table in ("crime_files", "crime_types", "crime_areas", "crime_area_types"):
        columns = ", ".join(stored_columns(conn, table))
        conn.execute(
            f"INSERT INTO {VERSIONED[table]} ({columns}, superseded_by) "
            f"SELECT {columns}, ? FROM {table} WHERE force = ? AND month = ?",
            (import_id, *key),
        )
        conn.execute(f"DELETE FROM {table} WHERE force = ? AND month = ?", key)


def remove_month(
    store: Store, force: str, month: str, *, removed_by: str, removed_at: datetime
) -> int:
    """Take one month file of a force out of the store (one imported by mistake, or a month no
    force can have, which an older oversight accepted), in one transaction that records it in
    the import history and the audit log and looks at the force's gaps again; the import's
    number."""
    with store.write() as conn:
        held = conn.execute(
            "SELECT file_name, crimes FROM crime_files WHERE force = ? AND month = ?",
            (force, month),
        ).fetchone()
        if held is None:
            raise UserError(
                f"The store holds no street-level file for {force} {month}: nothing was "
                "removed (oversight doctor lists the months it holds that no force can have)."
            )
        record = {
            "kind": "crimes",
            "file_name": f"(removed: {force} {month}, from {held[0]})",
            "sha256": "",
            "rows_read": 0,
            "inserted": 0,
            "updated": 0,
            "unchanged": 0,
            "not_in_file": 0,
            "imported_by": removed_by,
            "imported_at": removed_at.isoformat(timespec="seconds"),
            "extract_as_of": removed_at.date().isoformat(),
        }
        import_id = conn.execute(
            f"INSERT INTO imports ({', '.join(record)}) VALUES ({', '.join('?' * len(record))})",
            list(record.values()),
        ).lastrowid
        _set_aside(conn, (force, month), import_id)
        insert_audit(
            conn,
            AuditEntry(
                at=removed_at,
                user_id=removed_by,
                channel_id=None,
                command="oversight crimes remove",
                text=f"{force} {month}",
                outcome="removed",
                detail=f"{held[0]}, {held[1]:,} crimes; recorded as import #{import_id}",
            ),
        )
        record_gaps(conn, import_id, {force}, [])
    return import_id
