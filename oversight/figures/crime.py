"""Recorded crime month by month, from the counts of data.police.uk's street-level files.

A pure core: the store and a date in, plain dataclasses out; the renderers only format them.
The rules (README: "Recorded crime"): recorded crime excludes anti-social behaviour, which is
shown apart; "No Location" crimes count in the force's totals but in no neighbourhood; the data
gaps are those of :mod:`oversight.figures.crime_gaps`.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from oversight.extracts.street_format import (
    ASB,
    CRIME_TYPES,
    local_authority,
    recorded,
)
from oversight.figures.crime_gaps import (
    FIRST_MONTH,
    month_after,
    whole_force_gaps,
)
from oversight.figures.crime_places import (
    Area,
    ForceHeld,
    NotPublished,
    _words,
    area_named,
    forces,
    forces_held,
    publication_gaps,
    resolve_force,
)
from oversight.store import Store

MONTHS_SHOWN = 24  # the chart and the workbook: this year against last
SILENT_SHOWN = 5  # neighbourhoods named in the warning; the rest are counted

# The forgiving words for a crime type (any case; spaces, hyphens and underscores alike).
TYPE_WORDS = {
    "asb": ASB,
    "antisocial": ASB,
    "antisocial behaviour": ASB,
    "anti social behaviour": ASB,
    "antisocial behavior": ASB,
    "violence": "Violence and sexual offences",
    "violent": "Violence and sexual offences",
    "sexual offences": "Violence and sexual offences",
    "bicycle": "Bicycle theft",
    "bike": "Bicycle theft",
    "criminal damage": "Criminal damage and arson",
    "arson": "Criminal damage and arson",
    "damage": "Criminal damage and arson",
    "weapons": "Possession of weapons",
    "vehicle": "Vehicle crime",
    "car": "Vehicle crime",
    "theft from the person": "Theft from the person",
    "theft from person": "Theft from the person",
    "pickpocketing": "Theft from the person",
    "drug": "Drugs",
}


def crime_type_named(text: str) -> str | None:
    """The crime type that ``text`` names (``violence``, ``burglary``, ``asb``), or None."""
    words = _words(text)
    if not words:
        return None
    if words in TYPE_WORDS:
        return TYPE_WORDS[words]
    exact = [t for t in CRIME_TYPES if _words(t) == words]
    if exact:
        return exact[0]
    starting = [t for t in CRIME_TYPES if _words(t).startswith(words)]
    return starting[0] if len(starting) == 1 else None


def month_label(month: str) -> str:
    """ "2019-12" -> "December 2019"; a month no calendar has ("0000-01", held by a store an
    older oversight filled) as it is written."""
    try:
        return date(int(month[:4]), int(month[5:7]), 1).strftime("%B %Y")
    except ValueError:
        return month


def percent_change(new: int, old: int | None) -> float | None:
    """The change from ``old`` to ``new`` in percent, to one decimal place, halves away from 0."""
    if not old:
        return None
    value = Decimal(new - old) * 100 / Decimal(old)
    return float(value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class TypeCount:
    crime_type: str
    crimes: int
    year_before: int | None  # None: no file for that month

    @property
    def change_percent(self) -> float | None:
        return None if self.year_before is None else percent_change(self.crimes, self.year_before)


@dataclass(frozen=True)
class MonthCount:
    month: str
    crimes: int | None  # None: no file for the month
    asb: int | None
    no_location: int | None
    low: bool = False  # a low_month

    @property
    def missing(self) -> bool:
        return self.crimes is None


@dataclass(frozen=True)
class LowMonth:
    """A month with fewer recorded crimes than half the median of the 12 months before it."""

    month: str
    crimes: int  # all recorded crime in the month
    median: float  # of the months before


@dataclass(frozen=True)
class SilentArea:
    """A neighbourhood with no crime in a month after averaging at least 10 a month."""

    name: str  # the LSOA name, as published
    code: str
    month: str
    average: float  # over the months before


@dataclass(frozen=True)
class CrimeFigures:
    as_of: date
    force: str | None  # None: no crime data to answer for (see note)
    forces: list[str]  # every force in the store
    crime_type: str | None  # one type only; None: all recorded crime
    month: str | None  # the latest month ended by as_of with a file; None: none
    by_type: list[TypeCount] = field(default_factory=list)  # the month against a year before
    crimes: int = 0  # recorded crime in the month (or the one type's)
    crimes_year_before: int | None = None  # None: no file for that month
    asb: int = 0
    asb_year_before: int | None = None
    no_location: int = 0  # of the month's crimes: no coordinates at all
    no_lsoa: int = 0  # of the month's crimes: placed, but outside any LSOA
    last_12: int = 0  # the 12 months to the month
    previous_12: int = 0  # the 12 before those
    # Like for like: the months of the 12 whose month a year before has a file too, and the
    # crimes of each window in those months only.
    both_12: int = 0
    last_both: int = 0
    previous_both: int = 0
    absent_last_12: list[str] = field(default_factory=list)  # months without a file
    absent_previous_12: list[str] = field(default_factory=list)
    monthly: list[MonthCount] = field(default_factory=list)  # the 24 months to the month
    missing_months: list[str] = field(default_factory=list)  # missing_month, in those 24
    low_months: list[LowMonth] = field(default_factory=list)  # low_month, in those 24
    silent: list[SilentArea] = field(default_factory=list)  # zero_area, the 12 months to it
    note: str | None = None  # why there are no figures
    held: list[ForceHeld] = field(default_factory=list)  # every force, with its latest month
    area: Area | None = None  # the area asked about; None: the whole force
    not_published: NotPublished | None = None  # the force has stopped publishing

    @property
    def year_before(self) -> str | None:
        return month_after(self.month, -12) if self.month else None

    @property
    def no_location_percent(self) -> float | None:
        if not self.crimes:
            return None
        value = Decimal(self.no_location) * 100 / Decimal(self.crimes)
        return float(value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))

    @property
    def change_12_percent(self) -> float | None:
        """The change over 12 months: only when both hold every month."""
        return None if self.incomplete else percent_change(self.last_12, self.previous_12)

    @property
    def like_for_like_percent(self) -> float | None:
        """The change in the months present in both windows, when one lacks a month."""
        if not self.incomplete or not self.both_12:
            return None
        return percent_change(self.last_both, self.previous_both)

    @property
    def incomplete(self) -> bool:
        """Whether either 12 months lacks a month's file."""
        return bool(self.absent_last_12 or self.absent_previous_12)

    @property
    def silent_areas(self) -> int:
        """How many neighbourhoods went silent in the 12 months to the month."""
        return len({a.code for a in self.silent})


def _series(
    conn: sqlite3.Connection, force: str, area: Area | None, first: str, last: str
) -> tuple[dict[str, tuple[int, int, int, int]], dict[tuple[str, str], tuple[int, int, int]]]:
    """The months with a file (month -> crimes, anti-social behaviour, no location, outside any
    LSOA) and the counts by month and type (-> crimes, no location, outside any LSOA), of the
    force or of one area of it, from ``first`` to ``last``."""
    files = {
        m: (crimes, asb, no_location, no_lsoa)
        for m, crimes, asb, no_location, no_lsoa in conn.execute(
            "SELECT month, crimes, asb, no_location, no_lsoa FROM crime_files WHERE force = ? "
            "AND month BETWEEN ? AND ? ORDER BY month",
            (force, first, last),
        )
    }
    if area is None:
        types = {
            (m, t): (n, no_place, outside)
            for m, t, n, no_place, outside in conn.execute(
                "SELECT month, crime_type, crimes, no_location, no_lsoa FROM crime_types "
                "WHERE force = ? AND month BETWEEN ? AND ?",
                (force, first, last),
            )
        }
        return files, types
    # Keyed by local authority first: a neighbourhood is read within its authority's range.
    authority = local_authority(area.name) if area.code else area.name
    types = {
        (m, t): (n, 0, 0)
        for m, t, n in conn.execute(
            "SELECT month, crime_type, SUM(crimes) FROM crime_area_types WHERE force = ? "
            "AND local_authority = ? AND month BETWEEN ? AND ? AND lsoa_code LIKE ? "
            "GROUP BY month, crime_type",
            (force, authority, first, last, area.code or "%"),
        )
    }
    area_files = {}
    for m in files:
        counts = [n for (month, t), (n, _, _) in types.items() if month == m and recorded(t)]
        asb = types.get((m, ASB), (0, 0, 0))[0]
        area_files[m] = (sum(counts), asb, 0, 0)
    return area_files, types


def crime_figures(
    store: Store,
    as_of: date,
    force: str = "",
    crime_type: str | None = None,
    area: str = "",
    lag_months: int = 2,
) -> CrimeFigures:
    """Recorded crime for the latest month ended by ``as_of`` with a file: by type against
    the same month a year before, the 12 months to it against the 12 before (like for like),
    anti-social behaviour apart, where crimes could not be placed, the data gaps around it, and
    whether the force has stopped publishing; for the force, or for one ``area`` of it."""
    conn = store.conn
    known = forces(conn)
    chosen, note = resolve_force(known, force)
    held = forces_held(conn, as_of)
    base = CrimeFigures(
        as_of=as_of, force=chosen, forces=known, crime_type=crime_type, month=None, held=held
    )
    if chosen is None:
        return _with(base, note=note)
    place = None
    if area:
        place = area_named(conn, chosen, area)
        if place is None:
            return _with(base, note=f"{chosen}'s files name no local authority or neighbourhood "
                         f"called {area}.")  # fmt: skip
        base = _with(base, area=place)
    month = next((h.latest_month for h in held if h.force == chosen), None)
    if month is None:
        return _with(
            base, note=f"No crime data for {chosen} on or before {as_of.day} {as_of:%B %Y}."
        )
    stopped = publication_gaps(conn, as_of, lag_months).get(chosen)
    first = month_after(month, -(MONTHS_SHOWN - 1))
    window = [month_after(first, i) for i in range(MONTHS_SHOWN)]
    year_before = month_after(month, -12)
    files, types = _series(conn, chosen, place, FIRST_MONTH, month)

    def month_counts(m: str) -> tuple[int, int, int, int] | None:
        """(crimes, asb, no location, outside any LSOA) of a month, for the type asked about
        or all crime."""
        if m not in files:
            return None
        if crime_type is None:
            return files[m]
        n, no_place, outside = types.get((m, crime_type), (0, 0, 0))
        return n, files[m][1], no_place, outside

    totals = {m: files[m][0] for m in files}
    gaps = whole_force_gaps(chosen, totals)
    low = [
        LowMonth(g.month, totals[g.month], float(g.old))
        for g in gaps
        if g.kind == "low_month" and g.month >= first
    ]
    monthly = []
    for m in window:
        counts = month_counts(m)
        monthly.append(
            MonthCount(
                month=m,
                crimes=counts[0] if counts else None,
                asb=counts[1] if counts else None,
                no_location=counts[2] if counts else None,
                low=any(m == lm.month for lm in low),
            )
        )
    by_month = {c.month: c for c in monthly}
    this, before = by_month[month], by_month[year_before]
    shown_types = (
        [crime_type]
        if crime_type
        else sorted({t for (m, t) in types if m in (month, year_before) and recorded(t)})
    )
    by_type = [
        TypeCount(
            crime_type=t,
            crimes=types.get((month, t), (0, 0, 0))[0],
            year_before=types.get((year_before, t), (0, 0, 0))[0] if year_before in files else None,
        )
        for t in shown_types
    ]
    by_type.sort(key=lambda c: (-c.crimes, c.crime_type))
    last, previous = window[-12:], window[:12]
    both = [m for m in last if m in files and month_after(m, -12) in files]
    counts_now = month_counts(month) or (0, 0, 0, 0)
    return _with(
        base,
        month=month,
        by_type=by_type,
        crimes=this.crimes or 0,
        crimes_year_before=before.crimes,
        asb=files[month][1],
        asb_year_before=files[year_before][1] if year_before in files else None,
        no_location=counts_now[2],
        no_lsoa=counts_now[3],
        last_12=sum(by_month[m].crimes or 0 for m in last),
        previous_12=sum(by_month[m].crimes or 0 for m in previous),
        both_12=len(both),
        last_both=sum(by_month[m].crimes or 0 for m in both),
        previous_both=sum(by_month[month_after(m, -12)].crimes or 0 for m in both),
        absent_last_12=[m for m in last if m not in files],
        absent_previous_12=[m for m in previous if m not in files],
        monthly=monthly,
        missing_months=[
            m for g in gaps if g.kind == "missing_month" for m in g.months(first, month)
        ],
        low_months=low,
        silent=_silent(conn, chosen, month_after(month, -11), month, place),
        not_published=stopped,
    )


def _with(base: CrimeFigures, **changes: object) -> CrimeFigures:
    from dataclasses import replace

    return replace(base, **changes)


def _silent(
    conn: sqlite3.Connection, force: str, first: str, last: str, area: Area | None
) -> list[SilentArea]:
    """The zero_area findings of the latest crime import for these months (they depend only on
    each month and those before it, so the latest import's hold for any date), in the area."""
    rows = conn.execute(
        "SELECT area, area_code, month, old FROM import_findings WHERE import_id = "
        "(SELECT max(id) FROM imports WHERE kind = 'crimes') AND kind = 'zero_area' "
        "AND ref = ? AND month BETWEEN ? AND ? ORDER BY month, area, area_code",
        (force, first, last),
    )
    found = [SilentArea(name, code, month, float(old or 0)) for name, code, month, old in rows]
    if area is None:
        return found
    if area.code is not None:
        return [a for a in found if a.code == area.code]
    return [a for a in found if local_authority(a.name) == area.name]
