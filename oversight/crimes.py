"""Recorded crime from data.police.uk's street-level files: imported, and looked through for gaps.

``oversight import crimes PATH`` takes one file, a folder or a zip of the archive
(:mod:`oversight.street_files` reads them). A month file of a force is the unit: importing a
month again replaces it, and importing the same files again changes nothing. Only counts are
kept (by force, month and crime type, and by force, month and neighbourhood), so the store stays
small at national scale.

All or nothing: every file is read and checked before anything is written, and one write
transaction then stores the counts, the import record and the data-gap findings
(:func:`find_gaps`).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from statistics import median
from typing import TYPE_CHECKING

from oversight.errors import UserError
from oversight.store import Store
from oversight.street_files import MonthFile, force_slug, read_month_files

if TYPE_CHECKING:
    import sqlite3

    from oversight.importing import ImportResult

# The data-gap rules (README: "Recorded crime").
GAP_WINDOW = 12  # months present before a month, for low_month and zero_area
LOW_SHARE = 0.5  # low_month: fewer than this share of the window's median
SILENT_AVERAGE = 10  # zero_area: averaged at least this many crimes a month over the window
SHRUNK_SHARE = 0.10  # month_shrunk: imported again with more than this share fewer crimes
GAP_KINDS = ("missing_month", "low_month", "zero_area", "month_shrunk")


# --- the import ----------------------------------------------------------------------------------


def import_crimes(
    store: Store,
    path: Path,
    *,
    extract_as_of: date,
    imported_by: str,
    imported_at: datetime,
    sheet: str | None = None,
    progress: object = None,
) -> ImportResult:
    """Import street-level files (one CSV, a folder or a zip): all of them or none of them."""
    from oversight.importing import ImportResult

    path = Path(path)
    if sheet is not None:
        raise UserError("--sheet applies only to XLSX workbooks, not to street-level files.")
    files = read_month_files(path)
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
                "SELECT sha256, crimes FROM crime_files WHERE force = ? AND month = ?",
                (f.force, f.month),
            ).fetchone()
            if old is None:
                state["inserted"] += 1
                changed.append(f)
            elif old[0] == f.sha256:
                state["unchanged"] += 1
            else:
                state["updated"] += 1
                changed.append(f)
                if f.crimes < old[1] * (1 - SHRUNK_SHARE):
                    shrunk.append((f, old[1]))
        record = {
            "kind": "crimes",
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
        findings = [
            Gap("month_shrunk", f.force, f.month, f.force, None, old, f.crimes) for f, old in shrunk
        ]
        findings += find_gaps(conn)
        conn.executemany(
            "INSERT INTO import_findings (import_id, kind, ref, workstream, old, new, month, "
            "area, area_code) VALUES (?, ?, ?, NULL, ?, ?, ?, ?, ?)",
            [
                (import_id, g.kind, g.force, _text(g.old), _text(g.new), g.month, g.area, g.code)
                for g in findings
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
        kind="crimes",
        file_name=path.name,
        sha256=digest.hexdigest(),
        rows_read=rows_read,
        not_in_file=0,
        extract_as_of=extract_as_of,
        warnings=warnings,
        findings=[],
        **state,
    )


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


def _write_month(conn: sqlite3.Connection, f: MonthFile, import_id: int) -> None:
    """One month file's counts, replacing what the store held for that force and month."""
    key = (f.force, f.month)
    conn.execute("DELETE FROM crime_types WHERE force = ? AND month = ?", key)
    conn.execute("DELETE FROM crime_areas WHERE force = ? AND month = ?", key)
    conn.execute(
        "INSERT OR REPLACE INTO crime_files (force, month, file_name, sha256, rows_read, crimes, "
        "asb, no_location, import_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (*key, f.name, f.sha256, f.rows, f.crimes, f.asb, f.no_location, import_id),
    )
    conn.executemany(
        "INSERT INTO crime_types VALUES (?, ?, ?, ?, ?)",
        [(*key, t, n, no_place) for t, (n, no_place) in sorted(f.types.items())],
    )
    conn.executemany(
        "INSERT INTO crime_areas VALUES (?, ?, ?, ?, ?)",
        [(*key, code, lsoa_name, n) for code, (lsoa_name, n) in sorted(f.areas.items())],
    )


# --- the data-gap rules ------------------------------------------------------------------------


@dataclass(frozen=True)
class Gap:
    kind: str  # one of GAP_KINDS
    force: str
    month: str  # YYYY-MM
    area: str  # the neighbourhood's LSOA name, or the force for a whole-force finding
    code: str | None  # the LSOA code; None for a whole-force finding
    old: object  # what it was measured against: the window's median or mean, or the old count
    new: object  # the month's crimes


def month_after(month: str, n: int = 1) -> str:
    year, number = int(month[:4]), int(month[5:7]) - 1 + n
    return f"{year + number // 12:04d}-{number % 12 + 1:02d}"


def find_gaps(conn: sqlite3.Connection) -> list[Gap]:
    """Every force's data gaps, from the counts in the store (README: "Recorded crime").

    A month's low_month and zero_area findings depend only on that month and the months before
    it, so the gaps as of any date are these, up to that date's month.
    """
    gaps: list[Gap] = []
    totals: dict[str, dict[str, int]] = {}
    for force, month, crimes in conn.execute(
        "SELECT force, month, crimes FROM crime_files ORDER BY force, month"
    ):
        totals.setdefault(force, {})[month] = crimes
    for force, months in totals.items():
        gaps += whole_force_gaps(force, months)
        gaps += _silent_areas(conn, force, list(months))
    return gaps


def whole_force_gaps(force: str, months: dict[str, int]) -> list[Gap]:
    """A force's missing and low months, from its recorded crimes by month (in month order)."""
    gaps: list[Gap] = []
    present = sorted(months)
    if not present:
        return gaps
    month = present[0]
    while month < present[-1]:
        if month not in months:
            gaps.append(Gap("missing_month", force, month, force, None, None, None))
        month = month_after(month)
    for i, month in enumerate(present):
        window = [months[m] for m in present[max(0, i - GAP_WINDOW) : i]]
        if window and months[month] < LOW_SHARE * median(window):
            gaps.append(Gap("low_month", force, month, force, None, median(window), months[month]))
    return sorted(gaps, key=lambda g: g.month)


def _silent_areas(conn: sqlite3.Connection, force: str, present: list[str]) -> list[Gap]:
    index = {m: i for i, m in enumerate(present)}
    areas: dict[str, list[int]] = {}
    names: dict[str, str] = {}
    for month, code, name, crimes in conn.execute(
        "SELECT month, lsoa_code, lsoa_name, crimes FROM crime_areas WHERE force = ?", (force,)
    ):
        areas.setdefault(code, [0] * len(present))[index[month]] = crimes
        names[code] = name or code
    gaps = []
    for code in sorted(areas, key=lambda c: (names[c], c)):
        counts = areas[code]
        running = 0  # the sum over the window before month i
        for i, crimes in enumerate(counts):
            size = min(i, GAP_WINDOW)
            if size and crimes == 0 and running >= SILENT_AVERAGE * size:
                mean = running / size
                gaps.append(Gap("zero_area", force, present[i], names[code], code, mean, 0))
            running += crimes
            if i >= GAP_WINDOW:
                running -= counts[i - GAP_WINDOW]
    return gaps
