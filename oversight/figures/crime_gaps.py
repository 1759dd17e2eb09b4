"""The data-gap rules of recorded crime: missing, low and silent months in a force's files.

Read from the counts in the store (README: "Recorded crime"). A month's low_month and zero_area
findings depend only on that month and the months before it, so the gaps as of any date are
these, up to that date's month. The crime import (:mod:`oversight.importing.crimes`) keeps
them as findings; ``/crime`` works them out afresh for its 24 months.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from itertools import pairwise
from statistics import median

from oversight.extracts.street_format import FIRST_MONTH

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
    month: str  # YYYY-MM; for a run of missing months, the first of them
    area: str  # the neighbourhood's LSOA name, or the force for a whole-force finding
    code: str | None  # the LSOA code; None for a whole-force finding
    old: object  # what it was measured against: the window's median or mean, or the old count
    new: object  # the month's crimes; for a run of missing months, how many months it is
    until: str | None = None  # the last month of a run of missing months

    def months(self, first: str, last: str) -> list[str]:
        """The months of this finding from ``first`` to ``last``: at most as many as there are
        between them, however long the run."""
        start, end = max(self.month, first), min(self.until or self.month, last)
        return [] if start > end else months_between(start, end)


# The months a store may hold: data.police.uk began in December 2010. A month outside them in a
# store (an older oversight accepted any) is left out of every figure; the doctor names it.
LAST_MONTH = "9999-12"


def month_after(month: str, n: int = 1) -> str:
    year, number = int(month[:4]), int(month[5:7]) - 1 + n
    return f"{year + number // 12:04d}-{number % 12 + 1:02d}"


def months_apart(first: str, last: str) -> int:
    """How many months ``last`` is after ``first``."""
    return (int(last[:4]) - int(first[:4])) * 12 + int(last[5:7]) - int(first[5:7])


def months_between(first: str, last: str) -> list[str]:
    """Every month from ``first`` to ``last``, both included."""
    return [month_after(first, i) for i in range(months_apart(first, last) + 1)]


def find_gaps(conn: sqlite3.Connection, forces: list[str]) -> list[Gap]:
    """The data gaps of ``forces``, from the counts in the store (README: "Recorded crime").

    The work is bounded by the months the store holds, whatever they are: a run of missing
    months is one finding. A month's low_month and zero_area findings depend only on that month
    and the months before it, so the gaps as of any date are these, up to that date's month.
    """
    gaps: list[Gap] = []
    for force in forces:
        months = dict(
            conn.execute(
                "SELECT month, crimes FROM crime_files WHERE force = ? AND month BETWEEN ? AND ? "
                "ORDER BY month",
                (force, FIRST_MONTH, LAST_MONTH),
            ).fetchall()
        )
        gaps += whole_force_gaps(force, months)
        gaps += _silent_areas(conn, force, list(months))
    return gaps


def whole_force_gaps(force: str, months: dict[str, int]) -> list[Gap]:
    """A force's runs of missing months and its low months, from its recorded crimes by month:
    one pass over the months present."""
    gaps: list[Gap] = []
    present = sorted(months)
    for before, after in pairwise(present):
        missing = months_apart(before, after) - 1
        if missing > 0:
            first, last = month_after(before), month_after(after, -1)
            gaps.append(Gap("missing_month", force, first, force, None, None, missing, last))
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
        "SELECT month, lsoa_code, lsoa_name, crimes FROM crime_areas WHERE force = ? "
        "AND month BETWEEN ? AND ?",
        (force, FIRST_MONTH, LAST_MONTH),
    ):
        if month not in index:
            continue
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
