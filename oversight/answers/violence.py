"""``/violence``: the violence problem profile: police-recorded violence, robbery and weapons by
neighbourhood and local authority, and hospital assault attendances (ISTV), small numbers
suppressed (:mod:`oversight.figures.suppression`) before anything is shown."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from oversight.answers.commands import COMMANDS, Command, UsageError, answer_model
from oversight.answers.sources import as_known, first_since_each, vintage_of
from oversight.figures.assaults import (
    DAYS,
    DepartmentGap,
    HospitalCounts,
    hospital_counts,
    peak,
)
from oversight.figures.crime import percent_change
from oversight.figures.suppression import WITHHELD, Shown, protect, share, shown
from oversight.figures.vintage import LastImport, is_synthetic
from oversight.figures.violence import PoliceViolence, police_violence
from oversight.settings import Settings
from oversight.store import Store

PLACES_SHOWN = 10
HOURS_SHOWN = 5
ELSEWHERE = "elsewhere, or not recorded"


VIOLENCE_JOB = "violence-profile"  # the monthly post's job, in the ledger and the schedule


@dataclass(frozen=True)
class HospitalMonth:
    month: str
    attendances: Shown | None  # None: no department sent anything
    knife: Shown | None
    knife_share: float | None
    departments: int  # how many departments sent data


@dataclass(frozen=True)
class DepartmentRow:
    department: str
    attendances: Shown  # the 12 months
    knife: Shown
    knife_share: float | None
    knife_before: Shown  # the 12 before
    knife_share_before: float | None
    months_sent: int  # of the 12


@dataclass(frozen=True)
class Counted:
    """A place or a time, its attendances (suppressed) and their share of the 12 months."""

    what: str
    attendances: Shown
    share: float | None


@dataclass(frozen=True)
class Hospital:
    month: str  # the latest month with data
    last_12: Shown
    previous_12: Shown | None  # None: no department sent in those months
    knife_last_12: Shown
    knife_previous_12: Shown | None
    knife_share: float | None
    knife_share_before: float | None
    # Like for like: the months each department sent in both windows.
    like_for_like: bool  # whether any month-and-department was left out of the comparison
    last_both: Shown
    previous_both: Shown
    change_percent: float | None
    months: list[HospitalMonth] = field(default_factory=list)
    departments: list[DepartmentRow] = field(default_factory=list)
    gaps: list[DepartmentGap] = field(default_factory=list)
    peak: Counted | None = None  # "Friday and Saturday 22:00–03:00"
    hours: list[Counted] = field(default_factory=list)  # the busiest hours of the week
    grid: list[list[Shown]] = field(default_factory=list)  # 7 days x 24 hours, the 12 months
    places: list[Counted] = field(default_factory=list)


@answer_model
@dataclass(frozen=True)
class ViolenceAnswer:
    as_of: date
    police: PoliceViolence
    hospital: Hospital | None  # None: no attendance by then
    sources: dict[str, LastImport | None] = field(default_factory=dict)
    synthetic: bool = False  # made from the demo's invented records: said on its face
    # Kinds with no extract by the date: the first taken since (said, rather than "none").
    since: dict[str, LastImport] = field(default_factory=dict)
    command: str = "violence"


def _window(c: HospitalCounts, months: list[str]) -> tuple[list[Shown], Shown, list[Shown], Shown]:
    values = [c.total([m]) for m in months]
    knives = [c.total([m], knife=True) for m in months]
    parts, total = protect(values)
    knife_parts, knife_total = protect(knives)
    return parts, total, knife_parts, knife_total


def hospital_shown(c: HospitalCounts) -> Hospital | None:
    """The counts as they may be shown: small numbers suppressed, with their complements."""
    if c.month is None:
        return None
    last_parts, last, knife_last_parts, knife_last = _window(c, c.last_months)
    prev_parts, prev, knife_prev_parts, knife_prev = _window(c, c.previous_months)
    by_month = dict(zip(c.months, [*prev_parts, *last_parts], strict=True))
    knife_by_month = dict(zip(c.months, [*knife_prev_parts, *knife_last_parts], strict=True))
    months = []
    for m in c.months:
        sent = len(c.sent(m))
        months.append(
            HospitalMonth(
                m,
                by_month[m] if sent else None,
                knife_by_month[m] if sent else None,
                share(knife_by_month[m], by_month[m]) if sent else None,
                sent,
            )
        )
    # Departments: a breakdown of the same totals, protected the same way.
    names = c.departments
    dep, dep_total = protect(list(c.by_department(c.last_months).values()))
    dep_knife, dep_knife_total = protect(list(c.by_department(c.last_months, True).values()))
    dep_prev, dep_prev_total = protect(list(c.by_department(c.previous_months).values()))
    dep_knife_prev, dep_knife_prev_total = protect(
        list(c.by_department(c.previous_months, True).values())
    )
    # A total withheld in any breakdown is withheld wherever it would be shown.
    if WITHHELD in (dep_total, last):
        last = WITHHELD
    if WITHHELD in (dep_knife_total, knife_last):
        knife_last = WITHHELD
    if WITHHELD in (dep_prev_total, prev):
        prev = WITHHELD
    if WITHHELD in (dep_knife_prev_total, knife_prev):
        knife_prev = WITHHELD
    # No department sent in the 12 months before: no data, not none (0 would read as a rise).
    if not any(c.sent(m) for m in c.previous_months):
        prev = knife_prev = None
    departments = [
        DepartmentRow(
            d,
            dep[i],
            dep_knife[i],
            share(dep_knife[i], dep[i]),
            dep_knife_prev[i],
            share(dep_knife_prev[i], dep_prev[i]),
            sum(1 for m in c.last_months if d in c.sent(m)),
        )
        for i, d in enumerate(names)
    ]
    pairs_last, pairs_prev = c.like_for_like()
    both = c.total(c.last_months, pairs=pairs_last)
    both_prev = c.total(c.previous_months, pairs=pairs_prev)
    compared = (both, c.total(c.last_months) - both)
    (last_both, _), _ = protect(compared)
    (prev_both, _), _ = protect((both_prev, c.total(c.previous_months) - both_prev))
    change = (
        percent_change(last_both, prev_both)
        if isinstance(last_both, int) and isinstance(prev_both, int)
        else None
    )
    year = c.total(c.last_months)
    grid_values = [n for day in c.hours for n in day]
    grid_parts, grid_total = protect(grid_values)
    grid = [grid_parts[d * 24 : (d + 1) * 24] for d in range(7)]
    listed = sorted(
        ((p, n) for p, n in c.places.items() if p is not None), key=lambda pn: (-pn[1], pn[0])
    )[:PLACES_SHOWN]
    rest = year - sum(n for _, n in listed)
    place_parts, place_total = protect([n for _, n in listed] + [rest])
    # The hours and places are breakdowns of the year's total too: withheld by any of them, it
    # is withheld everywhere, and every share below is of the total as shown.
    if WITHHELD in (grid_total, place_total):
        last = WITHHELD
    busiest = peak(c.hours)
    peak_shown = None
    if busiest is not None:
        n = shown(busiest.count)
        peak_shown = Counted(busiest.words(), n, share(n, last))
    ranked = sorted(range(7 * 24), key=lambda i: (-grid_values[i], i))[:HOURS_SHOWN]
    hours = [
        Counted(
            f"{DAYS[i // 24]} {i % 24:02d}:00–{(i + 1) % 24:02d}:00",
            grid_parts[i],
            share(grid_parts[i], last),
        )
        for i in ranked
        if grid_values[i]
    ]
    places = [
        Counted(what, part, share(part, last))
        for what, part in zip([p for p, _ in listed] + [ELSEWHERE], place_parts, strict=True)
        if what != ELSEWHERE or rest
    ]
    return Hospital(
        c.month,
        last,
        prev,
        knife_last,
        knife_prev,
        share(knife_last, last),
        share(knife_prev, prev),
        bool(c.gaps) or len(pairs_last) != sum(len(c.sent(m)) for m in c.last_months),
        last_both,
        prev_both,
        change,
        months,
        departments,
        c.gaps,
        peak_shown,
        hours,
        grid,
        places,
    )


def violence_answer(
    store: Store,
    as_of: date,
    options: ViolenceOptions,
    now: datetime,
    settings: Settings,
    revised: bool = False,
) -> ViolenceAnswer:
    at = vintage_of(store, as_of, settings, revised)
    known = as_known(store, at)
    police = police_violence(
        known,
        as_of,
        options.force or settings.force,
        options.area or "",
        settings.crime_publication_lag_months,
    )
    hospital = hospital_shown(hospital_counts(known.conn, as_of))
    return ViolenceAnswer(
        as_of,
        police,
        hospital,
        {k: at.known.get(k) for k in ("crimes", "assaults")},
        synthetic=is_synthetic(store),
        since=first_since_each(at),
    )


@dataclass(frozen=True)
class ViolenceOptions:
    force: str | None = None
    area: str | None = None


def _parse(rest: str) -> ViolenceOptions:
    """``[area WORDS] [force WORDS]``; bare words are an area."""
    parts: dict[str, list[str]] = {"area": []}
    current = "area"
    for word in rest.split():
        keyword = word.lower()
        if keyword in ("force", "area") and not parts.get(keyword):
            current = keyword
            parts.setdefault(keyword, [])
        else:
            parts[current].append(word)
    if "force" in parts and not parts["force"]:
        raise UsageError('"force" needs words after it: e.g. /violence force gmp.', "violence")
    return ViolenceOptions(
        " ".join(parts.get("force", [])) or None, " ".join(parts["area"]) or None
    )


def _words(options: ViolenceOptions) -> list[str]:
    words = ["area", options.area] if options.area else []
    return words + (["force", options.force] if options.force else [])


COMMANDS.register(
    Command(
        name="violence",
        syntax="[area WORDS] [force WORDS] [as of YYYY-MM-DD [revised]]",
        summary="the violence problem profile: police violence by neighbourhood, hospital "
        "assaults (small numbers suppressed), hotspots, when and where",
        examples=("/violence", "/violence area salford", "/violence as of 30/06/2020"),
        options=ViolenceOptions,
        parse=_parse,
        words=_words,
        answer=lambda store, q, now, settings: violence_answer(
            store, q.as_of, q.options, now, settings, q.revised
        ),
        answer_types=(ViolenceAnswer,),
        rank=55,
    )
)
