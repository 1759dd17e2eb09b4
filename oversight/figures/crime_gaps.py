"""The data-gap rules of recorded crime: missing, low and silent months in a force's files.

Read from the counts in the store (README: "Recorded crime"). A month's low_month and zero_area
findings depend only on that month and the months before it, so the gaps as of any date are
these, up to that date's month. The crime import (:mod:`oversight.importing.crimes`) keeps
them as findings; ``/crime`` works them out afresh for its 24 months.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from statistics import median

# The data-gap rules (README: "Recorded crime").
GAP_WINDOW = 12  # months present before a month, for low_month and zero_area
LOW_SHARE = 0.5  # low_month: fewer than this share of the window's median
SILENT_AVERAGE = 10  # zero_area: averaged at least this many crimes a month over the window
SHRUNK_SHARE = 0.10  # month_shrunk: imported again with more than this share fewer crimes
GAP_KINDS = ("missing_month", "low_month", "zero_area", "month_shrunk")


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
