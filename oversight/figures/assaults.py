"""Hospital assault attendances (ISTV), counted: by month, department and means, the hours of
the week and the places they happened. A pure core: the store and a date in, plain counts out
(raw: :mod:`oversight.answers.violence` suppresses small numbers before anything is shown).
"""

from __future__ import annotations

import re
import sqlite3
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from oversight.figures.crime_gaps import month_after
from oversight.figures.crime_places import last_ended_month

KNIFE = "knife or sharp object"
MONTHS_SHOWN = 24
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
PEAK_HOURS = 5  # the peak: this many hours from the same hour on two nights running
_PUNCTUATION = re.compile(r"[^\w\s]+")


def normal_location(text: str | None) -> str | None:
    """A desk's free text as one place: case, spacing and punctuation set aside
    ("Outside  the Crown!" and "outside the crown" are one); blank is None."""
    if text is None:
        return None
    words = _PUNCTUATION.sub(" ", text.lower()).split()
    return " ".join(words) or None


def months_to(last: str, n: int) -> list[str]:
    return [month_after(last, -i) for i in range(n - 1, -1, -1)]


@dataclass(frozen=True)
class DepartmentGap:
    """A department that sent nothing for a run of months after sending before."""

    department: str
    months: list[str]


@dataclass(frozen=True)
class HospitalCounts:
    as_of: date
    month: str | None  # the latest month ended by as_of with an attendance; None: none held
    months: list[str] = field(default_factory=list)  # the 24 months to it
    # month -> department -> (attendances, by knife or sharp object)
    cells: dict[str, dict[str, tuple[int, int]]] = field(default_factory=dict)
    departments: list[str] = field(default_factory=list)  # every department of the 24 months
    gaps: list[DepartmentGap] = field(default_factory=list)
    # The 12 months to ``month``: by weekday (Monday 0) and hour of the incident (its arrival
    # when the incident's time is not known), and by place (normalised; None: not recorded).
    hours: list[list[int]] = field(default_factory=list)
    places: Counter = field(default_factory=Counter)

    @property
    def last_months(self) -> list[str]:
        return self.months[-12:]

    @property
    def previous_months(self) -> list[str]:
        return self.months[:-12]

    def sent(self, month: str) -> list[str]:
        return sorted(d for d, (n, _) in self.cells.get(month, {}).items() if n)

    def total(self, months: list[str], knife: bool = False, pairs: set | None = None) -> int:
        return sum(
            c[1] if knife else c[0]
            for m in months
            for d, c in self.cells.get(m, {}).items()
            if pairs is None or (m, d) in pairs
        )

    def like_for_like(self) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
        """The (month, department) pairs of each window whose department sent in the same month
        of the other window too: the only ones compared."""
        last, previous = set(), set()
        for m in self.last_months:
            before = month_after(m, -12)
            for d in self.sent(m):
                if d in self.sent(before):
                    last.add((m, d))
                    previous.add((before, d))
        return last, previous

    def by_department(self, months: list[str], knife: bool = False) -> dict[str, int]:
        return {
            d: sum((self.cells.get(m, {}).get(d, (0, 0))[1 if knife else 0]) for m in months)
            for d in self.departments
        }


def hospital_counts(conn: sqlite3.Connection, as_of: date) -> HospitalCounts:
    """The attendances the store holds that arrived by the end of the latest month ended by
    ``as_of``: the 24 months to the latest such month with any. Read from the counts each
    import keeps by month and department (oversight.importing.assault_counts)."""
    ended = last_ended_month(as_of)
    row = conn.execute("SELECT max(month) FROM assault_month_counts WHERE month <= ?", (ended,))
    month = row.fetchone()[0]
    if month is None:
        return HospitalCounts(as_of, None)
    months = months_to(month, MONTHS_SHOWN)
    cells: dict[str, dict[str, tuple[int, int]]] = {}
    for m, department, n, knife in conn.execute(
        "SELECT month, department, attendances, knife FROM assault_month_counts "
        "WHERE month BETWEEN ? AND ?",
        (months[0], month),
    ):
        cells.setdefault(m, {})[department] = (n, knife)
    departments = sorted({d for by in cells.values() for d in by})
    gaps = []
    for d in departments:
        sending = [m for m in months if d in cells.get(m, {})]
        missing = [m for m in months if sending[0] < m and d not in cells.get(m, {})]
        if missing:
            gaps.append(DepartmentGap(d, missing))
    last_first = months[-12]
    hours = [[0] * 24 for _ in DAYS]
    for weekday, hour, n in conn.execute(
        "SELECT weekday, hour, SUM(attendances) FROM assault_hour_counts "
        "WHERE month BETWEEN ? AND ? GROUP BY 1, 2",
        (last_first, month),
    ):
        hours[weekday][hour] += n
    places: Counter = Counter()
    for place, n in conn.execute(
        "SELECT place, SUM(attendances) FROM assault_place_counts "
        "WHERE month BETWEEN ? AND ? GROUP BY 1",
        (last_first, month),
    ):
        places[place or None] += n
    return HospitalCounts(as_of, month, months, cells, departments, gaps, hours, places)


@dataclass(frozen=True)
class Peak:
    """The busiest ``PEAK_HOURS`` hours from the same hour on two nights running."""

    first_day: int  # Monday 0
    start_hour: int
    count: int

    def words(self) -> str:
        """ "Friday and Saturday 22:00–03:00"."""
        end = (self.start_hour + PEAK_HOURS) % 24
        second = DAYS[(self.first_day + 1) % 7]
        return f"{DAYS[self.first_day]} and {second} {self.start_hour:02d}:00–{end:02d}:00"


def peak(hours: list[list[int]]) -> Peak | None:
    """The busiest window of the week: ``PEAK_HOURS`` hours from the same hour on two
    consecutive days (a window past midnight runs into the next morning); ties go to the
    earliest in the week."""
    flat = [n for day in hours for n in day]
    if not any(flat):
        return None
    best = None
    for day in range(7):
        for hour in range(24):
            count = sum(
                flat[((day + night) * 24 + hour + h) % (7 * 24)]
                for night in range(2)
                for h in range(PEAK_HOURS)
            )
            if best is None or count > best.count:
                best = Peak(day, hour, count)
    return best
